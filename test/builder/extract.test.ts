import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractLayer } from '../../src/builder/extract.js';
import { snapshotEntries, takeSnapshot, type DeviceTable, type SnapEntry } from '../../src/builder/snapshot.js';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import type { LayerItem } from '../../src/core/image.js';
import { testDir } from '../helpers/tmp.js';

function item(partial: Partial<Entry> & Pick<Entry, 'path' | 'type'>, body = ''): LayerItem {
  return { entry: entryFrom({ ...partial, size: body.length }), body: Readable.from(body ? [Buffer.from(body)] : []) };
}

async function* items(list: LayerItem[]): AsyncGenerator<LayerItem> {
  yield* list;
}

test('extractLayer writes entries with their metadata, then whiteouts and opaque dirs apply', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  await extractLayer(items([
    item({ path: 'etc', type: 'dir', mtime: 100 }),
    item({ path: 'etc/a', type: 'file', mode: 0o640, mtime: 200 }, 'aaa'),
    item({ path: 'etc/b', type: 'hardlink', linkname: 'etc/a' }),
    item({ path: 'etc/l', type: 'symlink', linkname: 'a' }),
    item({ path: 'var/cache/x', type: 'file' }, 'x'),
  ]), root, 'test');
  assert.equal(await readFile(join(root, 'etc/b'), 'utf8'), 'aaa');
  assert.equal((await stat(join(root, 'etc/a'))).mode & 0o7777, 0o640);
  assert.equal((await stat(join(root, 'etc/a'))).mtimeMs, 200_000);
  assert.equal((await stat(join(root, 'etc'))).mtimeMs, 100_000, 'directory times set after their children');
  assert.equal(await readlink(join(root, 'etc/l')), 'a');
  await extractLayer(items([
    item({ path: 'etc/a', type: 'whiteout' }),
    item({ path: 'var/cache', type: 'opaque' }),
  ]), root, 'test');
  assert.ok(!existsSync(join(root, 'etc/a')));
  assert.ok(existsSync(join(root, 'etc/b')));
  assert.ok(existsSync(join(root, 'var/cache')) && !existsSync(join(root, 'var/cache/x')));
});

test('a symlink in a layer leads to the tree, never outside it (RESOLVE_IN_ROOT)', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  const outside = await testDir(t, 'repro-outside-');
  await extractLayer(items([
    item({ path: 'evil', type: 'symlink', linkname: outside }),
    item({ path: 'evil/pwned', type: 'file' }, 'pwned'),
    item({ path: 'up', type: 'symlink', linkname: '../../../../../../..' + outside }),
    item({ path: 'up/too', type: 'file' }, 'too'),
  ]), root, 'image.tar');
  assert.deepEqual(await readdir(outside), []);
  assert.equal(await readFile(join(root, outside, 'pwned'), 'utf8'), 'pwned', 'written where the tree itself sees evil/pwned');
  assert.equal(await readFile(join(root, outside, 'too'), 'utf8'), 'too', '".." stops at the tree root');
  await assert.rejects(extractLayer(items([item({ path: '../up', type: 'file' }, 'u')]), root, 'image.tar'), /"\.\."/);
});

test('whiteouts and opaque markers under symlinks delete only the tree\'s own entries', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  const host = await testDir(t, 'repro-host-');
  await writeFile(join(host, 'keep'), 'host file');
  await extractLayer(items([
    item({ path: 'd', type: 'symlink', linkname: host }),
    item({ path: 'r', type: 'symlink', linkname: '../..' + host }),
    item({ path: 'k', type: 'symlink', linkname: join(host, 'keep') }),
  ]), root, 'image.tar');
  await extractLayer(items([
    item({ path: 'd', type: 'opaque' }),
    item({ path: 'r/keep', type: 'whiteout' }),
    item({ path: 'r', type: 'opaque' }),
    item({ path: 'k', type: 'opaque' }),
  ]), root, 'image.tar');
  assert.deepEqual(await readdir(host), ['keep']);
  assert.equal(await readFile(join(host, 'keep'), 'utf8'), 'host file');
  assert.equal(await readlink(join(root, 'k')), join(host, 'keep'), 'an opaque marker on a symlink leaves the link');
  await extractLayer(items([item({ path: 'k', type: 'whiteout' })]), root, 'image.tar');
  assert.ok(!existsSync(join(root, 'k')) && existsSync(join(host, 'keep')), 'a whiteout removes the link, not its target');
});

