// tar-stream header → Entry. Whiteouts become entries of their own type (OCI image-spec layer.md).
import type { Header } from 'tar-stream';
import { normalizePath, type Entry, type EntryType } from '../core/entry.js';

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

/** PAX keys that Entry carries in its own fields. */
const OWN_PAX = new Set(['path', 'linkpath', 'size', 'mtime', 'uid', 'gid', 'uname', 'gname']);

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_NAME = '.wh..wh..opq';

export function entryFromHeader(h: Header): Entry {
  const name = h.name;
  const records = (h.pax ?? {}) as Record<string, string>;
  let path = normalizePath(name);
  let type: EntryType = TYPES[h.type ?? 'file'] ?? 'file';
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE_NAME) {
    type = 'opaque';
    path = dir;
  } else if (base.startsWith(WHITEOUT_PREFIX)) {
    type = 'whiteout';
    path = (dir ? dir + '/' : '') + base.slice(WHITEOUT_PREFIX.length);
  }
  const xattrs: Record<string, string> = {};
  const pax: Record<string, string> = {};
  for (const [k, v] of Object.entries(records)) {
    if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
    else if (!OWN_PAX.has(k)) pax[k] = v;
  }
  const paxMtime = records.mtime;
  const entry: Entry = {
    path,
    name,
    type,
    // some writers store S_IFREG etc. in the mode field: keep the permission bits only
    mode: (h.mode ?? 0) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    uname: h.uname ?? '',
    gname: h.gname ?? '',
    mtime: paxMtime !== undefined ? Number(paxMtime) : h.mtime ? Math.floor(h.mtime.getTime() / 1000) : 0,
    size: type === 'file' ? (h.size ?? 0) : 0,
    xattrs,
    pax,
  };
  if (h.linkname) entry.linkname = type === 'hardlink' ? normalizePath(h.linkname) : h.linkname;
  if (type === 'char' || type === 'block') {
    entry.devmajor = h.devmajor ?? 0;
    entry.devminor = h.devminor ?? 0;
  }
  return entry;
}
