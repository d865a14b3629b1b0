// A directory as a layer: sorted lstat walk (links are never followed), hardlinks found by inode
// (the lexically first path is the file, as the canonical writer stores it), content opened lazily.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Entry, EntryType } from '../core/entry.js';
import type { LayerItem } from '../core/image.js';

function typeOf(st: Awaited<ReturnType<typeof lstat>>): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined;
}

function lazyFile(full: string): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(full)) yield chunk as Buffer;
  }
  return Readable.from(gen(), { objectMode: false });
}

const EMPTY = (): Readable => Readable.from([]);

export async function* walkDirectory(root: string, warnings: string[]): AsyncGenerator<LayerItem> {
  const seen = new Map<string, string>(); // dev:ino → first path
  async function* walk(rel: string): AsyncGenerator<LayerItem> {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(root, path);
      const st = await lstat(full);
      const type = typeOf(st);
      if (!type) {
        warnings.push(`${path}: socket skipped`);
        continue;
      }
      const entry: Entry = {
        path,
        name: path,
        type,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        uname: '',
        gname: '',
        mtime: Math.floor(st.mtimeMs / 1000),
        size: type === 'file' ? st.size : 0,
        xattrs: {},
        pax: {},
      };
      if (type === 'symlink') entry.linkname = await readlink(full);
      if (type === 'char' || type === 'block') {
        entry.devmajor = Math.floor(st.rdev / 256);
        entry.devminor = st.rdev % 256;
      }
      if (type === 'file' && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = seen.get(key);
        if (first !== undefined) {
          entry.type = 'hardlink';
          entry.linkname = first;
          entry.size = 0;
          yield { entry, body: EMPTY() };
          continue;
        }
        seen.set(key, path);
      }
      const body = type === 'file' ? lazyFile(full) : EMPTY();
      yield { entry, body };
      if (!body.readableEnded) body.destroy();
      if (type === 'dir') yield* walk(path);
    }
  }
  yield* walk('');
}
