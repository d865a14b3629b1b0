// Paths inside the build tree resolved the way the tree itself sees them (as if chrooted): an absolute
// symlink such as `bin -> /usr/bin` points into the tree, never at the host's /usr/bin.
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError } from '../core/errors.js';

const MAX_LINKS = 40; // the kernel's own limit (ELOOP)

/** Host path of `path` (absolute or relative to the tree's root), symlinks followed inside the tree. */
export async function resolveInTree(root: string, path: string): Promise<string> {
  const todo = path.split('/').filter((s) => s !== '' && s !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const seg = todo.shift()!;
    if (seg === '..') {
      done.pop(); // ".." at the tree's root stays at the root, as in a chroot
      continue;
    }
    const host = join(root, ...done, seg);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new ReproError(`too many levels of symbolic links in ${path}`, root);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
      continue;
    }
    done.push(seg);
  }
  return join(root, ...done);
}

/** True when `path` exists in the tree as the tree sees it. */
export async function existsInTree(root: string, path: string): Promise<boolean> {
  const host = await resolveInTree(root, path);
  return lstat(host).then(() => true, () => false);
}
