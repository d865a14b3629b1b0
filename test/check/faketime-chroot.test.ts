// The time variation reaches chrooted phases: their /dev is a private tmpfs, so the libfaketime copy staged
// under the host's /dev/shm is lent to them read-only at the same path. The tree is a busybox-static base
// made in code plus the host's dynamically linked `date` with the libraries it and libfaketime load (a
// static binary would ignore LD_PRELOAD whatever the chroot holds). Build B of a check with only the time
// variation must see a clock three days ahead, build A the real one, and neither layer may hold anything
// of libfaketime or of the lent directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBuilds } from '../../src/check/builds.js';
import { findLibfaketime, stageFaketime } from '../../src/check/faketime.js';
import { planBuilds } from '../../src/check/variations.js';
import { runCleanup } from '../../src/core/cleanup.js';
import { findCommand } from '../../src/core/find-command.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { makeOciImage, type TestMember } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTools } from '../helpers/tools.js';

const library = await findLibfaketime();
const skip = firstSkip(
  requireRoot('chroot and mounts'),
  requireTools(['busybox', 'busybox-static'], ['date', 'coreutils'], ['ldd', 'libc-bin']),
  library ? false : 'needs libfaketime: apt-get install faketime (or run scripts/install-system-deps.sh)',
);

/** The shared objects `ldd` says a dynamically linked file loads (the dynamic loader included). */
function sharedObjects(file: string): string[] {
  const out = execFileSync('ldd', [file], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((m) => m[1]!);
}

async function tree(): Promise<TestMember[]> {
  const date = findCommand('date')!;
  const files = [...new Set([date, ...sharedObjects(date), ...sharedObjects(library!)])];
  const dirs = new Set<string>(['bin', 'dev', 'etc', 'proc', 'sys', 'tmp']);
  for (const f of files) for (let d = f.slice(1, f.lastIndexOf('/')); d; d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) dirs.add(d);
  return [
    ...[...dirs].sort().map((d): TestMember => ({ path: `${d}/`, type: 'dir' })),
    { path: 'bin/busybox', content: await readFile(findCommand('busybox')!), mode: 0o755 },
    { path: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    ...(await Promise.all(files.map(async (f): Promise<TestMember> => ({ path: f.slice(1), content: await readFile(f), mode: 0o755 })))),
  ];
}

/** path → content of the phase's layer (the last one). */
async function lastLayer(file: string): Promise<Map<string, string>> {
  const image = await openImage(file);
  const m = new Map<string, string>();
  for await (const { entry, body } of readLayer(image, image.layers.at(-1)!)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    m.set(entry.path, Buffer.concat(chunks).toString());
  }
  return m;
}

test('the time variation moves the clock of a chrooted phase; nothing of libfaketime lands in its layer', { skip, timeout: 120_000 }, async (t) => {
  const dir = await testDir(t, 'faketime-chroot-');
  t.after(() => runCleanup());
  const date = findCommand('date')!;
  await makeOciImage(join(dir, 'base'), { layers: [await tree()], compression: 'none' });
  const manifest = [
    'version: 1', 'name: clock', 'epoch: 0', 'base: {image: base}', 'phases:',
    '  - name: clock',
    '    run:',
    `      - ${date} +%s > /tmp/clock 2> /tmp/clock.err`,
    '      - echo "$LD_PRELOAD" > /tmp/preload',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), manifest + '\n');

  const staged = await stageFaketime();
  assert.ok(staged);
  const plan = planBuilds(['time'], 2, { root: join(dir, 'work'), faketime: staged });
  const before = Date.now() / 1000;
  const runs = await runBuilds(join(dir, 'm.yml'), plan.setups, { outDir: dir, extraRules: [], jobs: 1 }, false);
  const after = Date.now() / 1000;

  const [a, b] = await Promise.all(runs.map((r) => lastLayer(r.result.out)));
  assert.equal(a!.get('tmp/clock.err'), '');
  assert.equal(b!.get('tmp/clock.err'), '', 'libfaketime was preloaded in the chroot');
  assert.equal(b!.get('tmp/preload')!.trim(), staged.library, 'the phase was wrapped');
  const clockA = Number(a!.get('tmp/clock'));
  const clockB = Number(b!.get('tmp/clock'));
  assert.ok(clockA >= Math.floor(before) && clockA <= after + 1, `build A: real time (${clockA})`);
  const ahead = 3 * 86400;
  assert.ok(clockB >= Math.floor(before) + ahead && clockB <= after + 1 + ahead, `build B: three days ahead (${clockB - clockA}s after A)`);

  for (const layer of [a!, b!]) {
    const stray = [...layer.keys()].filter((p) => /^dev\/|faketime/.test(p));
    assert.deepEqual(stray, [], 'nothing of /dev or libfaketime in the layer');
    assert.deepEqual([...layer.keys()].filter((p) => !p.startsWith('tmp')), [], 'only what the phase wrote');
  }
});
