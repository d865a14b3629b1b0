// The reader's tar framing (src/image/tar-parse.ts): the same members however the bytes are cut into chunks
// or the sink pauses, tar-stream's reading of the edges it replaced (numeric fields, zero blocks, a
// directory's size, GNU long names, global PAX records), and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import tar from 'tar-stream';
import { TarParser, decodeHeader, parseTar, type TarHeader } from '../../src/image/tar-parse.js';
import { gnuLong, paxBytes, rawHeader, rawTar } from '../helpers/images-extra.js';

/** An archive with every framing the parser knows, each body spanning blocks differently. */
function sample(): Buffer {
  const big = Buffer.alloc(70_000, 0x61);
  return Buffer.concat([
    rawTar([{ name: 'PaxHeader/g', flag: 'g', body: paxBytes([['comment', Buffer.from('global')], ['uname', Buffer.from('builder')]]) }], { eoa: false }),
    rawTar([{ name: 'etc/', flag: '5' }], { eoa: false }),
    // a zero block between members is skipped, not the end
    Buffer.alloc(512),
    rawTar(gnuLong('usr/share/' + 'long-name/'.repeat(14) + 'file', { body: 'long' }), { eoa: false }),
    rawTar([{ name: '././@LongLink', flag: 'K', body: 'target/'.repeat(20) + 'x\0', format: 'gnu' }, { name: 'link', flag: '2', format: 'gnu' }], { eoa: false }),
    rawTar([{ name: 'PaxHeader/x', flag: 'x', body: paxBytes([['path', Buffer.from('bin/caf\xe9', 'latin1')], ['SCHILY.xattr.user.k', Buffer.from([0, 0x80, 0xff])]]) }, { name: 'bin/cafe', body: 'pax' }], { eoa: false }),
    rawTar([{ name: 'old-v7', body: 'v7', format: 'v7' }, { name: 'big.bin', body: big }, { name: 'empty' }, { name: 'dev/sda', flag: '4', devmajor: 8, devminor: 1 }]),
  ]);
}

interface Seen {
  header: TarHeader;
  data: string;
}

/** Parse `chunks`, the sink pausing every `pauseEvery`-th body chunk (0: never). */
function parse(chunks: Buffer[], pauseEvery = 0): Seen[] {
  const out: Seen[] = [];
  let current: { header: TarHeader; parts: Buffer[] } | undefined;
  let bodies = 0;
  const parser = new TarParser(
    {
      header: (header) => (current = { header, parts: [] }),
      body: (c) => {
        current?.parts.push(Buffer.from(c));
        return pauseEvery === 0 || ++bodies % pauseEvery !== 0;
      },
      memberEnd: () => {
        if (current) out.push({ header: current.header, data: Buffer.concat(current.parts).toString('latin1') });
      },
    },
    true,
  );
  for (const c of chunks) {
    let at = 0;
    do at = parser.write(c, at);
    while (at < c.length);
  }
  parser.final();
  return out;
}

function cut(buf: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out.filter((c) => c.length > 0);
}

test('members are the same however the archive is cut into chunks and whenever the sink pauses', () => {
  const tarBytes = sample();
  const whole = parse([tarBytes]);
  assert.deepEqual(
    whole.map((m) => [m.header.name, m.header.type, m.data.length]),
    [
      ['etc/', 'directory', 0],
      ['usr/share/' + 'long-name/'.repeat(14) + 'file', 'file', 4],
      ['link', 'symlink', 0],
      ['bin/caf\xe9', 'file', 3],
      ['old-v7', 'file', 2],
      ['big.bin', 'file', 70_000],
      ['empty', 'file', 0],
      ['dev/sda', 'block-device', 0],
    ],
  );
  assert.equal(whole[2]?.header.linkname, 'target/'.repeat(20) + 'x');
  // the member's PAX records lie over the global ones; members without their own get none (as tar-stream)
  assert.deepEqual(whole[3]?.header.pax, { comment: 'global', uname: 'builder', path: 'bin/caf\xe9', 'SCHILY.xattr.user.k': '\x00\x80\xff' });
  assert.equal(whole[0]?.header.pax, null);
  assert.deepEqual([whole[7]?.header.devmajor, whole[7]?.header.devminor], [8, 1]);
  fc.assert(
    fc.property(fc.array(fc.nat({ max: tarBytes.length }), { maxLength: 40 }), fc.nat({ max: 3 }), (points, pauseEvery) => {
      assert.deepEqual(parse(cut(tarBytes, points), pauseEvery), whole);
    }),
    { numRuns: 200 },
  );
});

