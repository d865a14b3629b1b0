// Applies a layer's entries to a tree on disk (image bases: the phases run on the merged filesystem).
// Whiteouts delete, opaque markers empty a directory, and nothing may land outside the tree: a symlink
// inside the layer must not redirect a later member to the host.
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, readdir, realpath, rm, symlink, utimes } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { escapesRoot } from '../core/entry.js';
import { ReproError } from '../core/errors.js';
import type { LayerItem } from '../core/image.js';

const run = promisify(execFile);

async function insideRoot(root: string, path: string, where: string): Promise<string> {
  if (escapesRoot(path)) throw new ReproError(`refusing member path with "..": ${path}`, where);
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  const parent = await realpath(dirname(target));
  const rel = relative(await realpath(root), parent);
  if (rel.startsWith('..')) throw new ReproError(`member ${path} would be written outside the tree through a symlink`, where);
  return target;
}

/** Extract one layer's items; directory times are set last, since writing children changes them. */
export async function extractLayer(items: AsyncIterable<LayerItem>, root: string, where: string): Promise<number> {
  const dirTimes: { path: string; mtime: number }[] = [];
  let count = 0;
  for await (const { entry, body } of items) {
    count++;
    if (entry.path === '') {
      body.resume();
      continue;
    }
    const target = await insideRoot(root, entry.path, where);
    if (entry.type === 'whiteout') {
      await rm(target, { recursive: true, force: true });
      continue;
    }
    if (entry.type === 'opaque') {
      for (const name of await readdir(target).catch(() => [] as string[])) await rm(join(target, name), { recursive: true, force: true });
      continue;
    }
    const existing = await lstat(target).catch(() => undefined);
    if (existing && !(existing.isDirectory() && entry.type === 'dir')) await rm(target, { recursive: true, force: true });
    switch (entry.type) {
      case 'dir':
        await mkdir(target, { recursive: true });
        break;
      case 'file':
        await pipeline(body, createWriteStream(target, { mode: 0o600 }));
        break;
      case 'symlink':
        await symlink(entry.linkname ?? '', target);
        break;
      case 'hardlink': {
        const from = await insideRoot(root, entry.linkname ?? '', where);
        await link(from, target);
        break;
      }
      case 'char':
      case 'block':
      case 'fifo': {
        const t = entry.type === 'char' ? 'c' : entry.type === 'block' ? 'b' : 'p';
        const args = t === 'p' ? [target, t] : [target, t, String(entry.devmajor ?? 0), String(entry.devminor ?? 0)];
        await run('mknod', args);
        break;
      }
    }
    if (entry.type !== 'file') body.resume();
    if (entry.type === 'hardlink') continue;
    // Owners need root; without it the tree keeps the builder's own ids (the layer will show it).
    await lchown(target, entry.uid, entry.gid).catch(() => undefined);
    if (entry.type !== 'symlink') await chmod(target, entry.mode);
    if (entry.type === 'dir') dirTimes.push({ path: target, mtime: entry.mtime });
    else if (entry.type === 'symlink') await lutimes(target, entry.mtime, entry.mtime);
    else await utimes(target, entry.mtime, entry.mtime);
  }
  for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime);
  return count;
}
