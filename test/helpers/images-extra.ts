// Byte-level builders for the reader's tests: raw tar headers (any typeflag, mode with type bits, GNU and
// PAX long names, no end-of-archive), zstd frames made by hand (raw and RLE blocks, so bombs cost nothing
// to build), gzip bombs, and OCI layouts with arbitrary indexes (nested, multi-platform, broken on purpose).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { layerTar, type TestMember } from './images.js';

export function digestOf(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export interface RawMember {
  /** A Buffer is stored as is (Latin-1 names). */
  name: string | Buffer;
  /** tar typeflag: '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo, 'x', 'L'... */
  flag?: string;
  /** Stored as is (may carry S_IFREG etc.). */
  mode?: number;
  body?: Buffer | string;
  linkname?: string;
  mtime?: number;
  /** 'ustar' (POSIX), 'gnu' ("ustar  "), 'v7' (no magic). */
  format?: 'ustar' | 'gnu' | 'v7';
  prefix?: string;
  devmajor?: number;
  devminor?: number;
  /** Size field override (a lie), for truncation tests. */
  size?: number;
}

function oct(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function rawHeader(m: RawMember): Buffer {
  const h = Buffer.alloc(512);
  const body = Buffer.from(m.body ?? '');
  if (typeof m.name === 'string') h.write(m.name, 0, 100, 'utf8');
  else m.name.copy(h, 0, 0, 100);
  h.write(oct(m.mode ?? 0o644, 8), 100, 'latin1');
  h.write(oct(0, 8), 108, 'latin1');
  h.write(oct(0, 8), 116, 'latin1');
  h.write(oct(m.size ?? body.length, 12), 124, 'latin1');
  h.write(oct(m.mtime ?? 1_700_000_000, 12), 136, 'latin1');
  h.write(m.flag ?? '0', 156, 'latin1');
  if (m.linkname) h.write(m.linkname, 157, 100, 'utf8');
  const format = m.format ?? 'ustar';
  if (format === 'ustar') h.write('ustar\u000000', 257, 'latin1');
  if (format === 'gnu') h.write('ustar  \u0000', 257, 'latin1');
  if (format !== 'v7') {
    h.write(oct(m.devmajor ?? 0, 8), 329, 'latin1');
    h.write(oct(m.devminor ?? 0, 8), 337, 'latin1');
  }
  if (m.prefix) h.write(m.prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function padded(body: Buffer): Buffer {
  const pad = (512 - (body.length % 512)) % 512;
  return Buffer.concat([body, Buffer.alloc(pad)]);
}

/** PAX extended header records ("<len> key=value\n"), the length counting itself. */
export function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(records)
      .map(([k, v]) => {
        const rest = ` ${k}=${v}\n`;
        let len = Buffer.byteLength(rest) + 1;
        while (String(len).length + Buffer.byteLength(rest) !== len) len++;
        return `${len}${rest}`;
      })
      .join(''),
  );
}

/** PAX records from bytes: values (and so binary xattrs) stored exactly as given. */
export function paxBytes(records: [string, Buffer][]): Buffer {
  return Buffer.concat(records.map(([k, v]) => {
    const rest = Buffer.concat([Buffer.from(` ${k}=`), v, Buffer.from('\n')]);
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len++;
    return Buffer.concat([Buffer.from(String(len)), rest]);
  }));
}

/** A tar built member by member; `eoa: false` leaves out the two zero blocks (umoci 0.4 style). */
export function rawTar(members: RawMember[], opts: { eoa?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    parts.push(rawHeader(m), padded(Buffer.from(m.body ?? '')));
  }
  if (opts.eoa ?? true) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A GNU long-name member ('L' header carrying the name) followed by the member itself. */
export function gnuLong(name: string, rest: Omit<RawMember, 'name'> = {}): RawMember[] {
  return [
    { name: '././@LongLink', flag: 'L', body: name + '\0', format: 'gnu' },
    { ...rest, name: name.slice(0, 99), format: 'gnu' },
  ];
}

/** A PAX 'x' header naming the member, then the member with a truncated ustar name. */
export function paxLong(name: string, rest: Omit<RawMember, 'name'> = {}, extra: Record<string, string> = {}): RawMember[] {
  return [
    { name: 'PaxHeader/x', flag: 'x', body: paxRecords({ path: name, ...extra }) },
    { ...rest, name: name.slice(0, 99) },
  ];
}

// ---- zstd frames by hand (RFC 8878): no encoder needed in Node 20 ----

function blockHeader(last: boolean, type: 0 | 1 | 2, size: number): Buffer {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
}

/** Frame header with a window descriptor (not single-segment), no checksum. windowLog 10..31. */
function frameHeader(windowLog = 17): Buffer {
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3]);
}

/** A valid zstd frame holding `data` in raw (stored) blocks of at most 128 KiB. */
export function zstdRaw(data: Buffer): Buffer {
  const parts = [frameHeader()];
  const BLOCK = 128 * 1024;
  if (data.length === 0) parts.push(blockHeader(true, 0, 0));
  for (let i = 0; i < data.length; i += BLOCK) {
    const chunk = data.subarray(i, i + BLOCK);
    parts.push(blockHeader(i + BLOCK >= data.length, 0, chunk.length), chunk);
  }
  return Buffer.concat(parts);
}

/** `prefix` in raw blocks followed by `zeros` zero bytes as RLE blocks: 4 input bytes per 128 KiB out. */
export function zstdBomb(prefix: Buffer, zeros: number, windowLog = 17): Buffer {
  const BLOCK = 128 * 1024;
  const parts = [frameHeader(windowLog)];
  for (let i = 0; i < prefix.length; i += BLOCK) {
    const chunk = prefix.subarray(i, i + BLOCK);
    parts.push(blockHeader(false, 0, chunk.length), chunk);
  }
  for (let left = zeros; left > 0; left -= BLOCK) {
    const n = Math.min(BLOCK, left);
    parts.push(blockHeader(left <= BLOCK, 1, n), Buffer.from([0]));
  }
  if (zeros <= 0) parts.push(blockHeader(true, 0, 0));
  return Buffer.concat(parts);
}

/** A gzip stream expanding to `prefix` + `zeros` zero bytes, built from repeated 1 MiB-of-zeros members
 * (zlib reads concatenated members as one stream): ~1 KiB per MiB, so 2 GiB costs ~2 MiB. */
export function gzipBomb(prefix: Buffer, zeros: number): Buffer {
  const MIB = 1 << 20;
  const one = gzipSync(Buffer.alloc(MIB), { level: 9 });
  const parts = [gzipSync(prefix)];
  let left = zeros;
  for (; left >= MIB; left -= MIB) parts.push(one);
  if (left > 0) parts.push(gzipSync(Buffer.alloc(left)));
  return Buffer.concat(parts);
}

// ---- OCI layouts with arbitrary documents ----

export interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** Blobs and documents of an OCI layout, written as a directory or an oci-archive. */
export class Layout {
  readonly files = new Map<string, Buffer>();
  constructor() {
    this.files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  }
  blob(data: Buffer | string, mediaType: string, extra: Partial<Desc> = {}): Desc {
    const bytes = Buffer.from(data);
    const digest = digestOf(bytes);
    this.files.set(`blobs/sha256/${digest.slice(7)}`, bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }
  json(doc: unknown, mediaType: string, extra: Partial<Desc> = {}): Desc {
    return this.blob(JSON.stringify(doc), mediaType, extra);
  }
  /** An image: layers given as {tar, blob}; returns the manifest descriptor and what the config says. */
  image(layers: { tar: Buffer; blob: Buffer; mediaType: string }[], config: Record<string, unknown> = {}, extra: Partial<Desc> = {}): Desc {
    const cfg = this.json(
      { created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l.tar)) } },
      MT.config,
    );
    const descs = layers.map((l) => this.blob(l.blob, l.mediaType));
    return this.json({ schemaVersion: 2, mediaType: MT.manifest, config: cfg, layers: descs }, MT.manifest, extra);
  }
  index(manifests: unknown[], name = 'index.json'): Desc | undefined {
    const doc = { schemaVersion: 2, mediaType: MT.index, manifests };
    if (name === 'index.json') {
      this.files.set('index.json', Buffer.from(JSON.stringify(doc)));
      return undefined;
    }
    return this.json(doc, MT.index);
  }
  async writeDir(dir: string): Promise<void> {
    for (const [name, data] of this.files) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), data);
    }
  }
  async writeArchive(file: string, extra: TestMember[] = []): Promise<void> {
    const members: TestMember[] = [...this.files].map(([path, content]) => ({ path, content, mtime: 0 }));
    await writeFile(file, await layerTar([...members, ...extra]));
  }
}

/** A layer from members: uncompressed tar plus its blob in the chosen compression. */
export async function layerOf(members: TestMember[], compression: 'none' | 'gzip' | 'zstd' = 'gzip'): Promise<{ tar: Buffer; blob: Buffer; mediaType: string }> {
  const tar = await layerTar(members);
  if (compression === 'gzip') return { tar, blob: gzipSync(tar), mediaType: MT.layerGzip };
  if (compression === 'zstd') return { tar, blob: zstdRaw(tar), mediaType: MT.layerZstd };
  return { tar, blob: tar, mediaType: MT.layer };
}
