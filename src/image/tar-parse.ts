// The tar reader's framing: 512-byte headers, PAX and GNU long-name members, bodies and their padding,
// parsed synchronously from chunks as they arrive. It replaces tar-stream's extract, whose stream and events
// per member were most of the cost of a layer of small files; it keeps that parser's reading of every
// archive (the hostile tests hold both to it):
//   - a header whose checksum is wrong is an error; an all-zero block is skipped (reading goes on after
//     the end-of-archive blocks, so padding and concatenated archives read as tar-stream read them);
//   - ustar ("ustar\0": prefix/name) and GNU ("ustar  \0") magic, and, with allowUnknownFormat, v7 headers
//     without magic;
//   - GNU long names and links ('L', 'K'), PAX records ('x', merged over the last 'g'): path, linkpath and
//     size replace the header's; a directory's size is not a body (what follows is the next header);
//   - names, link names and PAX values as Latin-1 strings (one char per byte: no byte is lost; tar-entry.ts
//     recovers them), uname and gname as UTF-8, numbers in octal or GNU base-256.
// Errors keep tar-stream's words, which layer-reader.ts's explain() turns into one line for the user.
import { decodePax } from './pax.js';

export type TarType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-link-path'
  | 'gnu-long-path';

export interface TarHeader {
  /** Latin-1 (one char per byte). */
  name: string;
  /** null where a numeric field holds something that is neither octal nor base-256 (read as 0). */
  mode: number | null;
  uid: number | null;
  gid: number | null;
  size: number | null;
  /** Seconds, as stored (NaN when the field is not a number). */
  mtime: number | null;
  /** null: a typeflag this reader does not know (GNU old sparse 'S', multi-volume 'M'...). */
  type: TarType | null;
  linkname: string | null;
  uname: string;
  gname: string;
  devmajor: number | null;
  devminor: number | null;
  /** The member's PAX records (with the global ones under them), values Latin-1; null when it has none. */
  pax: Record<string, string> | null;
}

/** Where parsed members go. */
export interface TarSink {
  /** A member starts; `bodySize` bytes of body follow through body(), then memberEnd(). */
  header(h: TarHeader, bodySize: number): void;
  /** Part of the body (a view into the input chunk: copy what must outlive the call). False: pause —
   * write() returns after this chunk, and is called again with the rest. */
  body(chunk: Buffer): boolean;
  memberEnd(): void;
}

const BLOCK = 512;
/** tar-stream's bound on PAX and long-name data. */
const MAX_HEADER_SIZE = 4 * 1024 * 1024;
const EMPTY_SUM = 8 * 32;

const TYPES: Record<number, TarType> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
  72: 'pax-header',
  55: 'pax-global-header',
  27: 'gnu-long-link-path',
  28: 'gnu-long-path',
  30: 'gnu-long-path',
};

function parse256(buf: Buffer, at: number, len: number): number | null {
  const positive = buf[at] === 0x80;
  if (!positive && buf[at] !== 0xff) return null;
  let sum = 0;
  let scale = 1;
  for (let i = at + len - 1; i > at; i--) {
    const b = buf[i] as number;
    sum += (positive ? b : 0xff - b) * scale;
    scale *= 256;
  }
  return positive ? sum : -sum;
}

/** A numeric field: base-256 when its first byte has the high bit, else octal text (leading spaces, then
 * NULs skipped, up to the first space), parsed as parseInt(text, 8) parses it. */
