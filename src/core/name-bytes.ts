// File names are bytes on Linux, not text: a Latin-1 name (0xE9 for "é") is not valid UTF-8. Entry paths
// are JS strings, so a name is decoded as UTF-8 where it is valid and each byte of an invalid sequence
// becomes the lone surrogate U+DC80..U+DCFF (Python's "surrogateescape", PEP 383). The mapping is one to
// one: nameBytes(nameFromBytes(b)) equals b for every byte string, and valid UTF-8 reads as plain text.

const ESCAPE_BASE = 0xdc00;

/** Length of the valid UTF-8 sequence starting at buf[i], or 0 when it is not one (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
function sequenceLength(buf: Uint8Array, i: number): number {
  const b0 = buf[i] ?? 0;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = buf[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** Bytes → string: UTF-8 where valid, U+DC80+byte for each byte that is not. */
export function nameFromBytes(buf: Uint8Array): string {
  let out = '';
  let start = 0;
  let i = 0;
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += bytes.toString('utf8', start, i) + String.fromCharCode(ESCAPE_BASE + (bytes[i] ?? 0));
    i += 1;
    start = i;
  }
  return out + bytes.toString('utf8', start);
}

/** String → bytes, the inverse of nameFromBytes. (Buffer.from(s) would turn each escape into EF BF BD.) */
export function nameBytes(name: string): Buffer {
  if (!/[\udc80-\udcff]/.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff) continue;
    // a high surrogate before it would make a pair, which is a real character, not an escape
    const prev = i > 0 ? name.charCodeAt(i - 1) : 0;
    if (prev >= 0xd800 && prev <= 0xdbff) continue;
    parts.push(Buffer.from(name.slice(start, i), 'utf8'), Buffer.of(c - ESCAPE_BASE));
    start = i + 1;
  }
  parts.push(Buffer.from(name.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

const ASCII = /^[\x00-\x7f]*$/;

/** A name from bytes the tar parser decoded as Latin-1 (one char per byte, so nothing was lost). */
export function nameFromLatin1(s: string): string {
  // ASCII reads the same in both: no bytes to decode
  if (ASCII.test(s)) return s;
  return nameFromBytes(Buffer.from(s, 'latin1'));
}
