import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import tar from 'tar-stream';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import { writeLayer, type LayerSource } from '../../src/image/layer-writer.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { testDir, type AfterHook } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

function file(path: string, body: string, extra: Partial<Entry> = {}): LayerSource {
  return {
    entry: entryFrom({ path, type: 'file', size: Buffer.byteLength(body), ...extra }),
    content: () => Readable.from([Buffer.from(body)]),
  };
}
const dir = (path: string, extra: Partial<Entry> = {}): LayerSource => ({ entry: entryFrom({ path, type: 'dir', ...extra }) });

interface Member { header: tar.Header; body: Buffer }

async function members(tarBytes: Buffer): Promise<Member[]> {
  const out: Member[] = [];
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out.push({ header: e.header, body: Buffer.concat(chunks) });
    }
  })();
  ex.end(tarBytes);
  await done;
  return out;
}

async function withDir(t: AfterHook, fn: (d: string) => Promise<void>): Promise<void> {
  await fn(await testDir(t, 'writer-test-'));
}

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

test('members are sorted by path in byte order (a prefix first, so parents precede children), dirs end with "/", owners numeric', (t) =>
  withDir(t, async (d) => {
    const items = [
      file('usr/bin/b', 'bee', { uname: 'builder', gname: 'staff', uid: 1000, gid: 50 }),
      dir('usr'),
      file('etc-x', 'x'),
      dir('etc'),
      file('etc/Z', 'z'),
      file('etc/a', 'a'),
      dir('usr/bin'),
      { entry: entryFrom({ path: '', type: 'dir' }) },
    ];
    const layer = await writeLayer(items, { compression: 'none', dir: d });
    const got = await members(await readFile(layer.path));
    assert.deepEqual(got.map((m) => m.header.name), ['etc/', 'etc-x', 'etc/Z', 'etc/a', 'usr/', 'usr/bin/', 'usr/bin/b']);
    const b = got.find((m) => m.header.name === 'usr/bin/b');
    assert.equal(b?.header.uname, '');
    assert.equal(b?.header.gname, '');
    assert.equal(b?.header.uid, 1000);
    assert.equal(b?.body.toString(), 'bee');
    assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar');
    assert.equal(layer.diffId, layer.digest, 'uncompressed: the blob is the tar');
  }));

test('same items in another order give the same digest; a changed mtime gives another', (t) =>
  withDir(t, async (d) => {
    const items = () => [dir('a', { mtime: 5 }), file('a/1', 'one', { mtime: 7.9 }), file('b', 'two')];
    const l1 = await writeLayer(items(), { compression: 'gzip', dir: d });
    const l2 = await writeLayer(items().reverse(), { compression: 'gzip', dir: d });
    assert.equal(l1.digest, l2.digest);
    assert.equal(l1.diffId, l2.diffId);
    const changed = items();
    changed[2] = file('b', 'two', { mtime: 99 });
    const l3 = await writeLayer(changed, { compression: 'gzip', dir: d });
    assert.notEqual(l3.digest, l1.digest);
    const m = await members(gunzipSync(await readFile(l1.path)));
    assert.equal(m.find((x) => x.header.name === 'a/1')?.header.mtime.getTime(), 7000, 'fractional mtime floored');
  }));

test('gzip layer: header mtime 0, OS byte 3, digests match the bytes on disk', (t) =>
  withDir(t, async (d) => {
    const layer = await writeLayer([file('f', 'hello '.repeat(1000))], { compression: 'gzip', dir: d });
    const blob = await readFile(layer.path);
    assert.deepEqual([...blob.subarray(0, 3)], [0x1f, 0x8b, 8]);
    assert.equal(blob.readUInt32LE(4), 0, 'header mtime');
    assert.equal(blob[3], 0, 'no FNAME flag');
    assert.equal(blob[9], 3, 'OS = Unix');
    assert.equal(layer.digest, sha(blob));
    assert.equal(layer.size, blob.length);
    assert.equal(layer.diffId, sha(gunzipSync(blob)));
    assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(join(d, layer.digest.slice(7)), layer.path);
    assert.deepEqual((await readdir(d)).filter((n) => n.endsWith('.tmp')), [], 'no temp file left');
  }));

