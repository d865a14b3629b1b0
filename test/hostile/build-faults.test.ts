// Issue 8, item 4: builder faults. A failing phase, SIGTERM/SIGINT in the middle of a slow phase (of
// `repro build` and of `repro check`'s double build) and a full disk (a 1 MiB tmpfs as the output dir or as
// REPRO_TMPDIR): exit promptly with one message that says where, no partial image at the output path, the
// private temp area removed, no phase process left running, no mount left under the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listTree, mountsUnder, runMeasured, sandbox, type Sandbox } from '../helpers/hostile.js';
import { requireRoot } from '../helpers/tools.js';


async function manifest(box: Sandbox, name: string, phases: string): Promise<string> {
  const path = join(box.work, `${name}.yml`);
  await writeFile(path, `version: 1\nname: ${name}\nbase: scratch\nepoch: 0\nphases:\n${phases}`);
  return path;
}

/** Processes whose command line holds `marker` (each test sleeps for its own odd duration). */
function running(marker: string): string[] {
  const r = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l && Number(l) !== process.pid);
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

async function assertClean(box: Sandbox, outputs: string[]): Promise<void> {
  for (const o of outputs) assert.equal(existsSync(o), false, `no partial output at ${o}`);
  assert.deepEqual(await listTree(box.tmp), [], 'REPRO_TMPDIR empty');
  assert.deepEqual(await listTree(box.cwd), [], 'nothing in the cwd');
  const siblings = (await listTree(box.work)).filter((p) => /\.repro-[0-9a-f]+\.tmp/.test(p));
  assert.deepEqual(siblings, [], 'no hidden temp file beside the output');
  assert.deepEqual(mountsUnder(box.root), [], 'no mount left');
}

test('a failing phase: exit 2 naming the manifest line, phase, command and exit code; nothing left', async (t) => {
  const box = await sandbox(t, 'hostile-build-fail-');
  const m = await manifest(box, 'fails', `  - name: first\n    run: ['echo ok > "$ROOTFS/a"']\n  - name: breaks\n    run: ['echo partial > "$ROOTFS/b"', 'exit 7']\n`);
  const out = join(box.work, 'out.tar');
  const r = await runMeasured(['build', m, '-o', out], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^repro: .*fails\.yml:\d+: phase "breaks" failed: `exit 7` exited with code 7/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  await assertClean(box, [out]);
});

// "Prompt" is measured against the phase's ~31 s sleep: an exit that waited for it fails, and the bound
// leaves room for a loaded CI machine (exits take well under a second here).
const PROMPT_MS = 15_000;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} during a slow phase of repro build: prompt exit, phase killed, nothing left`, async (t) => {
    const box = await sandbox(t, 'hostile-build-sig-');
    const marker = signal === 'SIGTERM' ? '31.25' : '31.75';
    const m = await manifest(box, 'slow', `  - name: fast\n    run: ['echo a > "$ROOTFS/a"']\n  - name: slow\n    run: ['sleep ${marker}']\n`);
    const out = join(box.work, 'out.tar');
    let pid: number | undefined;
    const done = runMeasured(['build', m, '-o', out], { cwd: box.cwd, env: box.env, measure: false, onSpawn: (c) => (pid = c.pid) });
    assert.ok(await until(() => running(`sleep ${marker}`).length > 0, 30_000), 'the slow phase started');
    const sent = Date.now();
    process.kill(pid!, signal);
    const r = await done;
    const took = Date.now() - sent;
    t.diagnostic(`${signal}: exited ${r.code ?? r.signal} ${took} ms after the signal`);
    assert.ok(took < PROMPT_MS, `exit took ${took} ms`);
    assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
    assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\)`));
    assert.ok(await until(() => running(`sleep ${marker}`).length === 0, 3000), 'the phase command was killed');
    await assertClean(box, [out]);
  });
}

test('SIGTERM during repro check\'s double build: prompt exit, both builds stopped, nothing left', async (t) => {
  const box = await sandbox(t, 'hostile-check-sig-');
  const marker = '32.5';
  const m = await manifest(box, 'slowcheck', `  - name: slow\n    run: ['sleep ${marker}']\n`);
  const keep = join(box.work, 'kept');
  const json = join(box.work, 'check.json');
  let pid: number | undefined;
  const done = runMeasured(['check', m, '--vary', 'none', '--keep', keep, '--json', json], { cwd: box.cwd, env: box.env, measure: false, onSpawn: (c) => (pid = c.pid) });
  assert.ok(await until(() => running(`sleep ${marker}`).length > 0, 30_000), 'a build started');
  const sent = Date.now();
  process.kill(pid!, 'SIGTERM');
  const r = await done;
  const took = Date.now() - sent;
  t.diagnostic(`check SIGTERM: exited ${r.code} ${took} ms after the signal`);
  assert.ok(took < PROMPT_MS, `exit took ${took} ms`);
  assert.equal(r.code, 143, r.stderr);
  assert.ok(await until(() => running(`sleep ${marker}`).length === 0, 3000), 'every build command was killed');
  assert.equal(existsSync(json), false, 'no report');
  const kept = (await listTree(keep)).filter((p) => !p.endsWith('/'));
  assert.deepEqual(kept, [], 'no partial image kept');
  await assertClean(box, [json]);
});

/** Run `fn` with a 1 MiB tmpfs mounted at `dir`; unmounted in a finally, before the sandbox goes. */
async function withTinyDisk(dir: string, fn: () => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  try {
    await fn();
  } finally {
    spawnSync('umount', [dir]);
  }
}

test('full disk at the output dir: exit 2 with "no space left on device" naming the output, nothing partial', { skip: requireRoot('mounts a small tmpfs') }, async (t) => {
  const box = await sandbox(t, 'hostile-build-full-');
  const full = join(box.root, 'full');
  const m = await manifest(box, 'big', `  - name: fill\n    run: ['head -c 3000000 /dev/urandom > "$ROOTFS/big"']\n`);
  const out = join(full, 'out.tar');
  await withTinyDisk(full, async () => {
    const r = await runMeasured(['build', m, '-o', out], { cwd: box.cwd, env: box.env, measure: false });
    assert.equal(r.code, 2, r.stderr);
    const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
    assert.equal(last, `repro: ${out}: no space left on device`);
    assert.doesNotMatch(r.stderr, /unexpected error|\n\s+at /);
    assert.deepEqual(await listTree(full), [], 'the full disk holds no partial image or temp file');
  });
  await assertClean(box, [out]);
});

test('full disk as REPRO_TMPDIR: the phase fails saying so; temp removed, no output', { skip: requireRoot('mounts a small tmpfs') }, async (t) => {
  const box = await sandbox(t, 'hostile-build-fulltmp-');
  const full = join(box.root, 'full');
  const m = await manifest(box, 'big', `  - name: fill\n    run: ['head -c 3000000 /dev/urandom > "$ROOTFS/big"']\n`);
  const out = join(box.work, 'out.tar');
  await withTinyDisk(full, async () => {
    const r = await runMeasured(['build', m, '-o', out], { cwd: box.cwd, env: { REPRO_TMPDIR: full }, measure: false });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^repro: .*big\.yml:\d+: phase "fill" failed: .* exited with code 1/m);
    assert.match(r.stderr, /No space left on device/);
    assert.deepEqual(await listTree(full), [], 'the temp area on the full disk was removed');
  });
  await assertClean(box, [out]);
});
