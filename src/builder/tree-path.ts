// Paths inside the build tree resolved the way the tree itself sees them (as if chrooted): an absolute
// symlink such as `bin -> /usr/bin` points into the tree, never at the host's /usr/bin, and ".." stops at
// the tree's root. This is openat2's RESOLVE_IN_ROOT done component by component with lstat, because node
// has no openat2: every host path these functions return runs through real directories only, so the
// kernel follows no symlink when it is used. Nothing else changes the tree while the builder uses them
// (phases run before or after, never during), so the answer stays true until it is used.
import { lstat, mkdir, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError } from '../core/errors.js';
import { nameBytes, nameFromBytes } from '../core/name-bytes.js';

const MAX_LINKS = 40; // the kernel's own limit (ELOOP)

/**
 * A path for node's fs calls. Tree paths are strings like Entry paths: a name byte that is not UTF-8 is a
 * lone surrogate (name-bytes.ts), which node would write as U+FFFD; such a path goes to the kernel as bytes.
 */
export function fsPath(path: string): string | Buffer {
  return /[\udc80-\udcff]/.test(path) ? nameBytes(path) : path;
}

/** The names in a directory, decoded as Entry paths are. */
export async function readdirNames(dir: string): Promise<string[]> {
  return (await readdir(fsPath(dir), { encoding: 'buffer' })).map(nameFromBytes);
}

/** A symlink's target, decoded as Entry link names are. */
export async function readlinkName(path: string): Promise<string> {
  return nameFromBytes(await readlink(fsPath(path), { encoding: 'buffer' }));
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/** Host path of `path` (absolute or relative to the tree's root), symlinks followed inside the tree. */
export async function resolveInTree(root: string, path: string, where = root): Promise<string> {
  const todo = segments(path);
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const seg = todo.shift()!;
    if (seg === '..') {
      done.pop(); // ".." at the tree's root stays at the root, as in a chroot
      continue;
    }
    const host = join(root, ...done, seg);
    const st = await lstat(fsPath(host)).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new ReproError(`too many levels of symbolic links in ${path}`, where);
      const target = await readlinkName(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...segments(target));
      continue;
    }
    done.push(seg);
  }
  return join(root, ...done);
}

/** True when `path` exists in the tree as the tree sees it. */
export async function existsInTree(root: string, path: string): Promise<boolean> {
  const host = await resolveInTree(root, path);
  return lstat(fsPath(host)).then(() => true, () => false);
}

/**
 * Where the entry `path` itself lives: its parent directory resolved inside the tree, and its own name,
 * which is never followed. What a member, a whiteout or a copy creates, replaces or deletes is therefore
 * always the tree's own entry, even when that entry is a symlink to somewhere else. With `create`, missing
 * directories on the way are made; a component that is not a directory is an error naming `where`.
 */
export async function entryInTree(root: string, path: string, where: string, opts: { create?: boolean } = {}): Promise<string> {
  const segs = segments(path);
  const name = segs.pop();
  if (name === undefined || name === '..') throw new ReproError(`no entry to place at "${path}"`, where);
  const dir = await resolveInTree(root, segs.join('/'), where);
  if (opts.create) {
    await mkdir(fsPath(dir), { recursive: true, mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
      throw new ReproError(`cannot place ${path} in the tree: a component of its directory is not a directory (${err.code})`, where);
    });
  }
  return join(dir, name);
}

/**
 * True when every component of the host path `host` below `root` is still a real directory (no symlink):
 * checked again before a deferred change (directory times set after the whole layer), since later members
 * may have replaced a directory on the way by a symlink.
 */
export async function stillInTree(root: string, host: string): Promise<boolean> {
  if (host !== root && !host.startsWith(root + '/')) return false;
  const segs = host.slice(root.length).split('/').filter(Boolean);
  let at = root;
  for (const [i, seg] of segs.entries()) {
    at = join(at, seg);
    const st = await lstat(fsPath(at)).catch(() => undefined);
    if (!st || st.isSymbolicLink() || (i < segs.length - 1 && !st.isDirectory())) return false;
  }
  return true;
}