function numeric(buf: Buffer, at: number, len: number): number | null {
  if ((buf[at] as number) & 0x80) return parse256(buf, at, len);
  const limit = at + len;
  let i = at;
  while (i < limit && buf[i] === 32) i++;
  let end = i;
  while (end < limit && buf[end] !== 32) end++;
  while (i < end && buf[i] === 0) i++;
  if (i === end) return 0;
  // the common field: octal digits, then a NUL or the end (what parseInt would read of it)
  let v = 0;
  let j = i;
  for (; j < end; j++) {
    const c = buf[j] as number;
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  if (j > i && (j === end || buf[j] === 0)) return v;
  return parseInt(buf.toString('utf8', i, end), 8);
}

function cstring(buf: Buffer, at: number, len: number, encoding: 'latin1' | 'utf8'): string {
  let end = at;
  const limit = at + len;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString(encoding, at, end);
}

function checksum(buf: Buffer): number {
  let sum = EMPTY_SUM;
  for (let i = 0; i < 148; i++) sum += buf[i] as number;
  for (let i = 156; i < BLOCK; i++) sum += buf[i] as number;
  return sum;
}

const isUstar = (b: Buffer): boolean => b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === 0;
const isGnu = (b: Buffer): boolean =>
  b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === 0x20 && b[263] === 0x20 && b[264] === 0;

/** One header block; null for an all-zero (end-of-archive) block. */
export function decodeHeader(buf: Buffer, allowUnknownFormat: boolean): TarHeader | null {
  const sum = checksum(buf);
  if (sum === EMPTY_SUM) return null;
  if (sum !== numeric(buf, 148, 8)) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
  let name = cstring(buf, 0, 100, 'latin1');
  if (isUstar(buf)) {
    if (buf[345]) name = cstring(buf, 345, 155, 'latin1') + '/' + name;
  } else if (!isGnu(buf) && !allowUnknownFormat) {
    throw new Error('Invalid tar header: unknown format.');
  }
  const flag = buf[156] === 0 ? 0 : (buf[156] as number) - 0x30;
  return {
    name,
    mode: numeric(buf, 100, 8),
    uid: numeric(buf, 108, 8),
    gid: numeric(buf, 116, 8),
    size: numeric(buf, 124, 12),
    mtime: numeric(buf, 136, 12),
    type: TYPES[flag] ?? null,
    linkname: buf[157] === 0 ? null : cstring(buf, 157, 100, 'latin1'),
    uname: cstring(buf, 265, 32, 'utf8'),
    gname: cstring(buf, 297, 32, 'utf8'),
    devmajor: numeric(buf, 329, 8),
    devminor: numeric(buf, 337, 8),
    pax: null,
  };
}

/** PAX records with Latin-1 values (one char per byte). */
function latin1Records(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of decodePax(data)) out[k] = v.toString('latin1');
  return out;
}

const padding = (size: number): number => {
  const rest = size & 511;
  return rest && BLOCK - rest;
};

const enum State {
  Header,
  /** PAX or long-name data, gathered whole. */
  Long,
  Body,
  Skip,
}

export class TarParser {
  private state = State.Header;
  /** Bytes still to come of the current state (body, long data, padding). */
  private missing = 0;
  /** A header or long data split across chunks. */
  private parts: Buffer[] = [];
  private gathered = 0;
  private longType: TarType | null = null;
  private longSize = 0;
  private pax: Record<string, string> | null = null;
  private paxGlobal: Record<string, string> | null = null;
  private longPath: string | null = null;
  private longLink: string | null = null;

  constructor(
    private readonly sink: TarSink,
    private readonly allowUnknownFormat = false,
  ) {}

