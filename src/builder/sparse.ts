// GNU tar's sparse format 1.0 (PAX GNU.sparse.major=1, minor=0), which the reader keeps as stored: the
// member's body starts with the map (decimal lines: the number of regions, then offset and size of each,
// zero-padded to a 512-byte block), followed by the regions' data. Unpacking it into the tree writes each
// region at its offset and sets the real size, so the tree holds the file, holes and all.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Entry } from '../core/entry.js';
import { ReproError } from '../core/errors.js';

const BLOCK = 512;

/** True for a member whose body is a sparse map plus data (format 1.0). */
export function isSparse(entry: Entry): boolean {
  return entry.pax['GNU.sparse.major']?.toString() === '1' && entry.pax['GNU.sparse.minor']?.toString() === '0';
}

/** The regions once the whole map is in `buf`, and where the data starts; undefined while more is needed. */
function parseMap(buf: Buffer, where: string): { regions: [number, number][]; dataAt: number } | undefined {
  const numbers: number[] = [];
  let at = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) return undefined;
    const text = buf.subarray(at, nl).toString('latin1');
    if (!/^\d{1,15}$/.test(text)) throw new ReproError(`bad sparse map in ${where}`, where);
    numbers.push(Number(text));
    at = nl + 1;
    if (numbers.length === 1 + 2 * numbers[0]!) break;
  }
  const dataAt = Math.ceil(at / BLOCK) * BLOCK;
  if (buf.length < dataAt) return undefined;
  const regions: [number, number][] = [];
  for (let i = 1; i < numbers.length; i += 2) regions.push([numbers[i]!, numbers[i + 1]!]);
  return { regions, dataAt };
}

/** Write the sparse member `body` to the new file `at` (created exclusively, like any member). */
export async function writeSparse(body: Readable, at: string | Buffer, entry: Entry, where: string): Promise<void> {
  const realSize = Number(entry.pax['GNU.sparse.realsize']?.toString() ?? NaN);
  if (!Number.isSafeInteger(realSize)) throw new ReproError(`sparse member ${entry.path} without GNU.sparse.realsize`, where);
  const fh = await open(at, 'wx', 0o600);
  try {
    let head = Buffer.alloc(0);
    let map: ReturnType<typeof parseMap>;
    let region = 0;
    let done = 0; // bytes of the current region written
    for await (const chunk of body) {
      let data = chunk as Buffer;
      if (!map) {
        head = Buffer.concat([head, data]);
        map = parseMap(head, where);
        if (!map) continue;
        data = head.subarray(map.dataAt);
      }
      while (data.length > 0 && region < map.regions.length) {
        const [offset, size] = map.regions[region]!;
        const n = Math.min(size - done, data.length);
        await fh.write(data, 0, n, offset + done);
        data = data.subarray(n);
        done += n;
        if (done === size) {
          region++;
          done = 0;
        }
      }
    }
    if (!map) throw new ReproError(`sparse member ${entry.path} ends inside its map`, where);
    await fh.truncate(realSize);
  } finally {
    await fh.close();
  }
}
