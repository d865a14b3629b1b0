// The one description of a filesystem entry, whatever it was read from (tar layer, directory, zip, ar).
// Comparators, classifiers, rules and the writer all see this, never "a tar" or "a directory".

export type EntryType =
  | 'file'
  | 'dir'
  | 'symlink'
  | 'hardlink'
  | 'char'
  | 'block'
  | 'fifo'
  /** OCI whiteout `.wh.<name>`: `path` is the path it deletes. */
  | 'whiteout'
  /** OCI opaque whiteout `.wh..wh..opq`: `path` is the directory whose lower contents it hides. */
  | 'opaque';

export interface Entry {
  /** Normalised path: no leading "/" or "./", no trailing "/", no "." segments; "" is the root. Names are
   * bytes: a byte that is not part of valid UTF-8 is the lone surrogate U+DC80+byte (see name-bytes.ts). */
  path: string;
  /** The name exactly as stored in the archive, for reports. */
  name: string;
  type: EntryType;
  /** Permission bits only (07777); type bits are stripped whatever the writer stored. */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch; fractional when a PAX mtime carried a fraction. */
  mtime: number;
  /** Content size in bytes (0 for everything but files). */
  size: number;
  /** Symlink target as stored; hardlink target as a normalised path. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes (PAX SCHILY.xattr.*, getfattr on a directory), name → value as bytes: values are
   * binary (security.capability is a struct with 0x80 bytes), so never text. */
  xattrs: Record<string, Buffer>;
  /** Other PAX records as stored (atime, ctime, GNU.sparse.*, ...), minus path/linkpath/size/mtime/uid/gid/
   * uname/gname/hdrcharset and the xattrs; values as bytes. */
  pax: Record<string, Buffer>;
  /** "sha256:<hex>" of the content, set once the content was read (files only). */
  digest?: string;
}

/** No leading or trailing "/", no empty or "." segment. */
const ALREADY_NORMAL = /^(?!\.?\/|\.$)(?!.*\/\/)(?!.*\/\.(?:\/|$))(?!.*\/$).+$/s;

/** Normalise an archive member name: `./etc/`, `/etc`, `etc` are one path. Keeps ".." so callers can flag it. */
export function normalizePath(name: string): string {
  // most names are already normal ("usr/lib/x"): one scan instead of a split and a join per entry
  if (ALREADY_NORMAL.test(name)) return name;
  const parts: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    parts.push(seg);
  }
  return parts.join('/');
}

/** True when a normalised path would leave its root (".." segment). */
export function escapesRoot(path: string): boolean {
  return path.split('/').includes('..');
}

/** The path as shown to users inside an image filesystem: "/etc/machine-id". */
export function imagePath(path: string): string {
  return '/' + path;
}

export function entryFrom(partial: Partial<Entry> & Pick<Entry, 'path' | 'type'>): Entry {
  return {
    name: partial.path,
    mode: partial.type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    mtime: 0,
    size: 0,
    xattrs: {},
    pax: {},
    ...partial,
  };
}