test('a hardlink pair given the other way round is rewritten: the lexically first path holds the file', (t) =>
  withDir(t, async (d) => {
    const given = [
      file('usr/bin/uncompress', '#!/bin/sh\ngzip -d\n', { mode: 0o755, mtime: 100 }),
      { entry: entryFrom({ path: 'usr/bin/gunzip', type: 'hardlink', linkname: 'usr/bin/uncompress', mtime: 200, mode: 0o644 }) },
    ];
    const canonical = [
      file('usr/bin/gunzip', '#!/bin/sh\ngzip -d\n', { mode: 0o755, mtime: 100 }),
      { entry: entryFrom({ path: 'usr/bin/uncompress', type: 'hardlink', linkname: 'usr/bin/gunzip', mtime: 300 }) },
    ];
    const a = await writeLayer(given, { compression: 'none', dir: d });
    const b = await writeLayer(canonical, { compression: 'none', dir: d });
    const got = await members(await readFile(a.path));
    assert.equal(got[0]?.header.name, 'usr/bin/gunzip');
    assert.equal(got[0]?.header.type, 'file');
    assert.equal(got[0]?.body.toString(), '#!/bin/sh\ngzip -d\n');
    assert.equal(got[1]?.header.type, 'link');
    assert.equal(got[1]?.header.linkname, 'usr/bin/gunzip');
    assert.equal(got[1]?.header.mode, 0o755, 'the link carries the file metadata');
    assert.equal(a.digest, b.digest, 'either way round → one layer');
  }));

test('whiteouts, opaque dirs, xattrs, symlinks and mode 0 are written canonically', (t) =>
  withDir(t, async (d) => {
    const layer = await writeLayer([
      { entry: entryFrom({ path: 'var/log/old.log', type: 'whiteout', mtime: 12345 }) },
      { entry: entryFrom({ path: 'opt', type: 'opaque' }) },
      { entry: entryFrom({ path: 'bin', type: 'symlink', linkname: 'usr/bin', mode: 0o777 }) },
      file('etc/gshadow', 'g', { mode: 0, xattrs: { 'user.b': Buffer.from('2'), 'security.a': Buffer.from('1') }, pax: { atime: Buffer.from('1.5'), ctime: Buffer.from('2') } }),
    ], { compression: 'none', dir: d });
    const raw = await readFile(layer.path);
    const got = await members(raw);
    assert.deepEqual(got.map((m) => m.header.name), ['bin', 'etc/gshadow', 'opt/.wh..wh..opq', 'var/log/.wh.old.log']);
    assert.equal(got[0]?.header.linkname, 'usr/bin');
    assert.equal(got[1]?.header.mode, 0);
    assert.deepEqual(got[1]?.header.pax, { path: 'etc/gshadow', 'SCHILY.xattr.security.a': '1', 'SCHILY.xattr.user.b': '2' });
    assert.equal(got[3]?.header.size, 0);
    assert.ok(!raw.includes('atime='), 'no PAX atime');
    assert.ok(!raw.includes('ctime='), 'no PAX ctime');
  }));

test('a body shorter than the entry size is an error naming the member, and leaves no blob', (t) =>
  withDir(t, async (d) => {
    const bad: LayerSource = { entry: entryFrom({ path: 'etc/x', type: 'file', size: 10 }), content: () => Readable.from([Buffer.from('abc')]) };
    await assert.rejects(writeLayer([bad], { compression: 'gzip', dir: d }), /etc\/x|size/);
    assert.deepEqual(await readdir(d), []);
  }));

