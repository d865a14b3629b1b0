// Random access into an uncompressed outer archive (oci-archive, docker save): one pass over the 512-byte
// headers (seeking past bodies) gives name → offset, so each blob is then streamed straight from the file.
// The layer parser (tar-parse.ts) reads sequentially, which would mean reading every blob just to find the next one.
import { BLOB_CHUNK } from './media-types.js';
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { normalizePath } from '../core/entry.js';
import { nameFromBytes } from '../core/name-bytes.js';
import { decodePax } from './pax.js';
import { ReproError } from '../core/errors.js';

export interface IndexedMember {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  offset: number;
  size: number;
  linkname: string;
}

export interface TarIndex {
  path: string;
  members: Map<string, IndexedMember>;
  /** Quirks met (no end-of-archive blocks...). */
  warnings: string[];
  /** True when indexing stopped at `maxMembers`: `members` holds only the first ones. */
  partial: boolean;
}

const BLOCK = 512;

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return nameFromBytes(buf.subarray(start, end === -1 || end > start + len ? start + len : end));
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256 for values that do not fit in octal (files over 8 GiB)
  if ((buf[start] ?? 0) & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (buf[i] ?? 0);
    return v;
  }
  const s = cstring(buf, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/**
 * The one tar sniff (the reader, the input-shape probe and the tar comparator): ustar/GNU magic at 257, or
 * (pre-POSIX v7 tars have no magic) a named header whose checksum adds up. An all-zero block is not a header.
 */
export function isTarHeader(h: Buffer): boolean {
  if (h.length < BLOCK) return false;
  if (h.toString('latin1', 257, 262) === 'ustar') return true;
  return h[0] !== 0 && checksumOk(h);
}

export function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return sum === octal(h, 148, 8);
}

/** PAX records through the one codec (pax.ts); path and linkpath as names (bytes, see name-bytes.ts). */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of decodePax(data)) out[k] = nameFromBytes(v);
  return out;
}

/** Read the headers of an uncompressed tar (the first `maxMembers` only, when given). Throws ReproError
 * when it is not a tar at all. */
export async function indexTar(path: string, maxMembers = Infinity): Promise<TarIndex> {
  const fh: FileHandle = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const members = new Map<string, IndexedMember>();
    const warnings: string[] = [];
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    let sawEnd = false;
    const duplicates: string[] = [];
    let partial = false;
    while (pos + BLOCK <= fileSize) {
      if (members.size >= maxMembers) {
        partial = true;
        break;
      }
      await fh.read(header, 0, BLOCK, pos);
      if (header.every((b) => b === 0)) {
        sawEnd = true;
        break;
      }
      if (!checksumOk(header)) {
        if (members.size === 0) throw new ReproError('not a tar archive (bad header checksum)', path);
        throw new ReproError(`corrupt tar header at offset ${pos}`, path);
      }
      const flag = String.fromCharCode(header[156] ?? 0);
      // a PAX size (members over 8 GiB) replaces the header's; it applies to the member after the x header
      const size = pax.size !== undefined && flag !== 'x' && flag !== 'L' && flag !== 'K' ? Number(pax.size) : octal(header, 124, 12);
      if (!Number.isSafeInteger(size) || size < 0) throw new ReproError(`corrupt tar header at offset ${pos} (invalid size)`, path);
      const bodyStart = pos + BLOCK;
      const next = bodyStart + Math.ceil(size / BLOCK) * BLOCK;
      if (bodyStart + size > fileSize) throw new ReproError(`truncated tar: member at offset ${pos} runs past the end`, path);
      if (flag === 'L' || flag === 'K' || flag === 'x') {
        const body = Buffer.alloc(Math.min(size, 1 << 20));
        await fh.read(body, 0, body.length, bodyStart);
        if (flag === 'L') longName = cstring(body, 0, body.length);
        else if (flag === 'K') longLink = cstring(body, 0, body.length);
        else pax = parsePax(body);
        pos = next;
        continue;
      }
      const prefix = header.toString('utf8', 257, 262) === 'ustar' ? cstring(header, 345, 155) : '';
      const base = cstring(header, 0, 100);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      const linkname = pax.linkpath ?? longLink ?? cstring(header, 157, 100);
      const type: IndexedMember['type'] =
        flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
      const key = normalizePath(name);
      // tar semantics: the last member of a name wins; a hostile archive may use that to hide a blob
      if (members.has(key)) duplicates.push(name);
      members.set(key, { name, type, offset: bodyStart, size, linkname });
      longName = longLink = undefined;
      pax = {};
      pos = next;
    }
    if (!sawEnd && !partial) warnings.push(`${path}: no end-of-archive blocks (tolerated)`);
    if (duplicates.length) {
      warnings.push(`${path}: ${duplicates.length} duplicate member names, the last one is used: ${duplicates.slice(0, 3).join(', ')}`);
    }
    return { path, members, warnings, partial };
  } finally {
    await fh.close();
  }
}

/** Follow symlinks and hardlinks inside the archive (docker's `<id>/layer.tar -> ../<diffid>.tar`). */
export function resolveMember(index: TarIndex, name: string): IndexedMember | undefined {
  let key = normalizePath(name);
  for (let hops = 0; hops < 16; hops++) {
    const m = index.members.get(key);
    if (!m) return undefined;
    if (m.type === 'file') return m;
    if (m.type === 'hardlink') key = normalizePath(m.linkname);
    else if (m.type === 'symlink') {
      const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
      key = resolveRelative(dir, m.linkname);
    } else return undefined;
  }
  return undefined;
}

/** Join a link target to its directory, clamping ".." at the archive root (links never leave it). */
function resolveRelative(dir: string, target: string): string {
  const parts = target.startsWith('/') ? [] : dir.split('/').filter(Boolean);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

export function memberStream(index: TarIndex, m: IndexedMember): Readable {
  if (m.size === 0) return Readable.from([]);
  return createReadStream(index.path, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: BLOB_CHUNK });
}
