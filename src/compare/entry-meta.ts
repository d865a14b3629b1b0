// Differences in an entry's metadata (everything but content). Only the modification time (and the PAX
// atime/ctime records, which are timestamps of the same kind) counts as 'mtime': a normalizer can clamp
// those without changing what the file is. Anything else (type, mode, owner, link target, xattrs, device
// numbers, other PAX records) changes what the file means → 'metadata'.
import type { Entry } from '../core/entry.js';
import type { Fact } from '../core/finding.js';

export interface EntryMetaDifference {
  category: 'mtime' | 'metadata';
  facts: Fact[];
  detail: string;
}

/** PAX records that carry timestamps: a build sets them from the clock, like mtime. */
const TIME_PAX = new Set(['atime', 'ctime', 'LIBARCHIVE.creationtime']);

function octal(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}

function show(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}

interface FieldDiff {
  field: string;
  a: string;
  b: string;
  time: boolean;
}

/** Bytes shown of an xattr or PAX value; a longer one ends with its length. */
const SHOWN_BYTES = 128;

/** xattr values are binary (a capability is a struct): hex, so both sides are shown byte for byte. */
function hex(v: Buffer | undefined): string {
  if (v === undefined) return '(none)';
  const shown = '0x' + v.subarray(0, SHOWN_BYTES).toString('hex');
  return v.length > SHOWN_BYTES ? `${shown}… (${v.length} bytes)` : v.length === 0 ? '(empty)' : shown;
}

/** PAX values are mostly text (times, sparse maps): quoted when they are printable UTF-8, else hex. */
function textOrHex(v: Buffer | undefined): string {
  if (v === undefined) return '(none)';
  const text = v.toString('utf8');
  return Buffer.from(text, 'utf8').equals(v) && !/[\u0000-\u001f\u007f-\u009f]/.test(text) ? show(text) : hex(v);
}

function recordDiffs(
  prefix: string,
  a: Record<string, Buffer>,
  b: Record<string, Buffer>,
  isTime: (k: string) => boolean,
  fmt: (v: Buffer | undefined) => string,
): FieldDiff[] {
  const out: FieldDiff[] = [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const va = a[k];
    const vb = b[k];
    if (va === undefined || vb === undefined ? va !== vb : !va.equals(vb)) {
      out.push({ field: `${prefix}${k}`, a: fmt(va), b: fmt(vb), time: isTime(k) });
    }
  }
  return out;
}

function fieldDiffs(a: Entry, b: Entry): FieldDiff[] {
  const out: FieldDiff[] = [];
  const plain = (field: string, va: unknown, vb: unknown, fmt: (v: unknown) => string = show): void => {
    if (va !== vb) out.push({ field, a: fmt(va), b: fmt(vb), time: false });
  };
  plain('type', a.type, b.type, String);
  plain('mode', a.mode & 0o7777, b.mode & 0o7777, (v) => octal(v as number));
  plain('uid', a.uid, b.uid, String);
  plain('gid', a.gid, b.gid, String);
  plain('uname', a.uname, b.uname);
  plain('gname', a.gname, b.gname);
  if (a.mtime !== b.mtime) out.push({ field: 'mtime', a: String(a.mtime), b: String(b.mtime), time: true });
  plain('linkname', a.linkname, b.linkname);
  plain('devmajor', a.devmajor, b.devmajor);
  plain('devminor', a.devminor, b.devminor);
  out.push(...recordDiffs('xattr ', a.xattrs, b.xattrs, () => false, hex));
  out.push(...recordDiffs('pax ', a.pax, b.pax, (k) => TIME_PAX.has(k), textOrHex));
  return out;
}

/**
 * Compare two entries' metadata. Returns [] when equal; one 'mtime' finding when only timestamps differ;
 * otherwise one 'metadata' finding for the non-time fields plus one 'mtime' finding for the time fields (so a
 * rule clamping mtimes still sees its part even when the mode changed as well).
 */
export function compareEntryMeta(a: Entry, b: Entry): EntryMetaDifference[] {
  const diffs = fieldDiffs(a, b);
  if (diffs.length === 0) return [];
  const time = diffs.filter((d) => d.time);
  const other = diffs.filter((d) => !d.time);
  const result: EntryMetaDifference[] = [];
  if (other.length > 0) {
    result.push({
      category: 'metadata',
      facts: other.map(({ field, a, b }) => ({ field, a, b })),
      detail: other.map((d) => `${d.field}: ${d.a} → ${d.b}`).join('\n'),
    });
  }
  if (time.length > 0) {
    result.push({
      category: 'mtime',
      facts: time.map(({ field, a, b }) => ({ field, a, b })),
      detail: time.map((d) => `${d.field}: ${d.a} → ${d.b}`).join('\n'),
    });
  }
  return result;
}
