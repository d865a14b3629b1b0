// Extended attributes of an entry: a rule sets one to fixed bytes (a capability the build forgot, a
// user.* stamp pinned) or removes the ones a glob names. Values are bytes, given in hex as getfattr shows.
import picomatch from 'picomatch';
import type { Entry } from '../../core/entry.js';

/** `value` is "0x<hex>" (validated by the schema). */
export function setXattr(entry: Entry, name: string, value: string): Entry {
  return { ...entry, xattrs: { ...entry.xattrs, [name]: Buffer.from(value.slice(2), 'hex') } };
}

export function removeXattr(entry: Entry, glob: string): Entry {
  const matches = picomatch(glob, { dot: true });
  const names = Object.keys(entry.xattrs);
  if (!names.some((n) => matches(n))) return entry;
  return { ...entry, xattrs: Object.fromEntries(Object.entries(entry.xattrs).filter(([n]) => !matches(n))) };
}
