// An entry packed as JSON text, for the holders that keep many entries as lines rather than objects: diff's
// per-side index (compare/entry-index.ts) and the layer writer's items (image/layer-items.ts). The path is
// not among the fields (each holder keys its lines by a path of its own). Lossless: strings as JSON writes
// them (a lone surrogate, which a non-UTF-8 name holds, is escaped and parsed back), xattr and PAX values as
// base64, and a number JSON cannot hold (NaN, ±Infinity, -0) as a string.
import type { Entry, EntryType } from './entry.js';

/** A number JSON cannot hold, as its name. */
type Num = number | string;
type Bytes = Record<string, string> | 0;

/** The fields, in the order packEntry writes them. */
type Fields = [
  name: string | 0,
  type: EntryType,
  mode: Num,
  uid: Num,
  gid: Num,
  uname: string,
  gname: string,
  mtime: Num,
  size: Num,
  linkname: string | null,
  dev: [Num, Num] | null,
  xattrs: Bytes,
  pax: Bytes,
  digest: string | null,
];

const num = (n: number): string => (Number.isFinite(n) && (n !== 0 || 1 / n > 0) ? String(n) : Object.is(n, -0) ? '"-0"' : `"${n}"`);
const unnum = (v: Num): number => (typeof v === 'number' ? v : Number(v));

/** Name → bytes as a JSON object of base64 strings, written key by key (a key such as "__proto__" stays a key). */
function packBytes(r: Record<string, Buffer>): string {
  const keys = Object.keys(r);
  if (keys.length === 0) return '0';
  return '{' + keys.map((k) => JSON.stringify(k) + ':"' + (r[k] as Buffer).toString('base64') + '"').join(',') + '}';
}

function unpackBytes(r: Bytes): Record<string, Buffer> {
  if (!r) return {};
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

/**
 * The entry's fields as JSON array elements, without the brackets: a holder writes them after its own
 * (`[key,seq,…,` + packEntry(e) + `]`). Two entries of one path with equal text are equal entries.
 * Joined, not concatenated: a string built with + is a rope of ~35 pieces until something flattens it,
 * and a holder's pending lines would hold every piece.
 */
export function packEntry(e: Entry): string {
  return [
    e.name === e.path ? '0' : JSON.stringify(e.name),
    '"' + e.type + '"',
    num(e.mode),
    num(e.uid),
    num(e.gid),
    JSON.stringify(e.uname),
    JSON.stringify(e.gname),
    num(e.mtime),
    num(e.size),
    e.linkname === undefined ? 'null' : JSON.stringify(e.linkname),
    e.devmajor !== undefined || e.devminor !== undefined ? `[${num(e.devmajor ?? 0)},${num(e.devminor ?? 0)}]` : 'null',
    packBytes(e.xattrs),
    packBytes(e.pax),
    e.digest === undefined ? 'null' : JSON.stringify(e.digest),
  ].join(',');
}

/** The entry at `path` from its fields, parsed (a holder that parses its whole line passes them on). */
export function entryFromFields(path: string, fields: unknown[]): Entry {
  const [name, type, mode, uid, gid, uname, gname, mtime, size, linkname, dev, xattrs, pax, digest] = fields as Fields;
  const entry: Entry = {
    path,
    name: name === 0 ? path : name,
    type,
    mode: unnum(mode),
    uid: unnum(uid),
    gid: unnum(gid),
    uname,
    gname,
    mtime: unnum(mtime),
    size: unnum(size),
    xattrs: unpackBytes(xattrs),
    pax: unpackBytes(pax),
  };
  if (linkname !== null) entry.linkname = linkname;
  if (dev) [entry.devmajor, entry.devminor] = [unnum(dev[0]), unnum(dev[1])];
  if (digest !== null) entry.digest = digest;
  return entry;
}

/** The entry at `path` from the text packEntry wrote. */
export function unpackEntry(path: string, text: string): Entry {
  return entryFromFields(path, JSON.parse('[' + text + ']') as unknown[]);
}
