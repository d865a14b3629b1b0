// zstd (RFC 8878 §3.1.1): the frame header says whether the content size and a checksum were written and
// which window/dictionary was used — encoder settings, not data. Decoded by the one guarded decoder
// (GuardedZstd: window limit, small slices), so a bomb stops at the budget and a huge window is refused.
import { GuardedZstd } from '../../image/decompress.js';
import type { Fact } from '../../core/finding.js';
import type { ContentBlob } from '../blob.js';
import type { Comparator, ContentContext } from '../content.js';
import { BoundedSink, comparePayloads, wrapperFindings, type Payload } from './budget-decompress.js';
import { startsWith } from './sniff.js';

type FieldFact = Extract<Fact, { field: string }>;

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

interface FrameHeader {
  contentSize: string;
  checksum: boolean;
  singleSegment: boolean;
  windowLog?: number;
  dictionaryId: number;
}

export function parseZstdHeader(buf: Buffer): FrameHeader {
  if (!startsWith(buf, MAGIC)) throw new Error('not a zstd frame');
  const fhd = buf[4] ?? 0;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd & 0x20) !== 0;
  const checksum = (fhd & 0x04) !== 0;
  const didFlag = fhd & 0x03;
  let at = 5;
  let windowLog: number | undefined;
  if (!singleSegment) windowLog = 10 + ((buf[at++] ?? 0) >> 3);
  const didSize = [0, 1, 2, 4][didFlag] ?? 0;
  const dictionaryId = didSize ? buf.readUIntLE(at, didSize) : 0;
  at += didSize;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag] ?? 0;
  let contentSize = 'absent';
  if (fcsSize === 8) contentSize = buf.readBigUInt64LE(at).toString();
  else if (fcsSize > 0) contentSize = String(buf.readUIntLE(at, fcsSize) + (fcsSize === 2 ? 256 : 0));
  return { contentSize, checksum, singleSegment, ...(windowLog !== undefined ? { windowLog } : {}), dictionaryId };
}

function headerDiffs(a: FrameHeader, b: FrameHeader): FieldFact[] {
  const out: FieldFact[] = [];
  const field = (label: string, va: string, vb: string): void => {
    if (va !== vb) out.push({ field: label, a: va, b: vb });
  };
  field('content size', a.contentSize, b.contentSize);
  field('checksum', a.checksum ? 'yes' : 'no', b.checksum ? 'yes' : 'no');
  field('window log', String(a.windowLog ?? 'single segment'), String(b.windowLog ?? 'single segment'));
  field('dictionary', String(a.dictionaryId), String(b.dictionaryId));
  return out;
}

async function unzstd(blob: ContentBlob, ctx: ContentContext): Promise<Payload> {
  const sink = new BoundedSink(ctx);
  const decoder = new GuardedZstd((data) => sink.write(data));
  let stopped = false;
  for await (const chunk of blob.stream()) {
    if (!decoder.push(chunk as Buffer)) {
      stopped = true;
      break;
    }
  }
  if (!stopped) decoder.end();
  return sink.result();
}

export const zstdComparator: Comparator = {
  name: 'zstd',
  recognizes: (head) => startsWith(head, MAGIC),
  async compare(a, b, ctx) {
    const ha = parseZstdHeader(await a.bytes());
    const hb = parseZstdHeader(await b.bytes());
    const pa = await unzstd(a, ctx);
    const pb = await unzstd(b, ctx);
    const payload = await comparePayloads(pa, pb, a.name.replace(/\.zst$/, ''), ctx);
    return wrapperFindings('zstd-header', headerDiffs(ha, hb), payload);
  },
};
