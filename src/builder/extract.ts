// Applies a layer's entries to a tree on disk (image bases: the phases run on the merged filesystem). The
// tree is a jail: every member path is resolved inside it (tree-path.ts, RESOLVE_IN_ROOT semantics), so a
// symlink in an earlier member or layer leads to another place in the tree, never to the host. Whiteouts
// and opaque markers delete only the tree's own entries, hardlinks point at tree entries, and device nodes
// become placeholders (snapshot.ts DeviceTable) instead of nodes on the host; the kept layers hold them.
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { escapesRoot } from '../core/entry.js';
import { ReproError } from '../core/errors.js';
import type { LayerItem } from '../core/image.js';
import type { DeviceTable } from './snapshot.js';
import { isSparse, writeSparse } from './sparse.js';
import { entryInTree, fsPath, readdirNames, resolveInTree, stillInTree } from './tree-path.js';
import { setXattrs } from '../core/xattrs.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/**
 * node has no mkfifo and a command-line argument cannot carry a name that is not UTF-8: mknod(1) makes the
 * FIFO under a plain name at the tree's root, and a rename puts it in place.
 */
async function mkfifo(root: string, at: string | Buffer): Promise<void> {
  const made = join(root, `.repro-fifo-${randomBytes(8).toString('hex')}`);
  await run('mknod', [made, 'p']);
  await rename(made, at);
}

/** Remove `host` and what is below it, and forget the placeholders that were there. */
async function remove(host: string, devices: DeviceTable): Promise<void> {
  await rm(fsPath(host), { recursive: true, force: true });
  for (const path of devices.keys()) if (path === host || path.startsWith(host + '/')) devices.delete(path);
}

/**
 * An opaque marker hides what lower layers put in `dir`, not what this layer put there before the marker
 * came (the same rule as Docker's and containerd's unpackers).
 */
async function hideLower(dir: string, fromThisLayer: Set<string>, devices: DeviceTable): Promise<void> {
  for (const name of await readdirNames(dir)) {
    const host = join(dir, name);
    // a directory this layer made implicitly (the parent of one of its members) is kept like its members
    const holdsThisLayer = [...fromThisLayer].some((p) => p.startsWith(host + '/'));
    if (!fromThisLayer.has(host) && !holdsThisLayer) await remove(host, devices);
    else if ((await lstat(fsPath(host))).isDirectory()) await hideLower(host, fromThisLayer, devices);
  }
}

/** Extract one layer's items; directory times are set last, since writing children changes them. */
export async function extractLayer(items: AsyncIterable<LayerItem>, root: string, where: string, devices: DeviceTable = new Map()): Promise<number> {
  const dirTimes: { host: string; mtime: number }[] = [];
  const fromThisLayer = new Set<string>();
  let count = 0;
  for await (const { entry, body } of items) {
    count++;
    if (entry.type !== 'file' || entry.path === '') body.resume();
    if (entry.path === '') continue;
    if (escapesRoot(entry.path)) throw new ReproError(`refusing member path with "..": ${entry.path}`, where);
    if (entry.type === 'opaque') {
      const dir = await resolveInTree(root, entry.path, where);
      if ((await lstat(fsPath(dir)).catch(() => undefined))?.isDirectory()) await hideLower(dir, fromThisLayer, devices);
      continue;
    }
    const target = await entryInTree(root, entry.path, where, { create: entry.type !== 'whiteout' });
    if (entry.type === 'whiteout') {
      await remove(target, devices);
      continue;
    }
    const at = fsPath(target);
    const existing = await lstat(at).catch(() => undefined);
    if (existing && !(existing.isDirectory() && entry.type === 'dir')) await remove(target, devices);
    fromThisLayer.add(target);
    switch (entry.type) {
      case 'dir':
        if (!existing?.isDirectory()) await mkdir(at);
        break;
      case 'file':
        // "wx": O_CREAT|O_EXCL, which never writes through a symlink that might have appeared there.
        if (isSparse(entry)) await writeSparse(body, at, entry, where);
        else await pipeline(body, createWriteStream(at, { mode: 0o600, flags: 'wx' }));
        break;
      case 'symlink':
        await symlink(fsPath(entry.linkname ?? ''), at);
        break;
      case 'hardlink': {
        const linkname = entry.linkname ?? '';
        if (escapesRoot(linkname)) throw new ReproError(`refusing hardlink ${entry.path} to a path with "..": ${linkname}`, where);
        const from = await entryInTree(root, linkname, where);
        const st = await lstat(fsPath(from)).catch(() => undefined);
        if (!st || st.isDirectory()) throw new ReproError(`hardlink ${entry.path} points at ${linkname}, which is not a file in the tree`, where);
        await link(fsPath(from), at);
        const device = devices.get(from);
        if (device) devices.set(target, device);
        break;
      }
      case 'char':
      case 'block': {
        await writeFile(at, '', { mode: 0o600, flag: 'wx' });
        const { ino } = await lstat(at, { bigint: true });
        devices.set(target, { ino, type: entry.type, devmajor: entry.devmajor ?? 0, devminor: entry.devminor ?? 0 });
        break;
      }
      case 'fifo':
        await mkfifo(root, at);
        break;
    }
    if (entry.type === 'hardlink') continue;
    // Owners and some xattr namespaces (security.*, trusted.*) need root; without it the tree keeps what it
    // can: an image base's own layers are kept byte for byte, a tarball base's layer shows what the tree holds.
    await lchown(at, entry.uid, entry.gid).catch(() => undefined);
    await setXattrs(target, entry.xattrs).catch((err: unknown) => {
      if (isRoot) throw err;
    });
    if (entry.type !== 'symlink') await chmod(at, entry.mode);
    if (entry.type === 'dir') dirTimes.push({ host: target, mtime: entry.mtime });
    else await lutimes(at, entry.mtime, entry.mtime);
  }
  // A later member may have replaced a directory on the way by a symlink: never set a time through one.
  for (const d of dirTimes.reverse()) if (await stillInTree(root, d.host)) await lutimes(fsPath(d.host), d.mtime, d.mtime);
  return count;
}
