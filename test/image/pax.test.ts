// The PAX codec (src/image/pax.ts) on both sides (the reader's parser, tar-parse.ts, and the writer's
// headers, tar-header.ts): values are bytes end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePax, encodePax, encodePaxRecord } from '../../src/image/pax.js';
import { parseTar } from '../../src/image/tar-parse.js';
import { entryFromHeader } from '../../src/image/tar-entry.js';
import { paxBytes, rawTar } from '../helpers/images-extra.js';

test('records of any bytes decode to what was encoded; the length prefix counts its own digits', () => {
  const key = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
  fc.assert(fc.property(fc.uniqueArray(fc.tuple(key, fc.uint8Array({ maxLength: 300 })), { selector: (r) => r[0], maxLength: 6 }), (records) => {
    const given = records.map(([k, v]) => [k, Buffer.from(v)] as [string, Buffer]);
    assert.deepEqual([...decodePax(encodePax(given))], given);
  }));
  // 1 + " a=" + 5 + "\n" = 10 bytes needs 2 digits: "11 a=xxxxx\n" is 11 bytes
  assert.equal(encodePaxRecord('a', Buffer.from('xxxxx')).toString(), '11 a=xxxxx\n');
  for (let n = 80; n < 110; n++) {
    const rec = encodePaxRecord('k', Buffer.alloc(n, 0x80));
    assert.equal(Number(rec.toString('latin1').split(' ')[0]), rec.length, `value of ${n} bytes`);
  }
});

test('a malformed record ends the parse and keeps what came before it', () => {
  const good = encodePaxRecord('a', Buffer.from('1'));
  assert.deepEqual([...decodePax(Buffer.concat([good, Buffer.from('99 b=2\n')]))], [['a', Buffer.from('1')]]);
  assert.deepEqual([...decodePax(Buffer.from('x a=1\n'))], []);
});

test('the reader hands on PAX values and names as bytes (tar-stream alone made 0x80 into EF BF BD)', async () => {
  const cap = Buffer.from('0100000280200000000000000000000000000000', 'hex');
  const tar = rawTar([
    { name: 'PaxHeader', flag: 'x', body: paxBytes([['path', Buffer.from('bin/caf\xe9', 'latin1')], ['SCHILY.xattr.security.capability', cap], ['LIBARCHIVE.x', Buffer.from([0xff])]]) },
    { name: 'bin/x', body: 'ELF' },
  ]);
  const entries = parseTar([tar]).map((m) => entryFromHeader(m.header));
  assert.equal(entries.length, 1);
  assert.deepEqual(entries[0]?.xattrs, { 'security.capability': cap });
  assert.deepEqual(entries[0]?.pax, { 'LIBARCHIVE.x': Buffer.from([0xff]) });
  assert.equal(entries[0]?.path, 'bin/caf\udce9');
});
