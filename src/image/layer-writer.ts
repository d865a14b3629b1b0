// The ONE deterministic layer writer: build and normalize both go through here, so "canonical" means one
// thing in the whole codebase. Same items in any order → the same bytes, hence the same digest.
//
// Canonical form (the reproducible-builds recipe `tar --sort=name --numeric-owner --format=pax
// --pax-option=delete=atime,delete=ctime | gzip -n`, applied by construction):
// - members sorted by path in byte order (a parent sorts before its children), "./"-less names, dirs end "/";
// - numeric owner only (uname/gname empty), integer-second mtimes; PAX records: mtime/uid/gid for values the
//   ustar fields cannot hold, then every record the entry carries but atime/ctime (sorted), then SCHILY.xattr.*
//   (sorted), all as bytes (tar-header.ts, pax.ts); hdrcharset=BINARY when a name is not UTF-8;
// - of a hardlink group, the lexically first path is the file and every other path links to it, with the
//   file's metadata (they share one inode, so anything else would be walk-order noise);
// - whiteouts as empty `.wh.<name>` files, opaque dirs as `<dir>/.wh..wh..opq` (OCI image-spec layer.md);
// - the root entry ("") is not written: it has no "./"-less name and the runtime owns the rootfs root.
// Items wait in a LayerItems store (layer-items.ts: packed records in sorted runs), so memory does not grow
// with the layer's entry count.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createGzip } from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-stream';
import type { Entry } from '../core/entry.js';
import { nameBytes, nameFromBytes } from '../core/name-bytes.js';
import { encodeHeader, type RawHeader } from './tar-header.js';
import { LayerItems, memberName, openContent, type LayerSource } from './layer-items.js';
import { SPARSE_NAME, XATTR_PAX } from './tar-entry.js';
import type { Compression } from '../core/image.js';
import { HashingStream } from '../core/digest.js';
import { ReproError } from '../core/errors.js';
import { onCleanup } from '../core/cleanup.js';

export { memberName, type LayerSource } from './layer-items.js';

export interface WrittenLayer {
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
  compression: Compression;
  path: string;
  /** Bytes of the uncompressed tar (docker archives store layers uncompressed and need it up front). */
  tarSize?: number;
}

/** zlib's default level: a fixed choice matters more than the ratio; 9 costs ~3x the time for ~2% size. */
export const GZIP_LEVEL = 6;
/**
 * zstd's default level, single-threaded (-T1: multi-threaded framing may differ), checksum kept (--check: the
 * 4 bytes let any reader detect corruption), no content size (stdin has none anyway; explicit so a zstd
 * upgrade cannot change it). ZSTD_CLEVEL / ZSTD_NBTHREADS are removed from the environment.
 */
export const ZSTD_ARGS = ['-3', '-T1', '--check', '--no-content-size', '-q', '-c', '-'];

const MEDIA_TYPES: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export function layerMediaType(compression: Compression): string {
  return MEDIA_TYPES[compression];
}

/** Byte order of the names as stored (name-bytes.ts), not locale order: the same on every machine, and two
 * Latin-1 names never tie (Buffer.from would make both bytes EF BF BD). */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(nameBytes(a), nameBytes(b));
}

type TarType = RawHeader['type'];

const TAR_TYPES: Record<Entry['type'], TarType> = {
  file: 'file', dir: 'directory', symlink: 'symlink', hardlink: 'link', char: 'character-device',
  block: 'block-device', fifo: 'fifo', whiteout: 'file', opaque: 'file',
};

/** Timestamps the canonical form drops (the reproducible-builds recipe deletes atime and ctime). */
const DROPPED_PAX = new Set(['atime', 'ctime']);

/** The name encoding PAX records use unless told otherwise is UTF-8; POSIX's hdrcharset=BINARY says the
 * names are raw bytes (GNU tar and Python's tarfile honour it). */
function validUtf8(b: Buffer): boolean {
  return nameFromBytes(b) === b.toString('utf8');
}

export function tarHeader(entry: Entry): RawHeader {
  const isWhiteout = entry.type === 'whiteout' || entry.type === 'opaque';
  const type = TAR_TYPES[entry.type];
  const name = nameBytes(memberName(entry) + (entry.type === 'dir' ? '/' : ''));
  // The ustar mtime field holds 0..2^33-1, but tar-stream wrote it through a signed 32-bit integer, and ids
  // over 0o777777 (262143, e.g. high subuid ranges) do not fit: such values go in PAX records, as GNU tar
  // does, with the ustar fields clamped into range.
  const seconds = Math.floor(entry.mtime);
  const ustarSeconds = Math.min(Math.max(seconds, 0), 0x7fffffff);
  const MAX_ID = 0o777777;
  const header: RawHeader = {
    name,
    type,
    mode: entry.mode & 0o7777,
    uid: Math.min(entry.uid, MAX_ID),
    gid: Math.min(entry.gid, MAX_ID),
    mtime: ustarSeconds,
    size: type === 'file' && !isWhiteout ? entry.size : 0,
    pax: [],
  };
  if (entry.linkname !== undefined && (type === 'symlink' || type === 'link')) header.linkname = nameBytes(entry.linkname);
  if (type === 'character-device' || type === 'block-device') {
    header.devmajor = entry.devmajor ?? 0;
    header.devminor = entry.devminor ?? 0;
  }
  const text = (v: number): Buffer => Buffer.from(String(v), 'latin1');
  if (!validUtf8(name) || (header.linkname !== undefined && !validUtf8(header.linkname))) {
    header.pax.push(['hdrcharset', Buffer.from('BINARY')]);
  }
  if (ustarSeconds !== seconds) header.pax.push(['mtime', text(seconds)]);
  if (entry.uid > MAX_ID) header.pax.push(['uid', text(entry.uid)]);
  if (entry.gid > MAX_ID) header.pax.push(['gid', text(entry.gid)]);
  for (const k of Object.keys(entry.pax).sort(comparePaths)) {
    if (DROPPED_PAX.has(k)) continue;
    // a sparse member's real name is this record's, so it follows the entry's path (rules may move it)
    header.pax.push([k, k === SPARSE_NAME ? nameBytes(entry.path) : (entry.pax[k] ?? Buffer.alloc(0))]);
  }
  for (const k of Object.keys(entry.xattrs).sort(comparePaths)) {
    header.pax.push([XATTR_PAX + k, entry.xattrs[k] ?? Buffer.alloc(0)]);
  }
  return header;
}