  /** Parse `chunk` from `at`; returns where it stopped: chunk.length, or earlier when the sink paused. */
  write(chunk: Buffer, at = 0): number {
    let pos = at;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case State.Header: {
          let block: Buffer;
          if (this.gathered === 0 && len - pos >= BLOCK) {
            block = chunk.subarray(pos, pos + BLOCK);
            pos += BLOCK;
          } else {
            const take = Math.min(BLOCK - this.gathered, len - pos);
            this.parts.push(chunk.subarray(pos, pos + take));
            this.gathered += take;
            pos += take;
            if (this.gathered < BLOCK) return pos;
            block = Buffer.concat(this.parts, BLOCK);
            this.parts = [];
            this.gathered = 0;
          }
          if (!this.onHeader(block)) return pos;
          break;
        }
        case State.Long: {
          const take = Math.min(this.missing, len - pos);
          this.parts.push(chunk.subarray(pos, pos + take));
          this.missing -= take;
          pos += take;
          if (this.missing > 0) return pos;
          const data = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
          this.parts = [];
          this.onLong(data);
          this.missing = padding(this.longSize);
          this.state = this.missing > 0 ? State.Skip : State.Header;
          break;
        }
        case State.Body: {
          const take = Math.min(this.missing, len - pos);
          const more = this.sink.body(take === len && pos === 0 ? chunk : chunk.subarray(pos, pos + take));
          this.missing -= take;
          pos += take;
          if (this.missing === 0) this.endBody();
          if (!more) return pos;
          break;
        }
        case State.Skip: {
          const take = Math.min(this.missing, len - pos);
          this.missing -= take;
          pos += take;
          if (this.missing === 0) this.state = State.Header;
          break;
        }
      }
    }
    return pos;
  }

  /** The input ended: an error unless it ended between members. */
  final(): void {
    if (this.state !== State.Header || this.gathered !== 0) throw new Error('Unexpected end of data');
  }

  private bodySize = 0;

  private endBody(): void {
    this.sink.memberEnd();
    this.missing = padding(this.bodySize);
    this.state = this.missing > 0 ? State.Skip : State.Header;
  }

  /** False when the sink paused (on an empty body). */
  private onHeader(block: Buffer): boolean {
    const h = decodeHeader(block, this.allowUnknownFormat);
    if (!h) return true;
    switch (h.type) {
      case 'gnu-long-path':
      case 'gnu-long-link-path':
      case 'pax-global-header':
      case 'pax-header': {
        const size = h.size ?? 0;
        if (size > MAX_HEADER_SIZE) throw new Error('Header exceeds max size');
        if (!(size >= 0)) throw new Error('Invalid header');
        this.longType = h.type;
        this.longSize = size;
        this.missing = size;
        if (size === 0) this.onLong(Buffer.alloc(0));
        else this.state = State.Long;
        return true;
      }
    }
    if (this.longPath) h.name = this.longPath;
    if (this.longLink) h.linkname = this.longLink;
    this.longPath = this.longLink = null;
    if (this.pax) {
      if (this.pax.path) h.name = this.pax.path;
      if (this.pax.linkpath) h.linkname = this.pax.linkpath;
      if (this.pax.size) h.size = parseInt(this.pax.size, 10);
      h.pax = this.pax;
      this.pax = null;
    }
    // null (a field of neither octal nor base-256) passes, as in tar-stream, and means no body
    if (!((h.size as number) >= 0)) throw new Error('Invalid header');
    const size = h.type === 'directory' ? 0 : (h.size ?? 0);
    this.sink.header(h, size);
    if (size === 0) {
      this.sink.memberEnd();
      return true;
    }
    this.bodySize = size;
    this.missing = size;
    this.state = State.Body;
    return true;
  }

  private onLong(data: Buffer): void {
    switch (this.longType) {
      case 'gnu-long-path':
        this.longPath = cstring(data, 0, data.length, 'latin1');
        break;
      case 'gnu-long-link-path':
        this.longLink = cstring(data, 0, data.length, 'latin1');
        break;
      case 'pax-global-header':
        this.paxGlobal = latin1Records(data);
        break;
      case 'pax-header':
        this.pax = { ...(this.paxGlobal ?? {}), ...latin1Records(data) };
        break;
      default:
        break;
    }
  }
}

/** Every member of a whole tar in memory, bodies copied (the tar comparator's members). */
export function parseTar(chunks: Iterable<Buffer>, allowUnknownFormat = false): { header: TarHeader; data: Buffer }[] {
  const out: { header: TarHeader; data: Buffer }[] = [];
  let current: { header: TarHeader; parts: Buffer[] } | undefined;
  const parser = new TarParser(
    {
      header: (header) => (current = { header, parts: [] }),
      body: (c) => (current?.parts.push(Buffer.from(c)), true),
      memberEnd: () => {
        if (current) out.push({ header: current.header, data: Buffer.concat(current.parts) });
        current = undefined;
      },
    },
    allowUnknownFormat,
  );
  for (const c of chunks) parser.write(c);
  parser.final();
  return out;
}
