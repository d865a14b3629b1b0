// What a layer's entries look like: normalised paths with the original name kept, GNU and PAX long names,
// mode fields with type bits, v7 headers, missing end-of-archive blocks, whiteouts, content on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openImage, readLayer } from '../../src/image/index.js';
import { mergeLayers } from '../helpers/merge-layers.js';
import type { Entry } from '../../src/core/entry.js';
import type { Image } from '../../src/core/image.js';
import { rawTar, gnuLong, paxLong, paxRecords, digestOf } from '../helpers/images-extra.js';
import { testDir, type AfterHook } from '../helpers/tmp.js';

async function open(t: AfterHook, bytes: Buffer): Promise<Image> {
  const dir = await testDir(t, 'reader-entries-');
  await writeFile(join(dir, 'layer.tar'), bytes);
  return openImage(join(dir, 'layer.tar'));
}

async function entries(image: Image): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const layer of image.layers) for await (const { entry } of readLayer(image, layer)) out.push(entry);
  return out;
}

test('"./etc", "/etc" and "etc" are one path; the stored name is kept for reports', async (t) => {
  const image = await open(t, rawTar([
    { name: './etc/', flag: '5', mode: 0o755 },
    { name: '/etc/passwd', body: 'root:x:0:0\n' },
    { name: 'etc//./group', body: 'root:x:0:\n' },
  ]));
  const es = await entries(image);
  assert.deepEqual(es.map((e) => e.path), ['etc', 'etc/passwd', 'etc/group']);
  assert.deepEqual(es.map((e) => e.name), ['./etc/', '/etc/passwd', 'etc//./group']);
  assert.equal(es[1]?.size, 11);
});

test('GNU and PAX long names, PAX xattrs and records, fractional PAX mtime', async (t) => {
  const long = 'usr/share/' + 'very-long-directory-name/'.repeat(6) + 'file.txt';
  assert.ok(long.length > 100);
  const image = await open(t, rawTar([
    ...gnuLong(long + '.gnu', { body: 'g' }),
    ...paxLong(long + '.pax', { body: 'p' }, { 'SCHILY.xattr.user.k': 'v', 'LIBARCHIVE.creationtime': '1', mtime: '1700000000.5' }),
  ]));
  const [g, p] = await entries(image);
  assert.equal(g?.path, long + '.gnu');
  assert.equal(p?.path, long + '.pax');
  assert.deepEqual(p?.xattrs, { 'user.k': Buffer.from('v') });
  assert.deepEqual(p?.pax, { 'LIBARCHIVE.creationtime': Buffer.from('1') });
  assert.equal(p?.mtime, 1700000000.5);
  assert.equal(g?.mtime, 1700000000);
});

test('mode fields with or without type bits give the same permission bits', async (t) => {
  const image = await open(t, rawTar([
    { name: 'with-type', mode: 0o100755, body: 'x' },
    { name: 'without', mode: 0o755, body: 'x' },
    { name: 'dir-with-type/', flag: '5', mode: 0o40750 },
  ]));
  const es = await entries(image);
  assert.deepEqual(es.map((e) => e.mode), [0o755, 0o755, 0o750]);
  assert.equal(es[2]?.type, 'dir');
});

test('ustar prefix field, v7 headers without magic, and no end-of-archive blocks (warning only)', async (t) => {
  const image = await open(t, rawTar([
    { name: 'name.txt', prefix: 'some/prefix', body: 'p' },
    { name: 'old.txt', format: 'v7', body: 'v7' },
  ], { eoa: false }));
  const es = await entries(image);
  assert.deepEqual(es.map((e) => e.path), ['some/prefix/name.txt', 'old.txt']);
  assert.ok(image.warnings.some((w) => /layer 0: no end-of-archive blocks/.test(w)), image.warnings.join('\n'));
  const count = image.warnings.length;
  await entries(image); // a second pass (scan, then compare) says nothing new
  assert.equal(image.warnings.length, count);
  const withEoa = await open(t, rawTar([{ name: 'a', body: 'a' }]));
  await entries(withEoa);
  assert.ok(!withEoa.warnings.some((w) => w.includes('end-of-archive')), withEoa.warnings.join('\n'));
});

test('entry fields: links, devices, owners; hardlink targets normalised', async (t) => {
  const image = await open(t, rawTar([
    { name: 'bin/gunzip', body: 'gz', mode: 0o755 },
    { name: 'bin/uncompress', flag: '1', linkname: './bin/gunzip' },
    { name: 'bin/sh', flag: '2', linkname: 'dash' },
    { name: 'dev/null', flag: '3', devmajor: 1, devminor: 3, mode: 0o666 },
  ]));
  const es = await entries(image);
  assert.deepEqual(es.map((e) => [e.type, e.path, e.linkname ?? null, e.size]), [
    ['file', 'bin/gunzip', null, 2],
    ['hardlink', 'bin/uncompress', 'bin/gunzip', 0],
    ['symlink', 'bin/sh', 'dash', 0],
    ['char', 'dev/null', null, 0],
  ]);
  assert.equal(es[3]?.devmajor, 1);
  assert.equal(es[3]?.devminor, 3);
});

