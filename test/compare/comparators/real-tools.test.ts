// The same comparators on inputs written by the real tools (dpkg-deb, zip, gzip), not by our fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blobFromFile } from '../../../src/compare/blob.js';
import { compareContent } from '../../../src/compare/content.js';
import { ctxBuiltAround, ctxWith } from '../../helpers/fixtures-content.js';
import { testDirSync, type AfterHook } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { ev } from '../../helpers/evidence.js';

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): void {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${String(r.stderr)}`);
}

function withDir(fn: (dir: string) => Promise<void>): (t: AfterHook) => Promise<void> {
  return (t) => fn(testDirSync(t, 'repro-real-'));
}

function makeDebTree(root: string, stamp: string, mtime: number): void {
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share/demo'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), 'Package: demo\nVersion: 1.0\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: demo\n');
  writeFileSync(join(root, 'usr/share/demo/stamp'), stamp);
  for (const p of ['DEBIAN/control', 'usr/share/demo/stamp', 'usr/share/demo', 'usr/share', 'usr', 'DEBIAN', '']) {
    utimesSync(join(root, p), mtime, mtime);
  }
}

test('dpkg-deb: a timestamp in a packaged file is found at data.tar.*/path', { skip: requireTool('dpkg-deb', 'dpkg') }, withDir(async (dir) => {
  for (const [side, stamp] of [['a', 'built 2026-11-27 18:14:19\n'], ['b', 'built 2026-11-28 09:30:00\n']] as const) {
    makeDebTree(join(dir, side), stamp, 1700000000);
    run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', join(dir, side), join(dir, `${side}.deb`)], {
      env: { SOURCE_DATE_EPOCH: '1700000000' },
    });
  }
  const f = await compareContent(blobFromFile('a.deb', join(dir, 'a.deb')), blobFromFile('b.deb', join(dir, 'b.deb')), ctxBuiltAround());
  assert.deepEqual(f.map((x) => [x.inner, x.category]), [['data.tar.gz/usr/share/demo/stamp', 'timestamp']]);
}));

test('dpkg-deb: only file mtimes differ → mtime findings inside data.tar', { skip: requireTool('dpkg-deb', 'dpkg') }, withDir(async (dir) => {
  makeDebTree(join(dir, 'a'), 'same\n', 1700000000);
  makeDebTree(join(dir, 'b'), 'same\n', 1700000000);
  // dpkg-deb clamps mtimes to SOURCE_DATE_EPOCH, so the odd one out is older than it.
  utimesSync(join(dir, 'b/usr/share/demo/stamp'), 1600000000, 1600000000);
  for (const side of ['a', 'b']) {
    run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', join(dir, side), join(dir, `${side}.deb`)], {
      env: { SOURCE_DATE_EPOCH: '1700000000' },
    });
  }
  const f = await compareContent(blobFromFile('a.deb', join(dir, 'a.deb')), blobFromFile('b.deb', join(dir, 'b.deb')), ctxWith());
  assert.deepEqual(f.map((x) => [x.inner, x.category]), [['data.tar.gz/usr/share/demo/stamp', 'mtime']]);
}));

test('zip(1): same files zipped at other times → compression-metadata', { skip: requireTool('zip', 'zip') }, withDir(async (dir) => {
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.txt'), 'alpha\n'.repeat(50));
  writeFileSync(join(dir, 'src/b.txt'), 'beta\n');
  for (const [side, t] of [['a', 1600000000], ['b', 1700000000]] as const) {
    utimesSync(join(dir, 'src/a.txt'), t, t);
    utimesSync(join(dir, 'src/b.txt'), t, t);
    run('zip', ['-q', join(dir, `${side}.zip`), 'src/a.txt', 'src/b.txt'], { cwd: dir });
  }
  const f = await compareContent(blobFromFile('a.zip', join(dir, 'a.zip')), blobFromFile('b.zip', join(dir, 'b.zip')), ctxWith());
  assert.deepEqual(f.map((x) => [x.inner, x.category]), [['', 'compression-metadata']]);
  assert.match(ev(f[0]) ?? '', /^zip src\/a\.txt: DOS time/);
}));

test('gzip(1): same content compressed with a name and a time → compression-metadata', { skip: requireTool('gzip', 'gzip') }, withDir(async (dir) => {
  writeFileSync(join(dir, 'x'), 'payload\n'.repeat(100));
  utimesSync(join(dir, 'x'), 1700000000, 1700000000);
  run('sh', ['-c', 'gzip -c x > a.gz && gzip -n -c x > b.gz'], { cwd: dir });
  const f = await compareContent(blobFromFile('a.gz', join(dir, 'a.gz')), blobFromFile('b.gz', join(dir, 'b.gz')), ctxWith());
  assert.deepEqual(f.map((x) => x.category), ['compression-metadata']);
  assert.match(ev(f[0]) ?? '', /mtime 1700000000 vs 0; name x vs \(none\)/);
}));
