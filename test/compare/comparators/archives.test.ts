import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { compareContent } from '../../../src/compare/content.js';
import { arOf, blobs, ctxBuiltAround, ctxWith, gzip, tarOf, zipOf } from '../../helpers/fixtures-content.js';
import { ev } from '../../helpers/evidence.js';

const T1 = new Date(Date.UTC(2020, 0, 2, 3, 4, 6));
const T2 = new Date(Date.UTC(2023, 4, 6, 7, 8, 10));

test('zip: only DOS times and extended timestamps differ → one compression-metadata finding', async () => {
  const members = (t: Date, u: number) => [
    { name: 'a.txt', data: 'alpha\n', time: t, utime: u, deflate: true },
    { name: 'b.txt', data: 'beta\n', time: t, utime: u },
  ];
  const f = await compareContent(...blobs(zipOf(members(T1, 1700000000)), zipOf(members(T2, 1700259200))), ctxWith());
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'compression-metadata');
  assert.equal(f[0]?.inner, '');
  assert.match(ev(f[0]) ?? '', /^zip a\.txt: DOS time 2020-01-02 03:04:06 vs 2023-05-06 07:08:10/);
  assert.match(f[0]?.detail ?? '', /extended timestamp 1700000000 vs 1700259200/);
});

test('zip: same entries in another order → ordering', async () => {
  const x = { name: 'x', data: 'x' };
  const y = { name: 'y', data: 'y' };
  const f = await compareContent(...blobs(zipOf([x, y]), zipOf([y, x])), ctxWith());
  assert.deepEqual(f.map((d) => [d.inner, d.category]), [['', 'ordering']]);
  assert.match(ev(f[0]) ?? '', /same 2 zip entries in another order/);
});

test('zip: payload differences recurse into the member; added and removed entries', async () => {
  const a = zipOf([{ name: 'conf/app.json', data: '{"a":1,"b":2}', deflate: true }, { name: 'old', data: 'o' }]);
  const b = zipOf([{ name: 'conf/app.json', data: '{"b":2,"a":1}', deflate: true }, { name: 'new', data: 'n' }]);
  const f = await compareContent(...blobs(a, b), ctxWith());
  assert.deepEqual(f.map((d) => [d.inner, d.category]), [['conf/app.json', 'ordering'], ['old', 'removed'], ['new', 'added']]);
});

test('zip: same content stored vs deflated → compression-metadata', async () => {
  const data = 'hello hello hello hello\n'.repeat(10);
  const f = await compareContent(...blobs(zipOf([{ name: 'h', data }]), zipOf([{ name: 'h', data, deflate: true }])), ctxWith());
  assert.deepEqual(f.map((d) => d.category), ['compression-metadata']);
  assert.match(f[0]?.detail ?? '', /payload compressed differently/);
});

test('tar: same members in another order → ordering; member mtime → mtime with the member path', async () => {
  const m1 = { name: 'etc/a', data: 'a' };
  const m2 = { name: 'etc/b', data: 'b' };
  const f = await compareContent(...blobs(await tarOf([m1, m2]), await tarOf([m2, m1])), ctxWith());
  assert.deepEqual(f.map((d) => [d.inner, d.category]), [['', 'ordering']]);
  const g = await compareContent(...blobs(await tarOf([m1]), await tarOf([{ ...m1, mtime: 1700000099 }])), ctxWith());
  assert.deepEqual(g.map((d) => [d.inner, d.category]), [['etc/a', 'mtime']]);
  const h = await compareContent(...blobs(await tarOf([m1]), await tarOf([{ ...m1, mode: 0o600 }])), ctxWith());
  assert.deepEqual(h.map((d) => [d.inner, d.category]), [['etc/a', 'metadata']]);
});

test('tar: symlink target change is metadata; content change recurses', async () => {
  const a = await tarOf([{ name: 'l', type: 'symlink', linkname: 'x' }, { name: 'f', data: 'k=1\n' }]);
  const b = await tarOf([{ name: 'l', type: 'symlink', linkname: 'y' }, { name: 'f', data: 'k=2\n' }]);
  const f = await compareContent(...blobs(a, b), ctxWith());
  assert.deepEqual(f.map((d) => [d.inner, d.category]), [['l', 'metadata'], ['f', 'content']]);
});

test('ar/.deb: member mtimes → compression-metadata; data.tar.gz members recurse', async () => {
  const deb = async (mtime: number, stamp: string) =>
    arOf([
      { name: 'debian-binary', data: '2.0\n', mtime },
      { name: 'control.tar.gz', data: gzipSync(await tarOf([{ name: './control', data: 'Package: x\n' }])), mtime },
      { name: 'data.tar.gz', data: gzip(await tarOf([{ name: './usr/share/x/stamp', data: stamp }])), mtime },
    ]);
  const same = await compareContent(...blobs(await deb(1700000000, 'v1\n'), await deb(1700000500, 'v1\n')), ctxWith());
  assert.deepEqual(same.map((d) => [d.inner, d.category]), [['', 'compression-metadata']]);
  assert.match(ev(same[0]) ?? '', /ar member headers differ: debian-binary: mtime 1700000000 vs 1700000500; control\.tar\.gz: mtime/);
  const diff = await compareContent(
    ...blobs(await deb(1, 'built 2026-11-27 18:14:19\n'), await deb(1, 'built 2026-11-28 01:00:00\n')),
    ctxBuiltAround(),
  );
  assert.deepEqual(diff.map((d) => [d.inner, d.category]), [['data.tar.gz/usr/share/x/stamp', 'timestamp']]);
});

test('ar: member order → ordering', async () => {
  const x = { name: 'x.o', data: 'xx' };
  const y = { name: 'y.o', data: 'y' };
  const f = await compareContent(...blobs(arOf([x, y]), arOf([y, x])), ctxWith());
  assert.deepEqual(f.map((d) => d.category), ['ordering']);
});

test('zip bomb: a member that inflates past the limit falls back to bytes with a warning', async () => {
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  const a = zipOf([{ name: 'z', data: zeros, deflate: true }]);
  const b = zipOf([{ name: 'z', data: Buffer.concat([zeros, Buffer.from('x')]), deflate: true }]);
  const f = await compareContent(...blobs(a, b), ctxWith({ maxMemberBytes: 1024 * 1024 }));
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'binary');
  assert.match(f[0]?.warning ?? '', /^zip comparator failed \(z: 16777216 bytes exceed the decompression limit of 1048576\): compared bytes$/);
});

test('zip bomb with a lying size field stops at the limit too', async () => {
  const lie = (zip: Buffer): Buffer => {
    const at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(10, at + 24); // central directory: "uncompressed size 10"
    return zip;
  };
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  const a = lie(zipOf([{ name: 'z', data: zeros, deflate: true }]));
  const b = lie(zipOf([{ name: 'z', data: Buffer.concat([zeros, Buffer.from('x')]), deflate: true }]));
  const f = await compareContent(...blobs(a, b), ctxWith({ maxMemberBytes: 1024 * 1024 }));
  assert.match(f[0]?.warning ?? '', /z: inflates past the decompression limit of 1048576 bytes/);
});
