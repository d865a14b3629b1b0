// PNG (ISO/IEC 15948 §11): tIME is the encoder's "last modification" clock and tEXt dates are the same
// thing from ImageMagick & co — wrapper metadata, not pixels. IDAT is compared after inflating, so a
// different zlib level with equal pixels is compression-metadata too.
import type { Fact } from '../../core/finding.js';
import { inflateSync } from 'node:zlib';
import { classifyValue } from '../../classify/index.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { startsWith } from './sniff.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface Chunk {
  type: string;
  data: Buffer;
}

export function readChunks(buf: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let at = 8; at + 12 <= buf.length; ) {
    const len = buf.readUInt32BE(at);
    const type = buf.subarray(at + 4, at + 8).toString('latin1');
    if (at + 12 + len > buf.length) throw new Error(`PNG chunk ${type} runs past the end`);
    chunks.push({ type, data: buf.subarray(at + 8, at + 8 + len) });
    at += 12 + len;
    if (type === 'IEND') break;
  }
  return chunks;
}

function tIME(d: Buffer): string {
  const p = (n: number | undefined): string => String(n ?? 0).padStart(2, '0');
  return `${d.length >= 2 ? d.readUInt16BE(0) : 0}-${p(d[2])}-${p(d[3])} ${p(d[4])}:${p(d[5])}:${p(d[6])}`;
}

function textChunks(chunks: Chunk[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of chunks.filter((c) => c.type === 'tEXt' || c.type === 'iTXt' || c.type === 'zTXt')) {
    const nul = c.data.indexOf(0);
    const key = c.data.subarray(0, nul < 0 ? c.data.length : nul).toString('latin1');
    out.set(`${c.type} ${key}`, c.type === 'tEXt' ? c.data.subarray(nul + 1).toString('latin1') : c.data.subarray(nul + 1).toString('hex'));
  }
  return out;
}

function inflateBounded(data: Buffer, ctx: ContentContext): Buffer {
  const cap = Math.min(ctx.limits.maxMemberBytes, ctx.budget.bytes);
  let out: Buffer;
  try {
    out = inflateSync(data, { maxOutputLength: Math.max(1, cap) });
  } catch (err) {
    if (err instanceof RangeError) throw new Error(`IDAT inflates past the decompression limit of ${cap} bytes`);
    throw err;
  }
  ctx.budget.bytes -= out.length;
  return out;
}

export function comparePng(a: Buffer, b: Buffer, ctx: ContentContext): ContentFinding[] {
  const ca = readChunks(a);
  const cb = readChunks(b);
  const meta: Fact[] = [];
  const real: Fact[] = [];
  const time = (cs: Chunk[]): string => cs.filter((c) => c.type === 'tIME').map((c) => tIME(c.data)).join(',') || '(none)';
  if (time(ca) !== time(cb)) meta.push({ field: 'tIME', a: time(ca), b: time(cb) });
  const ta = textChunks(ca);
  const tb = textChunks(cb);
  for (const k of new Set([...ta.keys(), ...tb.keys()])) {
    const va = ta.get(k) ?? '';
    const vb = tb.get(k) ?? '';
    if (va === vb) continue;
    const c = classifyValue(va, vb, ctx);
    if (c.category === 'timestamp') meta.push(...c.facts);
    else real.push({ field: k, a: va.slice(0, 40), b: vb.slice(0, 40) });
  }
  const idat = (cs: Chunk[]): Buffer => Buffer.concat(cs.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const [ia, ib] = [idat(ca), idat(cb)];
  if (!ia.equals(ib)) {
    if (inflateBounded(ia, ctx).equals(inflateBounded(ib, ctx))) meta.push({ note: 'IDAT compressed differently, pixels equal' });
    else real.push({ note: 'pixel data (IDAT) differs' });
  }
  const skip = new Set(['tIME', 'tEXt', 'iTXt', 'zTXt', 'IDAT']);
  const rest = (cs: Chunk[]): string[] => cs.filter((c) => !skip.has(c.type)).map((c) => `${c.type}:${c.data.toString('hex')}`);
  const [ra, rb] = [rest(ca), rest(cb)];
  if (ra.join('|') !== rb.join('|')) real.push({ field: 'chunks', a: ra.map((r) => r.split(':')[0]).join(','), b: rb.map((r) => r.split(':')[0]).join(',') });
  const lines = (fs: Fact[]): string[] => fs.map((f) => ('field' in f ? `${f.field}: ${f.a} vs ${f.b}` : 'note' in f ? f.note : 'token' in f ? `${f.token}: ${f.a} vs ${f.b}` : ''));
  if (real.length > 0) return [{ inner: '', category: 'binary', code: 'png', facts: real, detail: boundLines([...lines(real), ...lines(meta)], ctx) }];
  if (meta.length > 0) return [{ inner: '', category: 'compression-metadata', code: 'png-metadata', facts: meta, detail: boundLines(lines(meta), ctx) }];
  return [{ inner: '', category: 'binary', code: 'png', facts: [{ note: 'PNG bytes differ outside known chunks' }], detail: '' }];
}

export const pngComparator: Comparator = {
  name: 'png',
  recognizes: (head) => startsWith(head, SIGNATURE),
  async compare(a, b, ctx) {
    return comparePng(await a.bytes(), await b.bytes(), ctx);
  },
};
