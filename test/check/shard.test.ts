// `repro check --shard I/N LIST`: every manifest lands in exactly one shard for every N, the split does not
// move a manifest when the list grows or is given as a glob, and the CLI writes one report per manifest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listManifests, parseShard, pickShard, reportPathFor, shardOf } from '../../src/check/shard.js';
import { runRepro } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { RANDOM_MANIFEST, SAME_MANIFEST } from '../helpers/repro-shim.js';

const names = Array.from({ length: 60 }, (_, i) => `images/${['web', 'db', 'cache', 'worker'][i % 4]}-${i}/manifest.yml`);

test('every manifest is in exactly one shard, for N = 1 … 7', () => {
  const listed = names.map((key) => ({ key, path: key }));
  for (let n = 1; n <= 7; n++) {
    const shards = Array.from({ length: n }, (_, i) => pickShard(listed, { index: i, count: n }).map((m) => m.key));
    assert.deepEqual(shards.flat().sort(), [...names].sort(), `N=${n}`);
    if (n > 1) assert.ok(shards.every((s) => s.length > 0), `N=${n}: no empty shard among 60 manifests`);
  }
});

test('the split is stable: the same key gives the same shard on every call, and growing the list moves nothing', () => {
  // sha256 of the path, first 8 bytes big-endian, modulo N: values computed with Python's hashlib
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => shardOf('fixtures/demo/manifest.yml', n)), [0, 0, 2, 2, 3, 2, 0]);
  const before = names.slice(0, 30).map((key) => ({ key, path: key }));
  const after = [...names.slice(30), ...before].map((m) => (typeof m === 'string' ? { key: m, path: m } : m));
  for (let n = 1; n <= 7; n++) {
    for (let i = 0; i < n; i++) {
      const was = pickShard(before, { index: i, count: n }).map((m) => m.key);
      const now = pickShard(after, { index: i, count: n }).map((m) => m.key);
      assert.ok(was.every((k) => now.includes(k)), `N=${n} shard ${i} keeps its manifests`);
    }
  }
});

test('a list file and a glob name the same manifests with the same keys; bad shard specs are refused', async (t) => {
  const dir = await testDir(t, 'shard-list-');
  for (const n of ['a', 'b', 'c']) {
    await mkdir(join(dir, 'images', n), { recursive: true });
    await writeFile(join(dir, 'images', n, 'manifest.yml'), SAME_MANIFEST);
  }
  await writeFile(join(dir, 'list.txt'), '# nightly\nimages/b/manifest.yml\n\nimages/a/manifest.yml\n./images/c/manifest.yml\nimages/a/manifest.yml\n');
  const fromList = await listManifests(join(dir, 'list.txt'));
  assert.deepEqual(fromList.map((m) => m.key), ['images/b/manifest.yml', 'images/a/manifest.yml', 'images/c/manifest.yml']);
  assert.equal(fromList[0]!.path, join(dir, 'images/b/manifest.yml'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const fromGlob = await listManifests('images/*/manifest.yml');
    assert.deepEqual(fromGlob.map((m) => m.key), ['images/a/manifest.yml', 'images/b/manifest.yml', 'images/c/manifest.yml']);
  } finally {
    process.chdir(cwd);
  }
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  for (const bad of ['3/3', '1/0', '-1/2', 'a/b', '1']) assert.throws(() => parseShard(bad), /expected I\/N/);
  assert.equal(reportPathFor('images/web/manifest.yml'), 'images/web/manifest.json');
  assert.equal(reportPathFor('/etc/../x.yaml'), 'etc/__/x.json');
});

test('repro check --shard: one report per manifest named after it, an error record for a manifest that fails, the worst exit', async (t) => {
  const dir = await testDir(t, 'shard-cli-');
  await mkdir(join(dir, 'same'));
  await mkdir(join(dir, 'rand'));
  await writeFile(join(dir, 'same', 'manifest.yml'), SAME_MANIFEST);
  await writeFile(join(dir, 'rand', 'manifest.yml'), RANDOM_MANIFEST);
  await writeFile(join(dir, 'list.txt'), 'same/manifest.yml\nrand/manifest.yml\nmissing/manifest.yml\n');
  const reports = join(dir, 'reports');
  const codes: number[] = [];
  // N = 1: everything in one process
  const r = await runRepro(['check', '--shard', '0/1', join(dir, 'list.txt'), '--reports', reports, '--vary', 'hostname']);
  codes.push(r.code);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /^shard 0\/1: 3 of 3 manifests$/m);
  const same = JSON.parse(await readFile(join(reports, 'same/manifest.json'), 'utf8')) as { manifest: string; reproducible: boolean; date: string };
  assert.equal(same.manifest, 'same/manifest.yml');
  assert.equal(same.reproducible, true);
  assert.ok(!Number.isNaN(Date.parse(same.date)));
  const rand = JSON.parse(await readFile(join(reports, 'rand/manifest.json'), 'utf8')) as { reproducible: boolean };
  assert.equal(rand.reproducible, false);
  const missing = JSON.parse(await readFile(join(reports, 'missing/manifest.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual({ ...missing, date: '' }, { schema: 'repro-check-error/1', date: '', manifest: 'missing/manifest.yml', error: `${join(dir, 'missing/manifest.yml')}: no such manifest file` });
  const bad = await runRepro(['check', '--shard', '0/1', join(dir, 'list.txt'), '--json', 'x.json']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--json: not with --shard/);
});
