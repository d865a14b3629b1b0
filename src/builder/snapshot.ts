// A snapshot of a root filesystem tree: every entry's metadata and content digest, by path, sorted.
// Two snapshots diffed (layer-diff.ts) give a phase's layer. An lstat walk, not mtime heuristics alone:
// content is hashed, and a changed mtime by itself still counts as a change (it is in the layer's tar).
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { EntryType } from '../core/entry.js';
import { readTreeXattrs, XattrToolMissing, type XattrMap } from '../core/xattrs.js';
import { fsPath, readdirNames, readlinkName } from './tree-path.js';
import { devMajor, devMinor } from '../core/dev-t.js';
import { mapLimited } from '../core/map-limited.js';

export interface SnapEntry {
  path: string;
  type: Exclude<EntryType, 'hardlink' | 'whiteout' | 'opaque'>;
  mode: number;
  uid: number;
  gid: number;
  /** Nanoseconds, exact, so sub-second changes are seen. */
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
  nlink: number;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  digest?: string;
  /** Extended attributes, as bytes; absent when the entry has none. */
  xattrs?: XattrMap;
}

/**
 * Device nodes of a base image are not made on the host (a node is a door to a host device for anything
 * that can reach the tree): the tree holds an empty placeholder file, and this table says what it stands
 * for, by host path. The placeholder is the node for as long as it is that same inode and still empty; a
 * phase that replaces or writes it made a new entry.
 */
export type DeviceTable = Map<string, { ino: bigint; type: 'char' | 'block'; devmajor: number; devminor: number }>;

export interface Snapshot {
  root: string;
  /** Entries by path ("etc/passwd"); the root itself is not part of a layer and is left out. */
  entries: Map<string, SnapEntry>;
  /** Paths skipped because a tar layer cannot hold them (sockets). */
  skipped: string[];
  /** Set when xattrs could not be read (the attr tools are missing): every entry then has none. */
  xattrsUnread?: string;
  /** Placeholders of device nodes (see DeviceTable), handed on from snapshot to snapshot. */
  devices: DeviceTable;
}

const HASH_CONCURRENCY = 8;

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(fsPath(path)), hash);
  return 'sha256:' + hash.digest('hex');
}

/**
 * Walk `root` in sorted order. When `previous` holds the same inode with the same size, mtime and ctime,
 * its digest is reused: the kernel bumps ctime on every content or metadata change, so this is safe and
 * saves rehashing a whole Debian tree after each phase.
 */
export async function takeSnapshot(root: string, previous?: Snapshot, devices: DeviceTable = previous?.devices ?? new Map()): Promise<Snapshot> {
  const entries = new Map<string, SnapEntry>();
  const skipped: string[] = [];
  const toHash: SnapEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdirNames(rel ? join(root, rel) : root)).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const st = await lstat(fsPath(abs), { bigint: true });
      const base = {
        path,
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        mtimeNs: st.mtimeNs,
        ctimeNs: st.ctimeNs,
        ino: st.ino,
        dev: st.dev,
        nlink: Number(st.nlink),
        size: 0,
      };
      let e: SnapEntry;
      const device = devices.get(abs);
      if (device && st.isFile() && st.ino === device.ino && st.size === 0n) {
        e = { ...base, type: device.type, devmajor: device.devmajor, devminor: device.devminor };
      } else if (st.isFile()) {
        const before = previous?.entries.get(path);
        const reuse =
          before?.type === 'file' && before.ino === st.ino && before.ctimeNs === st.ctimeNs &&
          before.mtimeNs === st.mtimeNs && before.size === Number(st.size);
        e = { ...base, type: 'file', size: Number(st.size) };
        if (reuse) e.digest = before.digest;
        else toHash.push(e);
      } else if (st.isDirectory()) e = { ...base, type: 'dir' };
      else if (st.isSymbolicLink()) e = { ...base, type: 'symlink', linkname: await readlinkName(abs) };
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        e = { ...base, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) };
      } else if (st.isFIFO()) e = { ...base, type: 'fifo' };
      else {
        skipped.push(path);
        continue;
      }
      entries.set(path, e);
      if (e.type === 'dir') await walk(path);
    }
  }
  await walk('');
  let xattrsUnread: string | undefined;
  try {
    for (const [path, xattrs] of await readTreeXattrs(root)) {
      const e = entries.get(path);
      if (e) e.xattrs = xattrs;
    }
  } catch (err) {
    // Without getfattr a build still works (the demo needs no xattrs), but nothing a phase sets with
    // setcap or setfattr can reach its layer: the builder warns instead of failing or staying silent.
    if (!(err instanceof XattrToolMissing)) throw err;
    xattrsUnread = err.message;
  }
  // Hashing is I/O-bound on many small files: a few at a time keeps the disk and the thread pool busy.
  await mapLimited(toHash, HASH_CONCURRENCY, async (e) => {
    e.digest = await hashFile(join(root, e.path));
  });
  return { root, entries, skipped, devices, ...(xattrsUnread ? { xattrsUnread } : {}) };
}

/** An empty snapshot: what a base layer is diffed against (with the placeholders the base made). */
export function emptySnapshot(root: string, devices: DeviceTable = new Map()): Snapshot {
  return { root, entries: new Map(), skipped: [], devices };
}

function sameXattrs(a: XattrMap = {}, b: XattrMap = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k]?.equals(a[k]!) === true);
}

/**
 * Same entry as far as a layer is concerned (inode numbers and ctime are not stored in a tar). xattrs
 * count: setting one changes only the ctime, and a capability set by a postinst must reach the layer.
 */
export function sameEntry(a: SnapEntry, b: SnapEntry): boolean {
  return (
    a.type === b.type && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtimeNs === b.mtimeNs &&
    a.size === b.size && a.linkname === b.linkname && a.devmajor === b.devmajor && a.devminor === b.devminor &&
    a.digest === b.digest && sameXattrs(a.xattrs, b.xattrs)
  );
}
