import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { entryFrom } from '../../src/core/entry.js';
import { clampMtime, setMtime } from '../../src/rules/actions/mtime.js';
import { setMode, setOwner } from '../../src/rules/actions/owner-mode.js';
import { regexReplace, sortLines } from '../../src/rules/actions/text.js';
import { sortJsonKeys } from '../../src/rules/actions/json.js';
import { gzipNormalize } from '../../src/rules/actions/gzip.js';
import { zipNormalize } from '../../src/rules/actions/zip.js';
import type { ContentResult } from '../../src/rules/actions/result.js';
import { testDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { pairs } from '../fixtures/pairs.js';
const ctx = { epoch: 1_700_000_000, path: '/x', maxBytes: 1 << 20 };

function bytes(r: ContentResult): Buffer {
  if ('skip' in r) throw new Error(`skipped: ${r.skip}`);
  return r.data;
}

test('clamp-mtime moves only later times to the epoch and drops PAX times; set-mtime sets', () => {
  const late = entryFrom({ path: 'a', type: 'file', mtime: 1_800_000_000.5, pax: { atime: Buffer.from('1'), ctime: Buffer.from('2'), 'SCHILY.fflags': Buffer.from('x') } });
  const early = entryFrom({ path: 'b', type: 'file', mtime: 1_000_000_000 });
  assert.equal(clampMtime(late, 1_700_000_000).mtime, 1_700_000_000);
  assert.deepEqual(clampMtime(late, 1_700_000_000).pax, { 'SCHILY.fflags': Buffer.from('x') });
  assert.equal(clampMtime(early, 1_700_000_000).mtime, 1_000_000_000);
  assert.equal(setMtime(early, 5).mtime, 5);
});

test('set-owner and set-mode change only what they name', () => {
  const e = entryFrom({ path: 'a', type: 'file', uid: 1000, gid: 1000, uname: 'me', gname: 'me', mode: 0o600 });
  const o = setOwner(e, 0, undefined);
  assert.deepEqual([o.uid, o.gid, o.uname, o.gname], [0, 1000, '', 'me']);
  assert.equal(setMode(e, 0o4755).mode, 0o4755);
});

test('sort-lines: whole lines or by a field, trailing newline kept; both orders of the text-order pair become one', async () => {
  assert.equal(bytes(sortLines(Buffer.from('b\na\nc\n'))).toString(), 'a\nb\nc\n');
  assert.equal(bytes(sortLines(Buffer.from('x:3\ny:1\nz:2'), 2, ':')).toString(), 'y:1\nz:2\nx:3');
  const a = await readFile((await pairs())['text-order'].a);
  const b = await readFile((await pairs())['text-order'].b);
  assert.notDeepEqual(a, b);
  assert.deepEqual(bytes(sortLines(a)), bytes(sortLines(b)));
});

test('regex-replace rewrites every line, including every timestamp of the log-timestamps pair', async () => {
  const re = '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';
  assert.equal(bytes(regexReplace(Buffer.from('2024-01-01 10:00:00 a\n2024-01-01 10:00:07 b\n'), re, 'gm', 'T')).toString(), 'T a\nT b\n');
  const a = await readFile((await pairs())['log-timestamps'].a);
  const b = await readFile((await pairs())['log-timestamps'].b);
  assert.notDeepEqual(a, b);
  const [na, nb] = [a, b].map((log) => bytes(regexReplace(log, re, 'gm', '1970-01-01 00:00:00')));
  const lines = na!.toString().trim().split('\n');
  assert.ok(lines.length > 5);
  assert.ok(lines.every((l) => l.startsWith('1970-01-01 00:00:00 ')), 'every line stamped with the fixed value');
  assert.deepEqual(na, nb, 'the logs differ only in their timestamps');
  const latin1 = Buffer.from([0x61, 0xff, 0x0a]);
  assert.deepEqual(bytes(regexReplace(latin1, 'a', 'g', 'b')), Buffer.from([0x62, 0xff, 0x0a]), 'non-UTF-8 bytes survive');
});

test('sort-json-keys keeps layout and arrays; not-JSON is skipped with a reason', async () => {
  assert.equal(bytes(sortJsonKeys(Buffer.from('{"b":1,"a":[3,1]}'))).toString(), '{"a":[3,1],"b":1}');
  assert.equal(bytes(sortJsonKeys(Buffer.from('{\n    "b": 1,\n    "a": 2\n}\n'))).toString(), '{\n    "a": 2,\n    "b": 1\n}\n');
  const r = sortJsonKeys(Buffer.from('{nope'));
  assert.ok('skip' in r && /not JSON/.test(r.skip));
  const a = await readFile((await pairs())['json-order'].a);
  const b = await readFile((await pairs())['json-order'].b);
  assert.deepEqual(bytes(sortJsonKeys(a)), bytes(sortJsonKeys(b)));
});

test('gzip-normalize: header mtime 0, no name, OS 3, payload byte for byte; multi-member too', async () => {
  const a = await readFile((await pairs())['gzip-header'].a);
  const b = await readFile((await pairs())['gzip-header'].b);
  const na = bytes(gzipNormalize(a, ctx));
  assert.deepEqual(na, bytes(gzipNormalize(b, ctx)));
  assert.equal(na.readUInt32LE(4), 0);
  assert.equal(na[3], 0, 'no FNAME');
  assert.equal(na[9], 3);
  assert.deepEqual(gunzipSync(na), gunzipSync(a), 'same content');
  assert.ok(a.subarray(a.length - 100).equals(na.subarray(na.length - 100)), 'payload tail copied');
  const two = Buffer.concat([gzipSync('one '), gzipSync('two')]);
  two.writeUInt32LE(12345, 4);
  const n2 = bytes(gzipNormalize(two, ctx));
  assert.equal(gunzipSync(n2).toString(), 'one two');
  assert.equal(n2.readUInt32LE(4), 0);
  assert.ok('skip' in gzipNormalize(Buffer.from('plain text'), ctx));
});

test('zip-normalize: the zip-times pair (member times differ) becomes byte-identical', async () => {
  const a = await readFile((await pairs())['zip-times'].a);
  const b = await readFile((await pairs())['zip-times'].b);
  assert.notDeepEqual(a, b);
  const na = bytes(zipNormalize(a, ctx));
  assert.deepEqual(na, bytes(zipNormalize(b, ctx)));
  assert.deepEqual(bytes(zipNormalize(na, ctx)), na, 'idempotent');
  assert.ok('skip' in zipNormalize(Buffer.from('not a zip at all, no end record'), ctx));
});

test('zip-normalize: unzip(1) lists the normalized archive sorted, tests it and reads the epoch as its times', { skip: requireTool('unzip', 'unzip') }, async (t) => {
  const na = bytes(zipNormalize(await readFile((await pairs())['zip-times'].a), ctx));
  const d = await testDir(t, 'zipn-');
  await writeFile(join(d, 'n.zip'), na);
  const list = execFileSync('unzip', ['-Z1', join(d, 'n.zip')], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(list, [...list].sort(), 'members sorted');
  execFileSync('unzip', ['-tq', join(d, 'n.zip')]);
  const verbose = execFileSync('unzip', ['-lv', join(d, 'n.zip')], { encoding: 'utf8' });
  assert.match(verbose, /2023-11-14 22:13/, 'timestamps are the epoch');
});
