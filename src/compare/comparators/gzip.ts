// gzip (RFC 1952): the 10-byte header carries MTIME, XFL, OS and optional FEXTRA/FNAME/FCOMMENT — all set
// by the compressing tool, not the data. Equal payload + different header → compression-metadata.
import type { Fact } from '../../core/finding.js';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { ContentBlob } from '../blob.js';
import type { Comparator } from '../content.js';
import { collectBounded, comparePayloads, wrapperFindings } from './budget-decompress.js';
import { startsWith } from './sniff.js';

type FieldFact = Extract<Fact, { field: string }>;

interface GzipHeader {
  flags: number;
  mtime: number;
  xfl: number;
  os: number;
  extra?: string;
  name?: string;
  comment?: string;
}

function cString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new Error('gzip header string not terminated');
  return [buf.subarray(at, end).toString('latin1'), end + 1];
}

export function parseGzipHeader(buf: Buffer): GzipHeader {
  if (buf.length < 10 || buf[0] !== 0x1f || buf[1] !== 0x8b) throw new Error('not a gzip stream');
  const flags = buf[3] ?? 0;
  const header: GzipHeader = { flags, mtime: buf.readUInt32LE(4), xfl: buf[8] ?? 0, os: buf[9] ?? 0 };
  let at = 10;
  if (flags & 0x04) {
    const len = buf.readUInt16LE(at);
    header.extra = buf.subarray(at + 2, at + 2 + len).toString('hex');
    at += 2 + len;
  }
  if (flags & 0x08) [header.name, at] = cString(buf, at);
  if (flags & 0x10) [header.comment] = cString(buf, at);
  return header;
}

export function gzipHeaderDiffs(a: GzipHeader, b: GzipHeader): FieldFact[] {
  const out: FieldFact[] = [];
  const field = (label: string, va: unknown, vb: unknown): void => {
    if (va !== vb) out.push({ field: label, a: String(va ?? '(none)'), b: String(vb ?? '(none)') });
  };
  field('mtime', a.mtime, b.mtime);
  field('name', a.name, b.name);
  field('OS', a.os, b.os);
  field('extra', a.extra, b.extra);
  field('comment', a.comment, b.comment);
  field('XFL', a.xfl, b.xfl);
  field('flags', a.flags, b.flags);
  return out;
}

async function* gunzip(blob: ContentBlob): AsyncGenerator<Buffer> {
  const gz = createGunzip();
  const piping = pipeline(blob.stream(), gz);
  piping.catch(() => undefined); // errors surface through the iteration below
  yield* gz as AsyncIterable<Buffer>;
  await piping;
}

export const gzipComparator: Comparator = {
  name: 'gzip',
  recognizes: (head) => startsWith(head, [0x1f, 0x8b, 0x08]),
  async compare(a, b, ctx) {
    const [ha, hb] = [parseGzipHeader(await a.bytes()), parseGzipHeader(await b.bytes())];
    const pa = await collectBounded(gunzip(a), ctx);
    const pb = await collectBounded(gunzip(b), ctx);
    const payload = await comparePayloads(pa, pb, ha.name ?? a.name.replace(/\.gz$/, ''), ctx);
    return wrapperFindings('gzip-header', gzipHeaderDiffs(ha, hb), payload);
  },
};
