// The one gzip member header reader (RFC 1952 §2.3), shared by the gzip comparator (which tells header
// differences from payload ones) and the gzip-normalize rule (which rewrites the header, keeping FEXTRA).

export const FHCRC = 2;
export const FEXTRA = 4;
export const FNAME = 8;
export const FCOMMENT = 16;

export interface GzipHeader {
  flags: number;
  mtime: number;
  xfl: number;
  os: number;
  /** The FEXTRA field as stored: XLEN (2 bytes, little-endian) and its data. */
  extra?: Buffer;
  /** FNAME and FCOMMENT without their terminating zero: bytes (ISO 8859-1 by the RFC). */
  name?: Buffer;
  comment?: Buffer;
  /** Offset of the deflate data: after the header and its CRC16 when FHCRC is set. */
  end: number;
}

function zeroTerminated(buf: Buffer, at: number): [Buffer, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new Error('gzip header string not terminated');
  return [buf.subarray(at, end), end + 1];
}

/** The header of the member starting at `at`; throws when there is no gzip magic or the header is cut. */
export function parseGzipHeader(buf: Buffer, at = 0): GzipHeader {
  if (buf.length < at + 10 || buf[at] !== 0x1f || buf[at + 1] !== 0x8b) throw new Error('not a gzip stream');
  const flags = buf[at + 3] ?? 0;
  const header: GzipHeader = { flags, mtime: buf.readUInt32LE(at + 4), xfl: buf[at + 8] ?? 0, os: buf[at + 9] ?? 0, end: 0 };
  let p = at + 10;
  if (flags & FEXTRA) {
    const xlen = buf.readUInt16LE(p);
    if (p + 2 + xlen > buf.length) throw new Error('gzip extra field cut short');
    header.extra = buf.subarray(p, p + 2 + xlen);
    p += 2 + xlen;
  }
  if (flags & FNAME) [header.name, p] = zeroTerminated(buf, p);
  if (flags & FCOMMENT) [header.comment, p] = zeroTerminated(buf, p);
  if (flags & FHCRC) p += 2;
  header.end = p;
  return header;
}
