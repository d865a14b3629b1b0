// Content sniffing shared by comparators: the first bytes decide, never the file name.

/** UTF-8 valid and no NUL in the first 8 KiB → text (a multi-byte character cut at the edge is allowed). */
export function isText(buf: Buffer): boolean {
  const head = buf.subarray(0, 8192);
  if (head.includes(0)) return false;
  // Trim a possibly cut multi-byte sequence at the end of the window before validating.
  let end = head.length;
  if (buf.length > head.length) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && ((head[end - back - 1] ?? 0) & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && ((head[end - back - 1] ?? 0) & 0xc0) === 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

export function startsWith(head: Buffer, magic: readonly number[], offset = 0): boolean {
  if (head.length < offset + magic.length) return false;
  return magic.every((byte, i) => head[offset + i] === byte);
}
