// contrib/rebuilderd/repro-image.sh run as rebuilderd's worker runs a backend: the input (the manifest) as
// the only argument, the published image downloaded beside it in inputs/, REBUILDERD_OUTDIR an empty
// directory, stdin closed. Then the worker's own verdict is taken as it takes it: the file of the published
// image's name in the output directory compared byte for byte with the published one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT, runRepro } from '../helpers/cli.js';
import { SAME_MANIFEST, reproShim } from '../helpers/repro-shim.js';
import { testDir } from '../helpers/tmp.js';

const BACKEND = join(PROJECT_ROOT, 'contrib/rebuilderd/repro-image.sh');

function backend(input: string, outdir: string, bin: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(BACKEND, [input], { env: { ...process.env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH ?? ''}`, REBUILDERD_OUTDIR: outdir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function worker(t: Parameters<typeof testDir>[0], manifest: string, published: string | undefined): Promise<{ dir: string; inputs: string; out: string; bin: string }> {
  const dir = await testDir(t, 'rebuilderd-');
  const inputs = join(dir, 'inputs');
  const out = join(dir, 'out');
  const bin = join(dir, 'bin');
  for (const d of [inputs, out, bin]) await mkdir(d);
  await reproShim(bin);
  await copyFile(manifest, join(inputs, 'manifest.yml'));
  if (published) await copyFile(published, join(inputs, 'demo.tar'));
  return { dir, inputs, out, bin };
}

test('rebuilderd backend on the demo manifest: the rebuilt image under the published name, BAD by bytes, the classified report beside it', { timeout: 120_000 }, async (t) => {
  const pub = await testDir(t, 'published-');
  const built = await runRepro(['build', join(PROJECT_ROOT, 'fixtures/demo/manifest.yml'), '-o', join(pub, 'demo.tar'), '-q']);
  assert.equal(built.code, 0, built.stderr);
  const w = await worker(t, join(PROJECT_ROOT, 'fixtures/demo/manifest.yml'), join(pub, 'demo.tar'));
  const r = await backend(join(w.inputs, 'manifest.yml'), w.out, w.bin);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual((await readdir(w.out)).sort(), ['demo.tar', 'repro-report.html', 'repro-report.json', 'repro-report.md']);
  // the worker's comparison: the demo is not reproducible, so the bytes differ (BAD)
  assert.notDeepEqual(await readFile(join(w.out, 'demo.tar')), await readFile(join(w.inputs, 'demo.tar')));
  const report = JSON.parse(await readFile(join(w.out, 'repro-report.json'), 'utf8')) as { identical: boolean; inputs: { path: string }[]; findings: { category: string }[] };
  assert.equal(report.identical, false);
  assert.deepEqual(report.inputs.map((i) => i.path), [join(w.inputs, 'demo.tar'), join(w.out, 'demo.tar')]);
  assert.ok(report.findings.some((f) => f.category === 'random-id'), 'the demo\'s machine-id is classified');
  assert.match(r.out, /the rebuild differs from .*demo\.tar:\n## ❌/);
});

test('rebuilderd backend: a reproducible manifest gives the identical bytes (GOOD); no published image: the manifest\'s own name; a broken manifest fails the rebuild', { timeout: 120_000 }, async (t) => {
  const src = await testDir(t, 'same-');
  await writeFile(join(src, 'same.yml'), SAME_MANIFEST);
  const pub = await testDir(t, 'published-');
  assert.equal((await runRepro(['build', join(src, 'same.yml'), '-o', join(pub, 'demo.tar'), '-q'])).code, 0);
  const w = await worker(t, join(src, 'same.yml'), join(pub, 'demo.tar'));
  const r = await backend(join(w.inputs, 'manifest.yml'), w.out, w.bin);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(await readFile(join(w.out, 'demo.tar')), await readFile(join(w.inputs, 'demo.tar')));
  assert.match(r.out, /the rebuild is identical to /);

  const alone = await worker(t, join(src, 'same.yml'), undefined);
  const r2 = await backend(join(alone.inputs, 'manifest.yml'), alone.out, alone.bin);
  assert.equal(r2.code, 0, r2.out);
  assert.deepEqual(await readdir(alone.out), ['same.tar']);

  await writeFile(join(src, 'bad.yml'), 'version: 1\nname: bad\nbase: scratch\nphases:\n  - name: x\n    run: [exit 3]\n');
  const broken = await worker(t, join(src, 'bad.yml'), undefined);
  const r3 = await backend(join(broken.inputs, 'manifest.yml'), broken.out, broken.bin);
  assert.equal(r3.code, 1, r3.out);
  assert.match(r3.out, /the rebuild of .* failed/);
  const r4 = await backend(join(broken.inputs, 'nope.yml'), broken.out, broken.bin);
  assert.equal(r4.code, 2);
});
