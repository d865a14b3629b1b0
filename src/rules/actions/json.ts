// JSON with object keys in a fixed (byte) order. Only key order changes: array order is data, and the
// layout (compact or indented, trailing newline) is kept as found so the diff stays readable.
import type { ContentResult } from './result.js';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) out[k] = sortKeys(obj[k]);
  return out;
}

function indentOf(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  if (!m?.[1]) return 0;
  return m[1].startsWith('\t') ? '\t' : m[1].length;
}

export function sortJsonKeys(data: Buffer): ContentResult {
  const text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { skip: `not JSON (${(err as Error).message})` };
  }
  const body = JSON.stringify(sortKeys(value), null, indentOf(text));
  return { data: Buffer.from(body + (text.endsWith('\n') ? '\n' : ''), 'utf8') };
}
