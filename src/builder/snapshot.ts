// A snapshot of a root filesystem tree: every entry's metadata and content digest, in walk order, one
// JSON line each in the private temp area (a 500,000-file tree is not held in memory). Two snapshots
// diffed (layer-diff.ts, read side by side) give a phase's layer. An lstat walk, not mtime heuristics alone:
// content is hashed, and a changed mtime by itself still counts as a change (it is in the layer's tar).
import { createReadStream } from 'node:fs';
import { lstat, open, rm, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import type { EntryType } from '../core/entry.js';
import { readTreeXattrs, XattrToolMissing, type XattrMap } from '../core/xattrs.js';
import { fsPath, readdirNames, readlinkName } from './tree-path.js';
import { devMajor, devMinor } from '../core/dev-t.js';
import { LineSplitter } from '../core/line-splitter.js';
import { tempDir } from '../core/temp.js';

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
  /**
   * The entries, one JSON line each in walk order (each directory's names sorted, a directory before what
   * it holds), in a file in the private temp area; none for an empty snapshot. The root itself is not part
   * of a layer and is left out. Read them with snapshotEntries(), drop the file with dropSnapshot().
   */
  file?: string;
  count: number;
  /** Paths skipped because a tar layer cannot hold them (sockets). */
  skipped: string[];
  /** Set when xattrs could not be read (the attr tools are missing): every entry then has none. */
  xattrsUnread?: string;
  /** Placeholders of device nodes (see DeviceTable), handed on from snapshot to snapshot. */
  devices: DeviceTable;
}

/** Files hashed at once: hashing is I/O-bound on many small files, a few at a time keep the disk busy. */
const HASH_CONCURRENCY = 8;

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(fsPath(path)), hash);
  return 'sha256:' + hash.digest('hex');
}

/**
 * The order of a walk: paths compared segment by segment (a directory's names sorted as JS strings, a
 * directory before what it holds). Names never hold NUL, so "/" as NUL compares a shorter segment first.
 */
export function walkOrder(a: string, b: string): number {
  const x = a.replaceAll('/', '\0');
  const y = b.replaceAll('/', '\0');
  return x < y ? -1 : x > y ? 1 : 0;
}

type Packed = [
  path: string, type: SnapEntry['type'], mode: number, uid: number, gid: number, mtimeNs: string, ctimeNs: string,
  ino: string, dev: string, nlink: number, size: number, linkname: string | null, devmajor: number | null,
  devminor: number | null, digest: string | null, xattrs: Record<string, string> | 0,
];

function pack(e: SnapEntry): string {
  const x = e.xattrs && Object.keys(e.xattrs).length ? Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [k, v.toString('base64')])) : 0;
  const p: Packed = [
    e.path, e.type, e.mode, e.uid, e.gid, String(e.mtimeNs), String(e.ctimeNs), String(e.ino), String(e.dev), e.nlink, e.size,
    e.linkname ?? null, e.devmajor ?? null, e.devminor ?? null, e.digest ?? null, x,
  ];
  return JSON.stringify(p);
}

