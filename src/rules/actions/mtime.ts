// Timestamps of entries. Clamping (not setting) keeps mtimes older than the epoch, as `tar --clamp-mtime`
// and BuildKit's rewrite-timestamp do: files that came unchanged from a package keep their packaged time,
// only what the build itself touched moves to SOURCE_DATE_EPOCH.
import type { Entry } from '../../core/entry.js';

const TIME_PAX = ['atime', 'ctime', 'mtime', 'LIBARCHIVE.creationtime'];

function withoutTimePax(pax: Record<string, Buffer>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(pax).filter(([k]) => !TIME_PAX.includes(k)));
}

export function clampMtime(entry: Entry, epoch: number): Entry {
  return { ...entry, mtime: entry.mtime > epoch ? epoch : Math.floor(entry.mtime), pax: withoutTimePax(entry.pax) };
}

export function setMtime(entry: Entry, mtime: number): Entry {
  return { ...entry, mtime, pax: withoutTimePax(entry.pax) };
}
