// A directory as a layer: lstat walk in byte order (links are never followed), hardlinks found by inode
// (the lexically first path is the file, as the canonical writer stores it), content opened lazily. Names
// are read as bytes (a Latin-1 name is not UTF-8: see name-bytes.ts) and xattrs with getfattr (attr), so a
// directory input loses no more than a tar layer does.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Entry, EntryType } from '../core/entry.js';
import type { LayerItem } from '../core/image.js';
import { nameFromBytes } from '../core/name-bytes.js';
import { readTreeXattrs, type XattrMap } from '../core/xattrs.js';
import { formatError } from '../core/errors.js';
import { devMajor, devMinor } from '../core/dev-t.js';

function typeOf(st: Awaited<ReturnType<typeof lstat>>): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined;
}

function lazyFile(full: Buffer): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(full)) yield chunk as Buffer;
  }
  return Readable.from(gen(), { objectMode: false });
}

const EMPTY = (): Readable => Readable.from([]);

/** Every xattr under `root`; none (with a warning) when getfattr is missing or fails. */
async function treeXattrs(root: string, warnings: string[]): Promise<Map<string, XattrMap>> {
  try {
    return await readTreeXattrs(root);
  } catch (err) {
    warnings.push(`${root}: xattrs not read (${formatError(err)})`);
    return new Map();
  }
}

export async function* walkDirectory(root: string, warnings: string[]): AsyncGenerator<LayerItem> {
  const seen = new Map<string, string>(); // dev:ino → first path
  const xattrs = await treeXattrs(root, warnings);
  const rootBytes = Buffer.from(root);
  const slash = Buffer.from('/');
  async function* walk(rel: Buffer): AsyncGenerator<LayerItem> {
    const dir = rel.length ? Buffer.concat([rootBytes, slash, rel]) : rootBytes;
    const names = (await readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      const relBytes = rel.length ? Buffer.concat([rel, slash, name]) : name;
      const path = nameFromBytes(relBytes);
      const full = Buffer.concat([rootBytes, slash, relBytes]);
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
        xattrs: xattrs.get(path) ?? {},
        pax: {},
      };
      if (type === 'symlink') entry.linkname = nameFromBytes(await readlink(full, { encoding: 'buffer' }));
      if (type === 'char' || type === 'block') {
        entry.devmajor = devMajor(st.rdev);
        entry.devminor = devMinor(st.rdev);
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
      if (type === 'dir') yield* walk(relBytes);
    }
  }
  yield* walk(Buffer.alloc(0));
}
