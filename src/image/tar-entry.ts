// tar header → Entry. Whiteouts become entries of their own type (OCI image-spec layer.md).
// Headers come from the parser (tar-parse.ts): names and PAX values are Latin-1 strings, one char per
// byte, so the bytes are recovered here exactly (names as UTF-8 with escapes, PAX values as Buffers).
import type { TarHeader } from './tar-parse.js';
import { normalizePath, type Entry, type EntryType } from '../core/entry.js';
import { nameFromLatin1 } from '../core/name-bytes.js';
import { PathSet } from '../core/path-set.js';

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  link: 'hardlink',
  symlink: 'symlink',
  directory: 'dir',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

/** PAX keys that Entry carries in its own fields (hdrcharset says how names are encoded: they are bytes
 * here whatever it says, and the writer derives it again). */
const OWN_PAX = new Set(['path', 'linkpath', 'size', 'mtime', 'uid', 'gid', 'uname', 'gname', 'hdrcharset']);

/** GNU tar's sparse format 1.0 stores the real name here (the member is named GNUSparseFile.<pid>/...) and
 * the sparse map at the start of the body; the body is kept as stored, so the file stays sparse. */
export const SPARSE_NAME = 'GNU.sparse.name';

/** Extended attributes in PAX, as GNU tar, bsdtar and Python write them. */
export const XATTR_PAX = 'SCHILY.xattr.';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_NAME = '.wh..wh..opq';

/** Seconds within what a Date holds (±8.64e12 s), else 0, as when the parser made a Date of them. */
function headerMtime(h: TarHeader): number {
  const t = h.mtime ?? 0;
  return Number.isFinite(t) && Math.abs(t) <= 8.64e12 ? Math.trunc(t) : 0;
}

const paxNumber = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined);
const NO_RECORDS: Record<string, string> = {};

/** `whiteouts: false` for tars that are not image layers (a .deb's data.tar): `.wh.` names stay files. */
export function entryFromHeader(h: TarHeader, opts: { whiteouts?: boolean } = {}): Entry {
  const records = h.pax ?? NO_RECORDS;
  const name = nameFromLatin1(records[SPARSE_NAME] ?? h.name);
  let path = normalizePath(name);
  let type: EntryType = TYPES[h.type ?? 'file'] ?? 'file';
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = slash === -1 ? '' : path.slice(0, slash);
  const layer = opts.whiteouts !== false;
  if (layer && base === OPAQUE_NAME) {
    type = 'opaque';
    path = dir;
  } else if (layer && base.startsWith(WHITEOUT_PREFIX)) {
    type = 'whiteout';
    path = (dir ? dir + '/' : '') + base.slice(WHITEOUT_PREFIX.length);
  }
  const xattrs: Record<string, Buffer> = {};
  const pax: Record<string, Buffer> = {};
  if (h.pax) {
    for (const [k, v] of Object.entries(records)) {
      if (k.startsWith(XATTR_PAX)) xattrs[k.slice(XATTR_PAX.length)] = Buffer.from(v, 'latin1');
      else if (!OWN_PAX.has(k)) pax[k] = Buffer.from(v, 'latin1');
    }
  }
  const paxMtime = records.mtime;
  const entry: Entry = {
    path,
    name,
    type,
    // some writers store S_IFREG etc. in the mode field: keep the permission bits only
    mode: (h.mode ?? 0) & 0o7777,
    // PAX records win over the ustar fields (ids over 262143, names over 32 bytes); tar-stream applies only
    // path, linkpath and size itself
    uid: paxNumber(records.uid) ?? h.uid ?? 0,
    gid: paxNumber(records.gid) ?? h.gid ?? 0,
    uname: records.uname !== undefined ? nameFromLatin1(records.uname) : (h.uname ?? ''),
    gname: records.gname !== undefined ? nameFromLatin1(records.gname) : (h.gname ?? ''),
    mtime: paxMtime !== undefined && Number.isFinite(Number(paxMtime)) ? Number(paxMtime) : headerMtime(h),
    size: type === 'file' ? (h.size ?? 0) : 0,
    xattrs,
    pax,
  };
  if (h.linkname) {
    const link = nameFromLatin1(h.linkname);
    entry.linkname = type === 'hardlink' ? normalizePath(link) : link;
  }
  if (type === 'char' || type === 'block') {
    entry.devmajor = h.devmajor ?? 0;
    entry.devminor = h.devminor ?? 0;
  }
  return entry;
}

/** How many examples of each quirk a warning names before it just counts. */
const EXAMPLES = 3;

/** Where a relative symlink target leads from its entry's directory; undefined when it climbs above the root. */
function linkTarget(dir: string, target: string): string | undefined {
  if (target.startsWith('/')) return normalizePath(target); // absolute links stay inside the image root
  const parts = dir ? dir.split('/') : [];
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') parts.push(seg);
    else if (parts.pop() === undefined) return undefined;
  }
  return parts.join('/');
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** Notes entries a careless extractor would act on dangerously: the reader never does — it only
 * reads headers and hashes bodies — but users comparing untrusted images should know they are there. */
export class EntryAudit {
  private readonly seen = new PathSet();
  private readonly found = new Map<string, string[]>();
  private counts = new Map<string, number>();

  private note(kind: string, example: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const list = this.found.get(kind) ?? [];
    if (list.length < EXAMPLES) list.push(example);
    this.found.set(kind, list);
  }

  add(e: Entry): void {
    // "/" itself (umoci writes it) is just the root; anything below it would be extracted at the host's /
    if (e.name.startsWith('/') && e.path !== '') this.note('absolute member names', e.name);
    if (e.path.includes('..') && e.path.split('/').includes('..')) this.note('paths leaving the root ("..")', e.name);
    const key = e.type === 'whiteout' || e.type === 'opaque' ? `${e.type}:${e.path}` : e.path;
    if (this.seen.add(key)) this.note('duplicate entries', e.name);
    if (e.type === 'symlink' && e.linkname !== undefined && linkTarget(parentOf(e.path), e.linkname) === undefined) {
      this.note('symlinks pointing outside the root', `${e.name} -> ${e.linkname}`);
    }
    if (e.type === 'hardlink') {
      const target = e.linkname ?? '';
      if (target === '' || (target.includes('..') && target.split('/').includes('..'))) this.note('hardlinks to outside targets', `${e.name} => ${target}`);
      else if (!this.seen.has(target)) this.note('hardlinks to targets not earlier in the layer', `${e.name} => ${target}`);
    }
    if (e.type === 'char' || e.type === 'block') this.note('device nodes (recorded, never created)', e.name);
    if (e.type === 'fifo') this.note('FIFOs (recorded, never created)', e.name);
  }

  /** One warning per kind of quirk: "layer 1: 2 duplicate entries: etc/a, etc/a". */
  warnings(layer: string): string[] {
    return [...this.counts].map(([kind, n]) => `${layer}: ${n} ${kind}: ${(this.found.get(kind) ?? []).join(', ')}${n > EXAMPLES ? ', ...' : ''}`);
  }
}
