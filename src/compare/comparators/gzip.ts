// gzip (RFC 1952): the 10-byte header carries MTIME, XFL, OS and optional FEXTRA/FNAME/FCOMMENT — all set
// by the compressing tool, not the data. Equal payload + different header → compression-metadata.
import type { Fact } from '../../core/finding.js';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { ContentBlob } from '../blob.js';
import type { Comparator } from '../content.js';
import { collectBounded, comparePayloads, wrapperFindings } from './budget-decompress.js';
import { startsWith } from './sniff.js';
import { parseGzipHeader } from '../../formats/gzip.js';

type FieldFact = Extract<Fact, { field: string }>;

/** The header fields as the findings show them: extra in hex, name and comment one char per byte. */
interface GzipHeader {
  flags: number;
  mtime: number;
  xfl: number;
  os: number;
  extra?: string;
  name?: string;
  comment?: string;
}

export function readGzipHeader(buf: Buffer): GzipHeader {
  const h = parseGzipHeader(buf);
  return {
    flags: h.flags,
    mtime: h.mtime,
    xfl: h.xfl,
    os: h.os,
    ...(h.extra ? { extra: h.extra.subarray(2).toString('hex') } : {}),
    ...(h.name ? { name: h.name.toString('latin1') } : {}),
    ...(h.comment ? { comment: h.comment.toString('latin1') } : {}),
  };
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
    const [ha, hb] = [readGzipHeader(await a.bytes()), readGzipHeader(await b.bytes())];
    const pa = await collectBounded(gunzip(a), ctx);
    const pb = await collectBounded(gunzip(b), ctx);
    const payload = await comparePayloads(pa, pb, ha.name ?? a.name.replace(/\.gz$/, ''), ctx);
    return wrapperFindings('gzip-header', gzipHeaderDiffs(ha, hb), payload);
  },
};
