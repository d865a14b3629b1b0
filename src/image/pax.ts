// PAX extended header records (POSIX.1-2001 pax, "Extended Header Format"): "<len> <key>=<value>\n", where
// len counts the whole record in bytes. Values are bytes: SCHILY.xattr.security.capability is a binary
// struct (0x80 bytes and NULs), a path may be Latin-1. tar-stream decodes every record as UTF-8 text, which
// turns each invalid byte into EF BF BD (a 20-byte capability became 22 bytes and the kernel rejected it),
// and encodes values from JS strings. So records are read and written here, as bytes (tar-parse.ts frames
// archives when reading, tar-stream when writing).

/** Records in order; a key given twice keeps its last value (POSIX: a later record overrides). */
export type PaxRecords = Map<string, Buffer>;

/** Parse an extended header's data. Keys are UTF-8 (POSIX requires it); values stay bytes. A malformed
 * record ends the parse, as GNU tar and tar-stream do (what was read before it is kept). */
export function decodePax(data: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1 || sp - pos > 20) break;
    const lenText = data.toString('latin1', pos, sp);
    if (!/^\d+$/.test(lenText)) break;
    const len = Number(lenText);
    const end = pos + len;
    if (len <= sp - pos + 1 || end > data.length || data[end - 1] !== 0x0a) break;
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq === -1 || eq >= end - 1) break;
    const key = data.toString('utf8', sp + 1, eq);
    out.set(key, Buffer.from(data.subarray(eq + 1, end - 1)));
    pos = end;
  }
  return out;
}

/** One record: the length prefix counts its own digits (a record of 98 bytes + 2 digits = 100 needs 3). */
export function encodePaxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let len = body.length + String(body.length).length;
  if (String(len).length !== String(body.length).length) len = body.length + String(len).length;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

export function encodePax(records: Iterable<[string, Buffer]>): Buffer {
  return Buffer.concat([...records].map(([k, v]) => encodePaxRecord(k, v)));
}
