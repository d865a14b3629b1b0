// Ownership and permission bits. Names are dropped with the ids they described: the canonical writer
// stores numeric owners only, and a stale uname next to a new uid would contradict it.
import type { Entry } from '../../core/entry.js';

export function setOwner(entry: Entry, uid: number | undefined, gid: number | undefined): Entry {
  return {
    ...entry,
    uid: uid ?? entry.uid,
    gid: gid ?? entry.gid,
    uname: uid === undefined ? entry.uname : '',
    gname: gid === undefined ? entry.gname : '',
  };
}

export function setMode(entry: Entry, mode: number): Entry {
  return { ...entry, mode: mode & 0o7777 };
}
