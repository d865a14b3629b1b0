// gzip headers (RFC 1952 §2.3): MTIME and the original file NAME are what `gzip` without -n leaks. Each
// member's header is rewritten to MTIME 0, no FNAME/FCOMMENT/FHCRC/FTEXT, OS 3 (Unix), keeping FEXTRA (BGZF
// stores block sizes there) and XFL; the deflate payload and trailer are copied byte for byte, so the
// decompressed content cannot change. Member ends are found by inflating (bounded by maxBytes).
import { inflateRawSync } from 'node:zlib';
import { FEXTRA, parseGzipHeader } from '../../formats/gzip.js';
import type { ContentContext, ContentResult } from './result.js';

export function gzipNormalize(data: Buffer, ctx: ContentContext): ContentResult {
  const out: Buffer[] = [];
  let pos = 0;
  try {
    while (pos < data.length) {
      if (data[pos] !== 0x1f || data[pos + 1] !== 0x8b || data[pos + 2] !== 8) {
        if (pos === 0) return { skip: 'not a gzip (deflate) file' };
        // trailing zero padding (tape-style) is kept as is
        out.push(data.subarray(pos));
        break;
      }
      const h = parseGzipHeader(data, pos);
      const p = h.end;
      const { engine } = inflateRawSync(data.subarray(p), { info: true, maxOutputLength: ctx.maxBytes }) as unknown as { engine: { bytesWritten: number } };
      const end = p + engine.bytesWritten + 8;
      if (end > data.length) throw new Error('truncated member');
      const header = Buffer.from([0x1f, 0x8b, 8, h.flags & FEXTRA, 0, 0, 0, 0, h.xfl, 3]);
      out.push(header, h.extra ?? Buffer.alloc(0), data.subarray(p, end));
      pos = end;
    }
  } catch (err) {
    return { skip: `gzip stream not normalized: ${(err as Error).message}` };
  }
  return { data: Buffer.concat(out) };
}
