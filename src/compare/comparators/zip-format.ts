// What the zip comparator needs on top of the shared reader (src/formats/zip.ts): payloads inflated under
// the run's limits, DOS times and extra fields made readable.
import { inflateRawSync } from 'node:zlib';
import type { ContentContext } from '../content.js';
import type { ZipMember } from '../../formats/zip.js';

export { readZip, type ZipArchive, type ZipMember } from '../../formats/zip.js';

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
