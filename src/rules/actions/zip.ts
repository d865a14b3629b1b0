// zip/jar/whl normalization after strip-nondeterminism's zip handler: members sorted by name, every DOS
// timestamp set to the epoch (not before 1980-01-01, the format's floor), extra fields (UT/ux/UID records
// carrying mtimes, atimes and build-user ids) dropped, data descriptors folded into the headers. Compressed
// data is copied, never recompressed, so member contents and CRCs stay what they were (APPNOTE.TXT 4.3).
import type { ContentContext, ContentResult } from './result.js';
import { readZip, type ZipArchive, type ZipMember } from '../../formats/zip.js';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const DOS_FLOOR = 315532800; // 1980-01-01T00:00:00Z

function dosDateTime(epoch: number): { time: number; date: number } {
  const d = new Date(Math.max(epoch, DOS_FLOOR) * 1000);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
}

/**
 * The fields the local header (from offset 4) and the central directory header (from offset 6) share, in
 * the same order (APPNOTE.TXT 4.3.7 and 4.3.12): version needed, flags, method, time, date, CRC, compressed
 * and uncompressed size, name length, extra field length (0: the extra fields are dropped).
 */
function writeShared(b: Buffer, at: number, m: ZipMember, flags: number, time: number, date: number): void {
  b.writeUInt16LE(m.versionNeeded, at);
  b.writeUInt16LE(flags, at + 2);
  b.writeUInt16LE(m.method, at + 4);
  b.writeUInt16LE(time, at + 6);
  b.writeUInt16LE(date, at + 8);
  b.writeUInt32LE(m.crc, at + 10);
  b.writeUInt32LE(m.compressed.length, at + 14);
  b.writeUInt32LE(m.size, at + 18);
  b.writeUInt16LE(m.rawName.length, at + 22);
  b.writeUInt16LE(0, at + 24);
}

export function zipNormalize(data: Buffer, ctx: ContentContext): ContentResult {
  let zip: ZipArchive;
  try {
    zip = readZip(data);
  } catch (err) {
    return { skip: `zip not normalized: ${(err as Error).message}` };
  }
  const members = [...zip.members].sort((a, b) => Buffer.compare(a.rawName, b.rawName));
  const { time, date } = dosDateTime(ctx.epoch);
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const flags = m.flags & ~0x0008; // sizes now live in the local header: no data descriptor
    const comment = Buffer.from(m.comment, 'latin1');
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(LOC_SIG, 0);
    writeShared(loc, 4, m, flags, time, date);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(CEN_SIG, 0);
    cen.writeUInt16LE(m.madeBy, 4);
    writeShared(cen, 6, m, flags, time, date);
    cen.writeUInt16LE(comment.length, 32);
    cen.writeUInt16LE(0, 34);
    cen.writeUInt16LE(m.internalAttr, 36);
    cen.writeUInt32LE(m.externalAttr, 38);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, m.rawName, m.compressed);
    central.push(cen, m.rawName, comment);
    offset += 30 + m.rawName.length + m.compressed.length;
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const archiveComment = Buffer.from(zip.comment, 'latin1');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD_SIG, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(archiveComment.length, 20);
  return { data: Buffer.concat([...locals, ...central, end, archiveComment]) };
}
