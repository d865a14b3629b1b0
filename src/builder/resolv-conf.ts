// Name resolution for a chrooted phase (apt downloads) without the host's /etc/resolv.conf ever being
// reachable from the tree: the tree's own file gets a copy of the host's content for the duration of the
// command, and gets its own content back afterwards, unless the phase changed it. A change (new content,
// mode, owner, a symlink put in its place, removal) is the phase's, and lands in its layer like any other.
// The copy lives in the tree itself, not in a bind mount, so a phase can also replace or remove the file.
import { execFile } from 'node:child_process';
import { chmod, lstat, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveInTree } from './tree-path.js';

const run = promisify(execFile);
const HOST_RESOLV_CONF = '/etc/resolv.conf';
const NS = 1_000_000_000n;

/**
 * Set the modification time of `path` (not a symlink) to `ns` exactly: the snapshot compares times to the
 * nanosecond, and node's utimes takes seconds as a double (about 240 ns steps today). touch(1) takes them
 * whole.
 */
async function setMtimeNs(path: string, ns: bigint): Promise<void> {
  let s = ns / NS;
  let frac = ns % NS;
  if (frac < 0n) {
    s -= 1n;
    frac += NS;
  }
  await run('touch', ['-h', '-m', '-d', `@${s}.${frac.toString().padStart(9, '0')}`, '--', path]);
}

/** Lend the host's resolv.conf to the tree; the returned function gives the tree its own back. */
export async function lendResolvConf(root: string): Promise<() => Promise<void>> {
  const nothing = async (): Promise<void> => undefined;
  const host = await readFile(HOST_RESOLV_CONF).catch(() => undefined);
  const etc = await resolveInTree(root, 'etc');
  const etcBefore = await lstat(etc, { bigint: true }).catch(() => undefined);
  // A tree without /etc, or whose resolv.conf is a symlink or something else, is left as it is: the phase
  // resolves names the way that tree says (a symlink is followed inside the chroot, as the tree sees it).
  if (!host || !etcBefore?.isDirectory()) return nothing;
  const path = join(etc, 'resolv.conf');
  const before = await lstat(path, { bigint: true }).catch(() => undefined);
  if (before && !before.isFile()) return nothing;
  const own = before ? await readFile(path) : undefined;
  await writeFile(path, host);
  // apt resolves names as its unprivileged _apt user: a file made here must be readable whatever the umask.
  if (!before) await chmod(path, 0o644);
  const lent = await lstat(path, { bigint: true });
  const etcLent = await lstat(etc, { bigint: true });
  return async () => {
    const now = await lstat(path, { bigint: true }).catch(() => undefined);
    // The ctime moves with every change of content or metadata: unchanged since it was lent = not the phase's.
    if (!now || now.ino !== lent.ino || now.ctimeNs !== lent.ctimeNs) return;
    if (own && before) {
      await writeFile(path, own);
      await setMtimeNs(path, before.mtimeNs);
      return;
    }
    // Creating and removing the file moved /etc's time: put it back, unless the phase changed /etc too.
    const etcNow = await lstat(etc, { bigint: true });
    await unlink(path);
    if (etcNow.ino === etcLent.ino && etcNow.ctimeNs === etcLent.ctimeNs) await setMtimeNs(etc, etcBefore.mtimeNs);
  };
}
