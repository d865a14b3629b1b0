// tar members inside a file (a .tar.gz payload, a .deb's data.tar): compared as entries (metadata via
// compareEntryMeta) plus content (recursing), with member order and added/removed members reported.
import { extract as tarExtract, type Header } from 'tar-stream';
import { normalizePath, type Entry, type EntryType } from '../../core/entry.js';
import { blobFromBuffer } from '../blob.js';
import { compareContent, nested, type Comparator, type ContentContext, type ContentFinding } from '../content.js';
import { compareEntryMeta } from '../entry-meta.js';
import { nameOrderingEvidence } from '../../classify/index.js';
import { listSome } from './shared.js';
import type { Blob } from '../blob.js';

interface Member {
  entry: Entry;
  data: Buffer;
}

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

/** Field-by-field PAX keys the entry already holds elsewhere. */
const PAX_FIELDS = new Set(['path', 'linkpath', 'size', 'mtime', 'uid', 'gid', 'uname', 'gname']);

function toEntry(h: Header): Entry {
  const pax = (h.pax ?? {}) as Record<string, string>;
  const xattrs: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(pax)) {
    if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
    else if (!PAX_FIELDS.has(k)) rest[k] = v;
  }
  const type = TYPES[h.type ?? 'file'] ?? 'file';
  return {
    path: normalizePath(h.name),
    name: h.name,
    type,
    mode: (h.mode ?? 0) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    uname: h.uname ?? '',
    gname: h.gname ?? '',
    mtime: pax.mtime ? Number(pax.mtime) : Math.floor((h.mtime?.getTime() ?? 0) / 1000),
    size: type === 'file' ? (h.size ?? 0) : 0,
    ...(h.linkname ? { linkname: type === 'hardlink' ? normalizePath(h.linkname) : h.linkname } : {}),
    ...(h.devmajor ? { devmajor: h.devmajor } : {}),
    ...(h.devminor ? { devminor: h.devminor } : {}),
    xattrs,
    pax: rest,
  };
}

export async function readTarMembers(blob: Blob): Promise<Member[]> {
  const members: Member[] = [];
  const extract = tarExtract();
  const source = blob.stream();
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract);
  for await (const item of extract) {
    const parts: Buffer[] = [];
    for await (const chunk of item) parts.push(chunk as Buffer);
    members.push({ entry: toEntry(item.header), data: Buffer.concat(parts) });
  }
  return members;
}

/** ustar magic at 257, or a valid v7 header checksum (old tars have no magic). */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const magic = head.subarray(257, 262).toString('latin1');
  if (magic === 'ustar') return true;
  const stored = parseInt(head.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim(), 8);
  if (!Number.isFinite(stored) || head[0] === 0) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (head[i] ?? 0);
  return sum === stored;
}

export async function compareMemberLists(
  ma: Member[],
  mb: Member[],
  ctx: ContentContext,
): Promise<ContentFinding[]> {
  const findings: ContentFinding[] = [];
  const byA = new Map(ma.map((m) => [m.entry.path, m]));
  const byB = new Map(mb.map((m) => [m.entry.path, m]));
  const order = nameOrderingEvidence([...byA.keys()], [...byB.keys()], 'members');
  if (order) findings.push({ inner: '', category: 'ordering', evidence: order, detail: orderDetail([...byA.keys()], [...byB.keys()]) });
  for (const [path, a] of byA) {
    const b = byB.get(path);
    if (!b) {
      findings.push({ inner: path, category: 'removed', evidence: `${a.entry.type} only in a`, detail: '' });
      continue;
    }
    for (const d of compareEntryMeta(a.entry, b.entry)) findings.push({ inner: path, ...d });
    if (a.entry.type === 'file' && b.entry.type === 'file' && !a.data.equals(b.data)) {
      const inner = await compareContent(blobFromBuffer(path, a.data), blobFromBuffer(path, b.data), nested(ctx));
      findings.push(...inner.map((f) => ({ ...f, inner: f.inner ? `${path}/${f.inner}` : path })));
    }
  }
  for (const [path, b] of byB) {
    if (!byA.has(path)) findings.push({ inner: path, category: 'added', evidence: `${b.entry.type} only in b`, detail: '' });
  }
  return findings;
}

function orderDetail(a: string[], b: string[]): string {
  const moved = a.filter((p, i) => p !== b[i]);
  return `members at other positions: ${listSome(moved, 10)}`;
}

export const tarComparator: Comparator = {
  name: 'tar',
  recognizes: (head) => looksLikeTar(head),
  async compare(a, b, ctx) {
    return compareMemberLists(await readTarMembers(a), await readTarMembers(b), ctx);
  },
};
