// The one zip reader (APPNOTE.TXT §4.3), shared by the zip comparator and the zip-normalize rule: the
// central directory is the truth for names and order, each local header is read for its own extra fields.
// Zip64 and multi-disk archives are refused with an error the callers turn into a warning.

export interface ZipMember {
  name: string;
  /** The name as stored (not always UTF-8): what a rewriter copies back. */
  rawName: Buffer;
  method: number;
  flags: number;
  /** DOS date/time as stored (2-second resolution, local time). */
  dosTime: number;
  dosDate: number;
  crc: number;
  compressed: Buffer;
  size: number;
  madeBy: number;
  versionNeeded: number;
  internalAttr: number;
  externalAttr: number;
  centralExtra: Buffer;
  localExtra: Buffer;
  comment: string;
}

export interface ZipArchive {
  members: ZipMember[];
  comment: string;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function findEocd(buf: Buffer): number {
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 0xffff); at--) {
    if (buf.readUInt32LE(at) === EOCD) return at;
  }
  throw new Error('no end of central directory record');
}

export function readZip(buf: Buffer): ZipArchive {
  const eocd = findEocd(buf);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new Error('zip64 archives are not parsed');
  const comment = buf.subarray(eocd + 22, eocd + 22 + buf.readUInt16LE(eocd + 20)).toString('latin1');
  const members: ZipMember[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== CENTRAL) throw new Error(`bad central directory entry ${i}`);
    const nlen = buf.readUInt16LE(at + 28);
    const elen = buf.readUInt16LE(at + 30);
    const clen = buf.readUInt16LE(at + 32);
    const csize = buf.readUInt32LE(at + 20);
    const local = buf.readUInt32LE(at + 42);
    if (csize === 0xffffffff || local === 0xffffffff) throw new Error('zip64 members are not parsed');
    if (buf.readUInt32LE(local) !== LOCAL) throw new Error(`bad local header for entry ${i}`);
    const lnlen = buf.readUInt16LE(local + 26);
    const lelen = buf.readUInt16LE(local + 28);
    const dataAt = local + 30 + lnlen + lelen;
    if (dataAt + csize > buf.length) throw new Error(`entry ${i} runs past the end of the archive`);
    members.push({
      name: buf.subarray(at + 46, at + 46 + nlen).toString('utf8'),
      rawName: buf.subarray(at + 46, at + 46 + nlen),
      madeBy: buf.readUInt16LE(at + 4),
      versionNeeded: buf.readUInt16LE(at + 6),
      internalAttr: buf.readUInt16LE(at + 36),
      flags: buf.readUInt16LE(at + 8),
      method: buf.readUInt16LE(at + 10),
      dosTime: buf.readUInt16LE(at + 12),
      dosDate: buf.readUInt16LE(at + 14),
      crc: buf.readUInt32LE(at + 16),
      size: buf.readUInt32LE(at + 24),
      externalAttr: buf.readUInt32LE(at + 38),
      centralExtra: buf.subarray(at + 46 + nlen, at + 46 + nlen + elen),
      localExtra: buf.subarray(local + 30 + lnlen, dataAt),
      comment: buf.subarray(at + 46 + nlen + elen, at + 46 + nlen + elen + clen).toString('latin1'),
      compressed: buf.subarray(dataAt, dataAt + csize),
    });
    at += 46 + nlen + elen + clen;
  }
  return { members, comment };
}
