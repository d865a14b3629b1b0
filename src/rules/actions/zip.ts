// zip/jar/whl normalization after strip-nondeterminism's zip handler: members sorted by name, every DOS
// timestamp set to the epoch (not before 1980-01-01, the format's floor), extra fields (UT/ux/UID records
// carrying mtimes, atimes and build-user ids) dropped, data descriptors folded into the headers. Compressed
// data is copied, never recompressed, so member contents and CRCs stay what they were (APPNOTE.TXT 4.3).
import type { ContentContext, ContentResult } from './result.js';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const DOS_FLOOR = 315532800; // 1980-01-01T00:00:00Z

interface Member {
  name: Buffer;
  versionMadeBy: number;
  versionNeeded: number;
  flags: number;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  comment: Buffer;
  internalAttr: number;
  externalAttr: number;
  data: Buffer;
}

function dosDateTime(epoch: number): { time: number; date: number } {
  const d = new Date(Math.max(epoch, DOS_FLOOR) * 1000);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
}

function findEocd(buf: Buffer): number {
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) return i;
  }
  return -1;
}

function readMembers(buf: Buffer, eocd: number): Member[] {
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new Error('zip64 archives are not normalized');
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== CEN_SIG) throw new Error(`bad central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const csize = buf.readUInt32LE(p + 20);
    const local = buf.readUInt32LE(p + 42);
    if (csize === 0xffffffff || local === 0xffffffff) throw new Error('zip64 members are not normalized');
    if (buf.readUInt32LE(local) !== LOC_SIG) throw new Error(`bad local header for entry ${i}`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (dataStart + csize > buf.length) throw new Error(`entry ${i} runs past the end`);
    members.push({
      versionMadeBy: buf.readUInt16LE(p + 4),
      versionNeeded: buf.readUInt16LE(p + 6),
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      csize,
      usize: buf.readUInt32LE(p + 24),
      internalAttr: buf.readUInt16LE(p + 36),
      externalAttr: buf.readUInt32LE(p + 38),
      name: buf.subarray(p + 46, p + 46 + nameLen),
      comment: buf.subarray(p + 46 + nameLen + extraLen, p + 46 + nameLen + extraLen + commentLen),
      data: buf.subarray(dataStart, dataStart + csize),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

export function zipNormalize(data: Buffer, ctx: ContentContext): ContentResult {
  const eocd = data.length >= 22 ? findEocd(data) : -1;
  if (eocd < 0) return { skip: 'not a zip archive (no end of central directory)' };
  let members: Member[];
  try {
    members = readMembers(data, eocd);
  } catch (err) {
    return { skip: `zip not normalized: ${(err as Error).message}` };
  }
  members.sort((a, b) => Buffer.compare(a.name, b.name));
  const { time, date } = dosDateTime(ctx.epoch);
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const flags = m.flags & ~0x0008; // sizes now live in the local header: no data descriptor
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(LOC_SIG, 0);
    loc.writeUInt16LE(m.versionNeeded, 4);
    loc.writeUInt16LE(flags, 6);
    loc.writeUInt16LE(m.method, 8);
    loc.writeUInt16LE(time, 10);
    loc.writeUInt16LE(date, 12);
    loc.writeUInt32LE(m.crc, 14);
    loc.writeUInt32LE(m.csize, 18);
    loc.writeUInt32LE(m.usize, 22);
    loc.writeUInt16LE(m.name.length, 26);
    loc.writeUInt16LE(0, 28);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(CEN_SIG, 0);
    cen.writeUInt16LE(m.versionMadeBy, 4);
    cen.writeUInt16LE(m.versionNeeded, 6);
    cen.writeUInt16LE(flags, 8);
    cen.writeUInt16LE(m.method, 10);
    cen.writeUInt16LE(time, 12);
    cen.writeUInt16LE(date, 14);
    cen.writeUInt32LE(m.crc, 16);
    cen.writeUInt32LE(m.csize, 20);
    cen.writeUInt32LE(m.usize, 24);
    cen.writeUInt16LE(m.name.length, 28);
    cen.writeUInt16LE(0, 30);
    cen.writeUInt16LE(m.comment.length, 32);
    cen.writeUInt16LE(0, 34);
    cen.writeUInt16LE(m.internalAttr, 36);
    cen.writeUInt32LE(m.externalAttr, 38);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, m.name, m.data);
    central.push(cen, m.name, m.comment);
    offset += 30 + m.name.length + m.data.length;
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const commentLen = data.readUInt16LE(eocd + 20);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD_SIG, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentLen, 20);
  return { data: Buffer.concat([...locals, ...central, end, data.subarray(eocd + 22, eocd + 22 + commentLen)]) };
}