/**
 * zlib writes OS_CODE into gzip header byte 9, which is 3 on Unix but differs on other platforms; pin it
 * so the layer digest does not depend on where repro runs (RFC 1952 §2.3.1: OS 3 = Unix).
 */
class PinGzipOs extends Transform {
  private seen = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.seen <= 9 && this.seen + chunk.length > 9) {
      chunk = Buffer.from(chunk);
      chunk[9 - this.seen] = 3;
    }
    this.seen += chunk.length;
    cb(null, chunk);
  }
}

function zstdEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.ZSTD_CLEVEL;
  delete env.ZSTD_NBTHREADS;
  return env;
}

/** tar-stream's packer frames members (bodies, padding, end of archive) but encodes names and PAX records
 * as UTF-8 strings: this instance's header encoder is replaced by ours (tar-header.ts), which writes bytes.
 * The dependency is pinned to an exact version; test/image/lossless-roundtrip.test.ts fails if the hook stops applying. */
function bytePack(): tar.Pack {
  const pack = tar.pack();
  const inner = pack as unknown as { _encode(h: { raw: RawHeader }): void; push(b: Buffer): boolean };
  inner._encode = (h) => void inner.push(encodeHeader(h.raw));
  return pack;
}

async function packInto(items: Iterable<LayerSource>, pack: tar.Pack): Promise<void> {
  for (const item of items) {
    const raw = tarHeader(item.entry);
    // what tar-stream itself reads: the type, the size to expect, and a symlink's target being known
    const header = { name: 'member', type: raw.type, size: raw.size, linkname: raw.linkname ? 'target' : undefined, raw } as Partial<tar.Header> & { name: string; raw: RawHeader };
    if (header.type !== 'file' || header.size === 0) {
      // a file sink waits for its end even when empty; an explicit empty body ends it
      if (header.type === 'file') pack.entry(header, Buffer.alloc(0));
      else pack.entry(header);
      continue;
    }
    if (!item.content) throw new ReproError(`no content given for a ${header.size}-byte file`, item.entry.path);
    const body = await openContent(item.content);
    const sink = pack.entry(header);
    // tar-stream reports a short or long body as "Size mismatch" — name the member instead.
    try {
      await pipeline(body, sink as unknown as Writable);
    } catch (err) {
      throw new ReproError(`content does not match the entry size ${header.size}: ${(err as Error).message}`,
        item.entry.path, { cause: err });
    }
  }
  pack.finalize();
}

/** Write a layer of `items` (an array, or a LayerItems store: bounded memory) in the canonical form. */
export async function writeLayer(
  items: LayerSource[] | LayerItems,
  opts: { compression: Compression; dir: string },
): Promise<WrittenLayer> {
  if (Array.isArray(items)) {
    const store = new LayerItems();
    try {
      for (const item of items) store.add(item);
      return await writeLayer(store, opts);
    } finally {
      store.close();
    }
  }
  const sorted = items.canonical();
  const tmp = join(opts.dir, `.layer-${randomBytes(6).toString('hex')}.tmp`);
  const forget = onCleanup(() => rm(tmp, { force: true }));
  const pack = bytePack();
  const raw = new HashingStream();
  const stored = new HashingStream();
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [pack as unknown as Readable, raw];
  let zstd: ReturnType<typeof execa> | undefined;
  if (opts.compression === 'gzip') {
    stages.push(createGzip({ level: GZIP_LEVEL, strategy: zc.Z_DEFAULT_STRATEGY }), new PinGzipOs());
  } else if (opts.compression === 'zstd') {
    zstd = execa('zstd', ZSTD_ARGS, { env: zstdEnv(), extendEnv: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false } });
    stages.push(zstd.stdin as NodeJS.WritableStream);
  }
  try {
    const out = createWriteStream(tmp);
    // write errors (ENOSPC in the temp area) carry no path: name the blob being written
    out.on('error', (err: NodeJS.ErrnoException) => void (err.path ??= tmp));
    const tail = zstd
      ? pipeline(zstd.stdout as Readable, stored, out)
      : Promise.resolve();
    const head = zstd
      ? pipeline(stages as unknown as [Readable, Writable])
      : pipeline([...stages, stored, out] as unknown as [Readable, Writable]);
    const results = await Promise.allSettled([packInto(sorted, pack).catch((err: unknown) => {
      pack.destroy(err as Error);
      throw err;
    }), head, tail, zstd ?? Promise.resolve()]);
    // the packing error names the member; the stream errors it causes downstream only echo it
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const digest = stored.digest();
    const path = join(opts.dir, digest.slice('sha256:'.length));
    await rename(tmp, path);
    return {
      digest,
      diffId: raw.digest(),
      size: stored.bytes,
      mediaType: layerMediaType(opts.compression),
      compression: opts.compression,
      path,
      tarSize: raw.bytes,
    };
  } catch (err) {
    zstd?.kill();
    await rm(tmp, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && zstd) {
      throw new ReproError('zstd compression needs the `zstd` binary on PATH', 'zstd', { cause: err });
    }
    throw err;
  } finally {
    forget();
  }
}
