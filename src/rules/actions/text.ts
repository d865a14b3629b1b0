// Line-oriented text actions. Bytes that are not UTF-8 are handled as latin1, so every byte survives the
// round trip and sorting stays byte order (latin1 code units are the bytes).
import type { ContentResult } from './result.js';

function decode(data: Buffer): { text: string; encoding: BufferEncoding } {
  const text = data.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(data)) return { text, encoding: 'utf8' };
  return { text: data.toString('latin1'), encoding: 'latin1' };
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Sort lines (/etc/group, /etc/shells, dpkg triggers: install order leaks into them). With `field`, lines
 * compare by that 1-based field first, then whole, so the result is a total order either way.
 */
export function sortLines(data: Buffer, field?: number, separator?: string): ContentResult {
  const { text, encoding } = decode(data);
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  const key = (line: string): string => {
    if (field === undefined) return line;
    const parts = separator === undefined ? line.trim().split(/\s+/) : line.split(separator);
    return parts[field - 1] ?? '';
  };
  lines.sort((a, b) => byteOrder(key(a), key(b)) || byteOrder(a, b));
  return { data: Buffer.from(lines.join('\n') + (endsWithNewline ? '\n' : ''), encoding) };
}

/** A regular expression replaced everywhere (flags default to "gm": every match, ^/$ per line). */
export function regexReplace(data: Buffer, pattern: string, flags: string, replacement: string): ContentResult {
  const { text, encoding } = decode(data);
  const re = new RegExp(pattern, flags);
  return { data: Buffer.from(text.replace(re, replacement), encoding) };
}