test('headers read as tar-stream read them: same fields for every member of a packed archive', async () => {
  const pack = tar.pack();
  const mtime = new Date(1_700_000_000_000);
  pack.entry({ name: 'a/file', mode: 0o4755, uid: 1000, gid: 1001, uname: 'ü-user', gname: 'grp', mtime, size: 3 }, 'abc');
  pack.entry({ name: 'a/' + 'deep/'.repeat(40) + 'f', mtime, size: 1 }, 'x');
  pack.entry({ name: 'a/link', type: 'symlink', linkname: '../' + 't'.repeat(150), mtime });
  pack.entry({ name: 'a/hard', type: 'link', linkname: 'a/file', mtime });
  pack.entry({ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mtime });
  pack.entry({ name: 'big', size: 9, mtime: new Date(-86_400_000) }, 'ninebytes');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const archive = Buffer.concat(chunks);
  const theirs: tar.Header[] = [];
  const ex = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  Readable.from([archive]).pipe(ex);
  for await (const m of ex) {
    theirs.push(m.header);
    m.resume();
  }
  const ours = parseTar([archive]).map((m) => m.header);
  assert.equal(ours.length, theirs.length);
  ours.forEach((h, i) => {
    const t = theirs[i] as tar.Header & { devmajor: number; devminor: number };
    const { pax: _p, mtime: m, ...rest } = h;
    assert.deepEqual(rest, { name: t.name, mode: t.mode, uid: t.uid, gid: t.gid, size: t.size, type: t.type, linkname: t.linkname, uname: t.uname, gname: t.gname, devmajor: t.devmajor, devminor: t.devminor });
    assert.equal((m ?? 0) * 1000, t.mtime?.getTime());
  });
});

test('numeric fields: octal with spaces or NULs around it, base-256, and what is neither', () => {
  const header = (field: Buffer, at: number): TarHeader => {
    const h = rawHeader({ name: 'f' });
    h.fill(0, at, at + 8);
    field.copy(h, at);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    return decodeHeader(h, false) as TarHeader;
  };
  const mode = (s: string | Buffer): number | null => header(typeof s === 'string' ? Buffer.from(s, 'latin1') : s, 100).mode;
  assert.equal(mode('0000644\0'), 0o644);
  assert.equal(mode('  644 \0'), 0o644);
  assert.equal(mode('\x00\x000644'), 0o644);
  assert.equal(mode('644'), 0o644);
  assert.equal(mode('        '), 0);
  assert.equal(mode('12x'), 0o12); // parseInt reads the digits before the first other character
  assert.ok(Number.isNaN(mode('x12')));
  assert.equal(mode(Buffer.from([0x80, 0, 0, 0, 0, 0, 1, 0])), 256);
  assert.equal(mode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])), -1);
  assert.equal(mode(Buffer.from([0x81, 0, 0, 0, 0, 0, 0, 1])), null);
});

test('errors: a bad checksum, an unknown format when not allowed, a cut archive, oversized PAX data', () => {
  const good = rawTar([{ name: 'a', body: 'x' }]);
  const bad = Buffer.from(good);
  bad[0] = 0x62;
  assert.throws(() => parseTar([bad]), /Invalid tar header\. Maybe/);
  assert.throws(() => parseTar([rawTar([{ name: 'a', format: 'v7' }])]), /Invalid tar header: unknown format/);
  assert.doesNotThrow(() => parseTar([rawTar([{ name: 'a', format: 'v7' }])], true));
  assert.throws(() => parseTar([good.subarray(0, 700)]), /Unexpected end of data/);
  assert.throws(() => parseTar([good.subarray(0, 300)]), /Unexpected end of data/);
  assert.throws(() => parseTar([rawTar([{ name: 'PaxHeader/x', flag: 'x', size: 5 * 2 ** 20 }])]), /Header exceeds max size/);
  // a directory's size is no body: the next header follows at once
  const dir = Buffer.concat([rawHeader({ name: 'd/', flag: '5', size: 512 }), rawTar([{ name: 'd/f', body: 'y' }])]);
  assert.deepEqual(parseTar([dir]).map((m) => [m.header.name, m.data.toString()]), [['d/', ''], ['d/f', 'y']]);
});
