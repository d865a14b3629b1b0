// Embedded strings in binaries: a .pyc, a cache or an object file often differs only in a build path, a
// date or an id stored as text. Split both sides into printable runs (like strings(1)) and the bytes
// between them; if the bytes between are equal, the text classifiers judge the strings.
import { classifyText, type Classification } from '../../classify/index.js';
import type { ContentContext } from '../content.js';

const MIN_RUN = 4;
/** Stands for one string in the skeleton; the exact bytes do not matter, only that both sides use it. */
const MARK = Buffer.from([0xff, 0x00, 0xfe, 0x01]);

function printable(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09;
}

interface Split {
  skeleton: Buffer;
  strings: string[];
}

export function splitStrings(buf: Buffer): Split {
  const parts: Buffer[] = [];
  const strings: string[] = [];
  let plainFrom = 0;
  for (let i = 0; i < buf.length; ) {
    if (!printable(buf[i] ?? 0)) {
      i++;
      continue;
    }
    let end = i;
    while (end < buf.length && printable(buf[end] ?? 0)) end++;
    if (end - i >= MIN_RUN) {
      parts.push(buf.subarray(plainFrom, i), MARK);
      strings.push(buf.subarray(i, end).toString('latin1'));
      plainFrom = end;
    }
    i = end;
  }
  parts.push(buf.subarray(plainFrom));
  return { skeleton: Buffer.concat(parts), strings };
}

const EXPLAINING = new Set(['timestamp', 'random-id', 'build-env']);

/** The category when only embedded strings differ and the text classifiers explain them, else null. */
export function explainByStrings(a: Buffer, b: Buffer, ctx: ContentContext): Classification | null {
  const sa = splitStrings(a);
  const sb = splitStrings(b);
  if (sa.strings.length !== sb.strings.length || !sa.skeleton.equals(sb.skeleton)) return null;
  const c = classifyText(sa.strings.join('\n') + '\n', sb.strings.join('\n') + '\n', ctx);
  if (!EXPLAINING.has(c.category)) return null;
  return c;
}