test('content is on demand: read bodies match, unread bodies are drained, early stop does not hang', async (t) => {
  const big = Buffer.alloc(300_000, 7);
  const image = await open(t, rawTar([
    { name: 'skip-me', body: big },
    { name: 'read-me', body: 'hello' },
    { name: 'after', body: 'x' },
  ]));
  const layer = image.layers[0]!;
  const got: string[] = [];
  for await (const { entry, body } of readLayer(image, layer)) {
    if (entry.path !== 'read-me') continue;
    let text = '';
    for await (const c of body) text += (c as Buffer).toString();
    got.push(text);
    break; // leave the generator early
  }
  assert.deepEqual(got, ['hello']);
  // the layer can be read again from the start after an early stop
  let n = 0;
  for await (const item of readLayer(image, layer)) {
    void item;
    n++;
  }
  assert.equal(n, 3);
  assert.equal(layer.diffId, digestOf(rawTar([{ name: 'skip-me', body: big }, { name: 'read-me', body: 'hello' }, { name: 'after', body: 'x' }])));
});

test('whiteouts and opaque whiteouts: opaque applies before the layer\'s own entries whatever their order', async (t) => {
  const lower = await open(t, rawTar([
    { name: 'etc/', flag: '5' },
    { name: 'etc/a', body: 'a' },
    { name: 'etc/b', body: 'b' },
    { name: 'opt/', flag: '5' },
    { name: 'opt/old', body: 'o' },
    { name: 'var/', flag: '5' },
    { name: 'var/x', body: 'x' },
  ]));
  const upper = await open(t, rawTar([
    { name: 'opt/new', body: 'n' }, // before the opaque marker in tar order
    { name: 'opt/.wh..wh..opq' },
    { name: 'etc/.wh.a' },
    { name: 'var/.wh.x' },
    { name: '.wh.var' },
  ]));
  const lo = await entries(lower);
  const up = await entries(upper);
  assert.deepEqual(up.map((e) => `${e.type}:${e.path}`), ['file:opt/new', 'opaque:opt', 'whiteout:etc/a', 'whiteout:var/x', 'whiteout:var']);
  const merged = mergeLayers([lo, up]);
  assert.deepEqual([...merged.keys()].sort(), ['etc', 'etc/b', 'opt', 'opt/new']);
  assert.equal(merged.get('opt/new')?.layer, 1);
  assert.equal(merged.get('opt')?.layer, 0, 'the opaque directory itself stays from below');
});

test('a file replacing a directory hides the directory\'s children', () => {
  const e = (path: string, type: Entry['type']): Entry => ({ path, name: path, type, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: 0, size: 0, xattrs: {}, pax: {} });
  const merged = mergeLayers([[e('d', 'dir'), e('d/f', 'file')], [e('d', 'symlink')]]);
  assert.deepEqual([...merged.keys()], ['d']);
  assert.equal(merged.get('d')?.entry.type, 'symlink');
});

test('PAX size record overrides the header size field', async (t) => {
  const body = Buffer.from('0123456789');
  const image = await open(t, rawTar([
    { name: 'PaxHeader/f', flag: 'x', body: paxRecords({ size: String(body.length) }) },
    { name: 'f', size: 0, body },
  ]));
  const es = await entries(image);
  assert.equal(es[0]?.size, 10);
});

test('a consumer that sniffs the first bytes of a body, or destroys it, does not end the layer', async (t) => {
  const members = [
    { name: 'big', body: Buffer.alloc(500_000, 1) },
    { name: 'second', body: Buffer.alloc(200_000, 2) },
    { name: 'last', body: 'end' },
  ];
  const image = await open(t, rawTar(members));
  const seen: string[] = [];
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    seen.push(entry.path);
    if (entry.path === 'big') {
      for await (const c of body) {
        assert.equal((c as Buffer)[0], 1);
        break; // sniff and stop
      }
    } else if (entry.path === 'second') body.destroy();
    else {
      let text = '';
      for await (const c of body) text += (c as Buffer).toString();
      assert.equal(text, 'end');
    }
  }
  assert.deepEqual(seen, ['big', 'second', 'last']);
  assert.equal(image.layers[0]?.diffId, digestOf(rawTar(members)));
});

test('a body that fails mid-read fails with a ReproError naming the layer', async (t) => {
  const whole = rawTar([{ name: 'a', body: Buffer.alloc(100_000, 3) }]);
  const image = await open(t, gzipSync(whole.subarray(0, 60_000)));
  await assert.rejects(
    (async () => {
      for await (const { body } of readLayer(image, image.layers[0]!)) for await (const c of body) void c;
    })(),
    /cannot read layer 0 \(layer\.tar\): truncated tar/,
  );
});

test('a member of a tar type the reader does not know (GNU old sparse "S") is read as a file, with a warning', async (t) => {
  const image = await open(t, rawTar([{ name: 'sparse.img', flag: 'S', format: 'gnu', body: 'data' }, { name: 'ok', body: 'x' }]));
  const es = await entries(image);
  assert.deepEqual(es.map((e) => [e.path, e.type]), [['sparse.img', 'file'], ['ok', 'file']]);
  assert.ok(image.warnings.some((w) => /1 members of an unknown tar type .*: sparse\.img$/.test(w)), image.warnings.join('\n'));
});