test('an opaque marker keeps what its own layer put there before it', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  await extractLayer(items([item({ path: 'd/old', type: 'file' }, 'o'), item({ path: 'd/sub/old', type: 'file' }, 'o')]), root, 'l0');
  await extractLayer(items([
    item({ path: 'd/-new', type: 'file' }, 'n'),
    item({ path: 'd/sub', type: 'dir' }),
    item({ path: 'd', type: 'opaque' }),
    item({ path: 'd/z', type: 'file' }, 'z'),
  ]), root, 'l1');
  assert.deepEqual((await readdir(join(root, 'd'))).sort(), ['-new', 'sub', 'z']);
  assert.deepEqual(await readdir(join(root, 'd/sub')), [], 'lower contents of a re-declared directory are hidden too');
  await extractLayer(items([item({ path: 'd/implicit/f', type: 'file' }, 'f'), item({ path: 'd', type: 'opaque' })]), root, 'l2');
  assert.deepEqual(await readdir(join(root, 'd')), ['implicit'], 'a parent made for a member of this layer stays');
  assert.deepEqual(await readdir(join(root, 'd/implicit')), ['f']);
});

test('hardlinks point at tree entries only; device nodes become placeholders, not host nodes', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  const host = await testDir(t, 'repro-host-');
  await writeFile(join(host, 'secret'), 'host');
  await mkdir(join(root, host), { recursive: true });
  await writeFile(join(root, host, 'secret'), 'tree');
  const devices: DeviceTable = new Map();
  await extractLayer(items([
    item({ path: 'h', type: 'symlink', linkname: host }),
    item({ path: 'hl', type: 'hardlink', linkname: 'h/secret' }),
    item({ path: 'dev/mem', type: 'char', devmajor: 1, devminor: 1, mode: 0o640 }),
    item({ path: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 }),
    item({ path: 'dev/mem2', type: 'hardlink', linkname: 'dev/mem' }),
  ]), root, 'image.tar', devices);
  assert.equal((await stat(join(host, 'secret'))).nlink, 1, 'no link to the host file');
  assert.equal(await readFile(join(root, 'hl'), 'utf8'), 'tree');
  for (const p of ['dev/mem', 'dev/sda']) assert.ok((await lstat(join(root, p))).isFile(), `${p} is a placeholder file`);
  await assert.rejects(
    extractLayer(items([item({ path: 'x', type: 'hardlink', linkname: 'h/missing' })]), root, 'image.tar'),
    /hardlink x points at h\/missing, which is not a file in the tree/,
  );
  await assert.rejects(extractLayer(items([item({ path: 'y', type: 'hardlink', linkname: '../../etc/passwd' })]), root, 'image.tar'), /"\.\."/);
  const snap = new Map<string, SnapEntry>();
  for await (const e of snapshotEntries(await takeSnapshot(root, undefined, devices))) snap.set(e.path, e);
  assert.deepEqual(
    ['dev/mem', 'dev/mem2', 'dev/sda'].map((p) => { const e = snap.get(p)!; return [e.type, e.devmajor, e.devminor, e.mode]; }),
    [['char', 1, 1, 0o640], ['char', 1, 1, 0o640], ['block', 8, 0, 0o644]],
  );
  await extractLayer(items([item({ path: 'dev/sda', type: 'whiteout' })]), root, 'image.tar', devices);
  assert.ok(!devices.has(join(root, 'dev/sda')));
});

test('a directory replaced by a symlink later in the layer gets no time set through the link', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  const host = await testDir(t, 'repro-host-');
  await mkdir(join(host, 'sub'));
  const before = (await stat(join(host, 'sub'))).mtimeMs;
  await extractLayer(items([
    item({ path: 't', type: 'dir', mtime: 1 }),
    item({ path: 't/sub', type: 'dir', mtime: 2 }),
    item({ path: 't', type: 'symlink', linkname: host }),
  ]), root, 'image.tar');
  assert.equal((await stat(join(host, 'sub'))).mtimeMs, before);
  assert.equal((await lstat(join(root, 't'))).isSymbolicLink(), true);
});