test('a path with ".." is refused, not written', (t) =>
  withDir(t, async (d) => {
    await assert.rejects(writeLayer([file('../etc/passwd', 'x')], { compression: 'none', dir: d }), /leaves the image root/);
    const link = { entry: entryFrom({ path: 'a', type: 'hardlink', linkname: '../../x' }) };
    await assert.rejects(writeLayer([link], { compression: 'none', dir: d }), /leaves the image root/);
    assert.deepEqual(await readdir(d), []);
  }));

test('zstd layer decodes to the same tar as the uncompressed one', { skip: requireTool('zstd', 'zstd') }, (t) =>
  withDir(t, async (d) => {
    const items = () => [dir('a'), file('a/f', 'zstd '.repeat(500))];
    const z = await writeLayer(items(), { compression: 'zstd', dir: d });
    const n = await writeLayer(items(), { compression: 'none', dir: d });
    assert.equal(z.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.equal(z.diffId, n.digest);
    const again = await writeLayer(items(), { compression: 'zstd', dir: d });
    assert.equal(again.digest, z.digest);
    const decoded = execFileSync('zstd', ['-d', '-c', z.path]);
    assert.equal(sha(decoded), n.digest);
  }));

test('mtimes after 2038 and before 1970 keep their value (PAX mtime; tar-stream alone writes 77777777777 for all of them)', (t) =>
  withDir(t, async (d) => {
    const times = [0x7fffffff, 2 ** 31, 2602361068, 3079839563, 4102444800, -86400];
    const items = times.map((m, i) => file(`f${i}`, 'x', { mtime: m }));
    const layer = await writeLayer(items, { compression: 'none', dir: d });
    const bytes = await readFile(layer.path);
    // repro's own reader
    const image = await openImage(layer.path);
    const seen: number[] = [];
    for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
      body.resume();
      seen.push(entry.mtime);
    }
    assert.deepEqual(seen, times);
    // GNU tar honours the PAX record too
    const listing = execFileSync('tar', ['--full-time', '--utc', '-tvf', '-'], { input: bytes, encoding: 'utf8' });
    assert.match(listing, /2052-06-18 22:04:28 f2/);
    assert.match(listing, /2067-08-06 06:59:23 f3/);
    assert.match(listing, /2100-01-01 00:00:00 f4/);
    assert.match(listing, /1969-12-31 00:00:00 f5/);
    // two different far-future times are two different layers (they used to be the same bytes)
    const a = await writeLayer([file('x', 'x', { mtime: 2602361068 })], { compression: 'gzip', dir: d });
    const b = await writeLayer([file('x', 'x', { mtime: 3079839563 })], { compression: 'gzip', dir: d });
    assert.notEqual(a.digest, b.digest);
  }));

test('uids and gids over 262143 (high subuid ranges) keep their value through a PAX record', (t) =>
  withDir(t, async (d) => {
    const layer = await writeLayer([file('hi', 'x', { uid: 1_000_000, gid: 2_000_001 }), file('lo', 'y', { uid: 262143, gid: 5 })], { compression: 'none', dir: d });
    const image = await openImage(layer.path);
    const ids: [string, number, number][] = [];
    for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
      body.resume();
      ids.push([entry.path, entry.uid, entry.gid]);
    }
    assert.deepEqual(ids, [['hi', 1_000_000, 2_000_001], ['lo', 262143, 5]]);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', '-'], { input: await readFile(layer.path), encoding: 'utf8' });
    assert.match(listing, /1000000\/2000001 .* hi/);
  }));

test('names that are not UTF-8 sort by their bytes, whatever order they come in', (t) =>
  withDir(t, async (d) => {
    const names = ['caf\udce9', 'caf\udce8', 'cafe', 'caf\u00e9'];
    const digests = new Set<string>();
    for (const order of [names, [...names].reverse()]) {
      const layer = await writeLayer(order.map((path) => ({ entry: entryFrom({ path, type: 'dir' }) })), { compression: 'none', dir: d });
      digests.add(layer.digest);
    }
    assert.equal(digests.size, 1);
  }));
