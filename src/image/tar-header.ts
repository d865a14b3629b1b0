// Member headers for the writer, from bytes: names and PAX values are Buffers, never JS strings, so a
// Latin-1 name or a binary xattr is written exactly as read. The layout is tar-stream 3.2's, byte for byte,
// for every member it could write (ustar when the name is ASCII and fits, else a PAX header carrying path
// and linkpath, the member itself then named "PaxHeader"), so layers without such bytes keep their digests.
import { encodePax } from './pax.js';

export type TarFlag = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

export interface RawHeader {
  name: Buffer;
  linkname?: Buffer;
  type: TarFlag;
  mode: number;
  uid: number;
  gid: number;
  /** Whole seconds, 0..2^31-1 (larger values go in a PAX mtime record). */
  mtime: number;
  size: number;
  devmajor?: number;
  devminor?: number;
  /** Records after path/linkpath, in the order given. */
  pax: [string, Buffer][];
}

const BLOCK = 512;
const FLAGS: Record<TarFlag | 'pax-header', number> = {
  file: 0x30, link: 0x31, symlink: 0x32, 'character-device': 0x33, 'block-device': 0x34, directory: 0x35,
  fifo: 0x36, 'pax-header': 0x78,
};

/** `digits` octal digits and a space, as tar-stream writes them; a value one digit longer fills the field
 * (NUL-terminated: device minors up to 2^20-1 need 7 digits, tar-stream wrote 777777 for them). */
function octal(buf: Buffer, value: number, digits: number, at: number): void {
  const s = value.toString(8);
  if (s.length <= digits) buf.write(s.padStart(digits, '0') + ' ', at, 'latin1');
  else if (s.length === digits + 1) buf.write(s, at, 'latin1');
  else buf.write('7'.repeat(digits) + ' ', at, 'latin1');
}

function size(buf: Buffer, value: number, at: number): void {
  if (value.toString(8).length <= 11) return octal(buf, value, 11, at);
  // GNU base-256 for members of 8 GiB and more
  buf[at] = 0x80;
  let v = value;
  for (let i = 11; i > 0; i--) {
    buf[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** name/prefix split of ustar, or undefined when the name needs a PAX path record. */
function ustarName(name: Buffer): { name: Buffer; prefix: Buffer } | undefined {
  if (name.some((b) => b >= 0x80)) return undefined;
  let rest: Buffer = name;
  let prefix: Buffer = Buffer.alloc(0);
  while (rest.length > 100) {
    const i = rest.indexOf(0x2f);
    if (i === -1) return undefined;
    prefix = prefix.length ? Buffer.concat([prefix, Buffer.from('/'), rest.subarray(0, i)]) : rest.subarray(0, i);
    rest = rest.subarray(i + 1);
  }
  return prefix.length > 155 ? undefined : { name: rest, prefix };
}

function block(h: Omit<RawHeader, 'pax' | 'type'> & { type: TarFlag | 'pax-header'; prefix?: Buffer }): Buffer {
  const buf = Buffer.alloc(BLOCK);
  h.name.copy(buf, 0, 0, 100);
  octal(buf, h.mode & 0o7777, 6, 100);
  octal(buf, h.uid, 6, 108);
  octal(buf, h.gid, 6, 116);
  size(buf, h.size, 124);
  octal(buf, h.mtime, 11, 136);
  buf[156] = FLAGS[h.type];
  if (h.linkname) h.linkname.copy(buf, 157, 0, 100);
  buf.write('ustar\x0000', 257, 'latin1');
  octal(buf, h.devmajor ?? 0, 6, 329);
  octal(buf, h.devminor ?? 0, 6, 337);
  if (h.prefix?.length) h.prefix.copy(buf, 345, 0, 155);
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += buf[i] ?? 0;
  octal(buf, sum, 6, 148);
  return buf;
}

/** The blocks that precede the member's content: [PAX header, PAX data padded,] ustar header. */
export function encodeHeader(h: RawHeader): Buffer {
  const split = ustarName(h.name);
  const longLink = h.linkname !== undefined && h.linkname.length > 100;
  if (split && !longLink && h.pax.length === 0) return block({ ...h, name: split.name, prefix: split.prefix });
  const records: [string, Buffer][] = [];
  if (h.name.length) records.push(['path', h.name]);
  if (h.linkname?.length) records.push(['linkpath', h.linkname]);
  const data = encodePax([...records, ...h.pax]);
  const placeholder = Buffer.from('PaxHeader');
  const linkname = h.linkname?.length ? placeholder : undefined;
  const padding = Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK);
  return Buffer.concat([
    block({ ...h, name: placeholder, linkname, type: 'pax-header', size: data.length }),
    data,
    padding,
    block({ ...h, name: placeholder, linkname }),
  ]);
}
