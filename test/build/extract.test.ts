import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractLayer } from '../../src/build/extract.js';
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

test('a symlink in a layer cannot send a later member outside the tree', async (t) => {
  const root = await testDir(t, 'repro-extract-');
  const outside = await testDir(t, 'repro-outside-');
  await mkdir(join(root, 'x'));
  await assert.rejects(
    extractLayer(items([
      item({ path: 'evil', type: 'symlink', linkname: outside }),
      item({ path: 'evil/pwned', type: 'file' }, 'pwned'),
    ]), root, 'image.tar'),
    /outside the tree/,
  );
  assert.ok(!existsSync(join(outside, 'pwned')));
  await assert.rejects(extractLayer(items([item({ path: '../up', type: 'file' }, 'u')]), root, 'image.tar'), /"\.\."/);
});
