// Builders for content-comparator fixtures: every archive and compressed file the tests need is made here,
// in code, with the one field under test set explicitly (gzip mtime, zip DOS time, ar mtime, PNG tIME...).
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { pack } from 'tar-stream';
import { blobFromBuffer, type ContentBlob } from '../../src/compare/blob.js';
import { newContentContext, type ContentContext, type ContentLimits } from '../../src/compare/content.js';
import type { Variation } from '../../src/core/variation.js';

export function ctxWith(limits: Partial<ContentLimits> = {}, variations: Variation[] = []): ContentContext {
  return newContentContext({ limits, variations });
}

/**
 * A comparison of two builds made on 27 Nov 2026 18:14 and 28 Nov 2026 ~05:00 (UTC): the dates the content
 * tests plant are build times by these clocks. Without a clock, a single date proves nothing.
 */
export function ctxBuiltAround(): ContentContext {
  return newContentContext({ clocks: [{ a: Date.UTC(2026, 10, 27, 18, 14, 19) / 1000, b: Date.UTC(2026, 10, 28, 5) / 1000, slack: 12 * 3600, source: 'build clocks' }] });
}

export function blobs(a: Buffer | string, b: Buffer | string, name = 'f'): [ContentBlob, ContentBlob] {
  return [blobFromBuffer(name, Buffer.from(a)), blobFromBuffer(name, Buffer.from(b))];
}

export interface GzipOptions {
  mtime?: number;
  name?: string;
  os?: number;
  level?: number;
}

/** A gzip member written field by field (RFC 1952) so each header field can be set. */
export function gzip(data: Buffer | string, o: GzipOptions = {}): Buffer {
  const payload = Buffer.from(data);
  const head = Buffer.alloc(10);
  head[0] = 0x1f;
  head[1] = 0x8b;
  head[2] = 8;
  head[3] = o.name !== undefined ? 0x08 : 0;
  head.writeUInt32LE(o.mtime ?? 0, 4);
  head[9] = o.os ?? 3;
  const name = o.name !== undefined ? Buffer.from(o.name + '\0', 'latin1') : Buffer.alloc(0);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(payload), 0);
  tail.writeUInt32LE(payload.length >>> 0, 4);
  return Buffer.concat([head, name, deflateRawSync(payload, { level: o.level ?? 6 }), tail]);
}

export interface TarMember {
  name: string;
  data?: Buffer | string;
  mtime?: number;
  mode?: number;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
}

export async function tarOf(members: TarMember[]): Promise<Buffer> {
  const p = pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    p.entry(
      {
        name: m.name,
        mtime: new Date((m.mtime ?? 1700000000) * 1000),
        mode: m.mode ?? 0o644,
        type: m.type ?? 'file',
        ...(m.linkname ? { linkname: m.linkname } : {}),
      },
      !m.type || m.type === 'file' ? data : Buffer.alloc(0),
    );
  }
  p.finalize();
  return collected;
}

export interface ZipMemberSpec {
  name: string;
  data: Buffer | string;
  /** DOS date/time as a JS date (local fields used as stored, 2 s resolution). */
  time?: Date;
  /** Extended-timestamp extra field (0x5455) mtime, when set. */
  utime?: number;
  deflate?: boolean;
}

function dos(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** A minimal zip (APPNOTE §4.3): local headers, payloads, central directory, end record. */
export function zipOf(members: ZipMemberSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const data = Buffer.from(m.data);
    const body = m.deflate ? deflateRawSync(data) : data;
    const name = Buffer.from(m.name, 'utf8');
    const { time, date } = dos(m.time ?? new Date(Date.UTC(2020, 0, 1)));
    let extra = Buffer.alloc(0);
    if (m.utime !== undefined) {
      extra = Buffer.alloc(9);
      extra.writeUInt16LE(0x5455, 0);
      extra.writeUInt16LE(5, 2);
      extra[4] = 1;
      extra.writeUInt32LE(m.utime, 5);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, extra, body);
    centrals.push(central, name, extra);
    offset += 30 + name.length + extra.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** An ar archive (GNU style names "name/"), as dpkg-deb writes .deb files. */
export function arOf(members: { name: string; data: Buffer | string; mtime?: number }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const m of members) {
    const data = Buffer.from(m.data);
    const field = (v: string, n: number): string => v.padEnd(n).slice(0, n);
    const header = field(m.name + '/', 16) + field(String(m.mtime ?? 1700000000), 12) + field('0', 6) + field('0', 6) +
      field('100644', 8) + field(String(data.length), 10) + '`\n';
    parts.push(Buffer.from(header, 'latin1'), data);
    if (data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A 2×2 grey PNG with an optional tIME chunk; `level` changes only the IDAT compression. */
export function pngOf(o: { time?: Date; pixels?: number[]; level?: number } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const px = o.pixels ?? [10, 20, 30, 40];
  const raw = Buffer.from([0, px[0] ?? 0, px[1] ?? 0, 0, px[2] ?? 0, px[3] ?? 0]);
  const chunks = [pngChunk('IHDR', ihdr)];
  if (o.time) {
    const t = Buffer.alloc(7);
    t.writeUInt16BE(o.time.getUTCFullYear(), 0);
    t[2] = o.time.getUTCMonth() + 1;
    t[3] = o.time.getUTCDate();
    t[4] = o.time.getUTCHours();
    t[5] = o.time.getUTCMinutes();
    t[6] = o.time.getUTCSeconds();
    chunks.push(pngChunk('tIME', t));
  }
  chunks.push(pngChunk('IDAT', deflateSync(raw, { level: o.level ?? 6 })), pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

/** Run a compressor binary (zstd, xz) over `data` (tests skip themselves when the tool is missing). */
export function compressWith(tool: string, args: string[], data: Buffer | string): Buffer {
  const r = spawnSync(tool, args, { input: Buffer.from(data), maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${String(r.stderr)}`);
  return r.stdout;
}