function unpack(line: string): SnapEntry {
  const [path, type, mode, uid, gid, mtimeNs, ctimeNs, ino, dev, nlink, size, linkname, devmajor, devminor, digest, xattrs] = JSON.parse(line) as Packed;
  const e: SnapEntry = { path, type, mode, uid, gid, mtimeNs: BigInt(mtimeNs), ctimeNs: BigInt(ctimeNs), ino: BigInt(ino), dev: BigInt(dev), nlink, size };
  if (linkname !== null) e.linkname = linkname;
  if (devmajor !== null) e.devmajor = devmajor;
  if (devminor !== null) e.devminor = devminor;
  if (digest !== null) e.digest = digest;
  if (xattrs) e.xattrs = Object.fromEntries(Object.entries(xattrs).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  return e;
}

/** A snapshot's entries in walk order, read a block at a time. */
export async function* snapshotEntries(snapshot: Snapshot): AsyncGenerator<SnapEntry> {
  if (!snapshot.file) return;
  const split = new LineSplitter();
  for await (const chunk of createReadStream(snapshot.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (const line of split.push(chunk)) yield unpack(line);
  }
  for (const line of split.end()) yield unpack(line);
}

/** Remove a snapshot's file (the tree itself is untouched). */
export async function dropSnapshot(snapshot: Snapshot): Promise<void> {
  if (snapshot.file) await rm(dirname(snapshot.file), { recursive: true, force: true });
}

/** Reads a snapshot forward, for lookups in walk order (each path asked at or after the previous one). */
export class SnapshotCursor {
  private readonly it: AsyncGenerator<SnapEntry>;
  private head: SnapEntry | undefined;
  private started = false;
  constructor(snapshot: Snapshot | undefined) {
    this.it = snapshot ? snapshotEntries(snapshot) : (async function* () {})();
  }
  /** The entry for `path`, or undefined; entries before it are passed over. */
  async find(path: string): Promise<SnapEntry | undefined> {
    if (!this.started) {
      this.started = true;
      this.head = (await this.it.next()).value ?? undefined;
    }
    while (this.head && walkOrder(this.head.path, path) < 0) this.head = (await this.it.next()).value ?? undefined;
    return this.head?.path === path ? this.head : undefined;
  }
  async close(): Promise<void> {
    await this.it.return(undefined);
  }
}

/** Lines appended to a snapshot file, a block at a time, with the file's hashes awaited in walk order. */
class SnapshotWriter {
  private readonly queue: { e: SnapEntry; hashing?: Promise<void> }[] = [];
  private hashing = 0;
  private chunk: string[] = [];
  private size = 0;
  count = 0;
  private constructor(private readonly fh: FileHandle) {}
  static async open(path: string): Promise<SnapshotWriter> {
    return new SnapshotWriter(await open(path, 'w'));
  }
  async push(e: SnapEntry, hash?: () => Promise<string>): Promise<void> {
    if (hash) {
      while (this.hashing >= HASH_CONCURRENCY) await this.flushHead();
      this.hashing++;
      const hashing = hash().then((d) => void (e.digest = d)).finally(() => this.hashing--);
      hashing.catch(() => undefined); // awaited in order by flushHead; a failure is thrown there
      this.queue.push({ e, hashing });
    } else this.queue.push({ e });
    // entries wait only for the hashes before them: at most a window of them is held
    while (this.queue.length > 256 || (this.queue[0] && !this.queue[0].hashing)) await this.flushHead();
  }
  private async flushHead(): Promise<void> {
    const head = this.queue.shift();
    if (!head) return;
    await head.hashing;
    const line = pack(head.e);
    this.chunk.push(line);
    this.count++;
    this.size += line.length + 1;
    if (this.size >= 1 << 20) await this.write();
  }
  private async write(): Promise<void> {
    if (this.chunk.length) await this.fh.write(this.chunk.join('\n') + '\n');
    this.chunk = [];
    this.size = 0;
  }
  async close(): Promise<void> {
    while (this.queue.length) await this.flushHead();
    await this.write();
    await this.fh.close();
  }
  async abort(): Promise<void> {
    await Promise.allSettled(this.queue.map((q) => q.hashing));
    await this.fh.close();
  }
}

/**
 * Walk `root` in sorted order, writing each entry to the snapshot's file as it comes (memory holds a
 * window of entries waiting for their hashes, not the tree). When `previous` holds the same inode with the
 * same size, mtime and ctime, its digest is reused: the kernel bumps ctime on every content or metadata
 * change, so this is safe and saves rehashing a whole Debian tree after each phase. `previous` is read
 * alongside, in the same walk order.
 */
export async function takeSnapshot(root: string, previous?: Snapshot, devices: DeviceTable = previous?.devices ?? new Map()): Promise<Snapshot> {
  const skipped: string[] = [];
  // xattrs first (only entries that have some are listed), so each entry is written whole
  let xattrs = new Map<string, XattrMap>();
  let xattrsUnread: string | undefined;
  try {
    xattrs = await readTreeXattrs(root);
  } catch (err) {
    // Without getfattr a build still works (the demo needs no xattrs), but nothing a phase sets with
    // setcap or setfattr can reach its layer: the builder warns instead of failing or staying silent.
    if (!(err instanceof XattrToolMissing)) throw err;
    xattrsUnread = err.message;
  }
  const file = join(await tempDir('snapshot-'), 'entries');
  const out = await SnapshotWriter.open(file);
  const before = new SnapshotCursor(previous);
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
        ...(xattrs.has(path) ? { xattrs: xattrs.get(path) } : {}),
      };
      let e: SnapEntry;
      let hash: (() => Promise<string>) | undefined;
      const device = devices.get(abs);
      if (device && st.isFile() && st.ino === device.ino && st.size === 0n) {
        e = { ...base, type: device.type, devmajor: device.devmajor, devminor: device.devminor };
      } else if (st.isFile()) {
        const was = await before.find(path);
        const reuse =
          was?.type === 'file' && was.ino === st.ino && was.ctimeNs === st.ctimeNs &&
          was.mtimeNs === st.mtimeNs && was.size === Number(st.size);
        e = { ...base, type: 'file', size: Number(st.size) };
        if (reuse) e.digest = was.digest;
        else hash = () => hashFile(abs);
      } else if (st.isDirectory()) e = { ...base, type: 'dir' };
      else if (st.isSymbolicLink()) e = { ...base, type: 'symlink', linkname: await readlinkName(abs) };
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        e = { ...base, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) };
      } else if (st.isFIFO()) e = { ...base, type: 'fifo' };
      else {
        skipped.push(path);
        continue;
      }
      await out.push(e, hash);
      if (e.type === 'dir') await walk(path);
    }
  }
  try {
    await walk('');
    await out.close();
  } catch (err) {
    await out.abort();
    throw err;
  } finally {
    await before.close();
  }
  return { root, file, count: out.count, skipped, devices, ...(xattrsUnread ? { xattrsUnread } : {}) };
}

/** An empty snapshot: what a base layer is diffed against (with the placeholders the base made). */
export function emptySnapshot(root: string, devices: DeviceTable = new Map()): Snapshot {
  return { root, count: 0, skipped: [], devices };
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
