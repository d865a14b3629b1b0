// A small zip reader (APPNOTE.TXT §4.3): the central directory is the truth for names and order, each
// local header is read for its own time/extra fields, payloads are inflated under the run's limits.
// Zip64 and multi-disk archives are refused (the comparator then falls back to bytes, saying why).
import { inflateRawSync } from 'node:zlib';
import type { ContentContext } from '../content.js';

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  /** DOS date/time as stored (2-second resolution, local time). */
  dosTime: number;
  dosDate: number;
  crc: number;
  compressed: Buffer;
  size: number;
  madeBy: number;
  externalAttr: number;
  centralExtra: Buffer;
  localExtra: Buffer;
  comment: string;
}

export interface ZipArchive {
  members: ZipMember[];
  comment: string;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function findEocd(buf: Buffer): number {
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 0xffff); at--) {
    if (buf.readUInt32LE(at) === EOCD) return at;
  }
  throw new Error('no end of central directory record');
}

export function readZip(buf: Buffer): ZipArchive {
  const eocd = findEocd(buf);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new Error('zip64 archives are not parsed');
  const comment = buf.subarray(eocd + 22, eocd + 22 + buf.readUInt16LE(eocd + 20)).toString('latin1');
  const members: ZipMember[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== CENTRAL) throw new Error(`bad central directory entry ${i}`);
    const nlen = buf.readUInt16LE(at + 28);
    const elen = buf.readUInt16LE(at + 30);
    const clen = buf.readUInt16LE(at + 32);
    const csize = buf.readUInt32LE(at + 20);
    const local = buf.readUInt32LE(at + 42);
    if (buf.readUInt32LE(local) !== LOCAL) throw new Error(`bad local header for entry ${i}`);
    const lnlen = buf.readUInt16LE(local + 26);
    const lelen = buf.readUInt16LE(local + 28);
    const dataAt = local + 30 + lnlen + lelen;
    if (dataAt + csize > buf.length) throw new Error(`entry ${i} runs past the end of the archive`);
    members.push({
      name: buf.subarray(at + 46, at + 46 + nlen).toString('utf8'),
      madeBy: buf.readUInt16LE(at + 4),
      flags: buf.readUInt16LE(at + 8),
      method: buf.readUInt16LE(at + 10),
      dosTime: buf.readUInt16LE(at + 12),
      dosDate: buf.readUInt16LE(at + 14),
      crc: buf.readUInt32LE(at + 16),
      size: buf.readUInt32LE(at + 24),
      externalAttr: buf.readUInt32LE(at + 38),
      centralExtra: buf.subarray(at + 46 + nlen, at + 46 + nlen + elen),
      localExtra: buf.subarray(local + 30 + lnlen, dataAt),
      comment: buf.subarray(at + 46 + nlen + elen, at + 46 + nlen + elen + clen).toString('latin1'),
      compressed: buf.subarray(dataAt, dataAt + csize),
    });
    at += 46 + nlen + elen + clen;
  }
  return { members, comment };
}

/** The member's bytes, inflated within the budget (stored and deflate only). */
export function memberData(m: ZipMember, ctx: ContentContext): Buffer {
  if (m.method === 0) return m.compressed;
  if (m.method !== 8) throw new Error(`${m.name}: compression method ${m.method} not supported`);
  const cap = Math.min(ctx.limits.maxMemberBytes, ctx.budget.bytes);
  if (m.size > cap) throw new Error(`${m.name}: ${m.size} bytes exceed the decompression limit of ${cap}`);
  // maxOutputLength makes zlib stop a lying size field (a zip bomb) at the cap instead of filling memory.
  let out: Buffer;
  try {
    out = inflateRawSync(m.compressed, { maxOutputLength: Math.max(1, cap) });
  } catch (err) {
    if (err instanceof RangeError) throw new Error(`${m.name}: inflates past the decompression limit of ${cap} bytes`);
    throw err;
  }
  ctx.budget.bytes -= out.length;
  return out;
}

export function dosDateTime(date: number, time: number): string {
  const y = 1980 + (date >> 9);
  const mo = (date >> 5) & 0x0f;
  const d = date & 0x1f;
  const h = time >> 11;
  const mi = (time >> 5) & 0x3f;
  const s = (time & 0x1f) * 2;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${y}-${p(mo)}-${p(d)} ${p(h)}:${p(mi)}:${p(s)}`;
}

/** Extra fields by id, rendered: extended timestamp (0x5455) and Info-ZIP unix (0x7875) decoded. */
export function extraFields(extra: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const len = extra.readUInt16LE(at + 2);
    const body = extra.subarray(at + 4, at + 4 + len);
    let label = `0x${id.toString(16).padStart(4, '0')}`;
    let value = body.toString('hex');
    if (id === 0x5455 && body.length >= 1) {
      label = 'extended timestamp';
      const times: string[] = [];
      for (let i = 1; i + 4 <= body.length; i += 4) times.push(String(body.readUInt32LE(i)));
      value = times.join('/');
    } else if (id === 0x7875) label = 'unix uid/gid';
    out.set(label, value);
    at += 4 + len;
  }
  return out;
}
