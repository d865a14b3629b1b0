// Each variation reaches the phases, and only its own probe moves: a phase records what a build would leak
// (readdir order, uname -r, nproc, the NIS domain, $HOME, $PATH, id -u/-g of a `user:` phase), the control
// is built once, then one build per variation with that variation alone (withVariations, as check --explain
// builds them). A probe must differ from the control exactly under its variation. Once chrooted (a
// busybox-static tree made in code, so `user:` phases can run) and once on the host (scratch, $ROOTFS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBuilds, type BuildRun } from '../../src/check/builds.js';
import { planBuilds, withVariations, type PlanContext, type VariationName } from '../../src/check/variations.js';
import { runCleanup } from '../../src/core/cleanup.js';
import { findCommand } from '../../src/core/find-command.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { makeOciImage, type TestMember } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTools } from '../helpers/tools.js';

const skip = firstSkip(
  requireRoot('namespaces, chroot and FUSE mounts'),
  requireTools(['busybox', 'busybox-static'], ['disorderfs', 'disorderfs'], ['setarch', 'util-linux'], ['taskset', 'util-linux']),
);

const TESTED: VariationName[] = ['file-ordering', 'kernel', 'cpus', 'domain', 'home', 'exec-path', 'user'];

/** probe file → the one variation that may move it. */
const EXPECT: Record<string, VariationName> = {
  'probe/order': 'file-ordering',
  'probe/kernel': 'kernel',
  'probe/cpus': 'cpus',
  'probe/domain': 'domain',
  'probe/home': 'home',
  'probe/path': 'exec-path',
  'tmp/uid': 'user',
  'tmp/gid': 'user',
  'tmp/user-home': 'home',
};

/** `list` prints the entries of `d` in readdir order: `ls -f` (coreutils) or busybox find (its ls always sorts). */
function probes(bb: string, root: string, list: string): string[] {
  return [
    `${bb} mkdir -p ${root}/d ${root}/probe; for i in $(${bb} seq 1 40); do ${bb} touch ${root}/d/f$i; done`,
    `${list} ${root}/d > ${root}/probe/order`,
    `${bb} uname -r > ${root}/probe/kernel`,
    `${bb} nproc > ${root}/probe/cpus`,
    `${bb} cat /proc/sys/kernel/domainname > ${root}/probe/domain`,
    `echo "$HOME" > ${root}/probe/home`,
    `echo "$PATH" > ${root}/probe/path`,
  ].map((c) => `      - '${c}'`);
}

async function chrootBase(dir: string): Promise<void> {
  const members: TestMember[] = [
    ...['bin/', 'dev/', 'etc/', 'proc/', 'sys/'].map((p): TestMember => ({ path: p, type: 'dir' })),
    { path: 'tmp/', type: 'dir', mode: 0o1777 },
    { path: 'home/', type: 'dir' },
    { path: 'home/builder/', type: 'dir', uid: 1000, gid: 1000 },
    { path: 'bin/busybox', content: await readFile(findCommand('busybox')!), mode: 0o755 },
    { path: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nbuilder:x:1000:1000::/home/builder:/bin/sh\n' },
    { path: 'etc/group', content: 'root:x:0:\nbuilder:x:1000:\n' },
  ];
  await makeOciImage(join(dir, 'base'), { layers: [members], compression: 'none' });
}

/** path → content over every layer of an image (later layers win). */
async function files(image: string): Promise<Map<string, string>> {
  const img = await openImage(image);
  const m = new Map<string, string>();
  for (const layer of img.layers) {
    for await (const { entry, body } of readLayer(img, layer)) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      if (entry.type === 'file') m.set(entry.path, Buffer.concat(chunks).toString());
    }
  }
  return m;
}

async function buildAll(dir: string, manifest: string, names: VariationName[]): Promise<{ control: BuildRun; single: Map<VariationName, BuildRun> }> {
  const ctx: PlanContext = { root: join(dir, 'work'), faketime: undefined };
  const plan = planBuilds(names, 2, ctx);
  assert.deepEqual(plan.skipped, [], 'every tested variation applies here');
  const control = plan.setups[0]!;
  const setups = [control, ...names.map((n, i) => withVariations(control, [n], String.fromCharCode(67 + i), join(ctx.root, String.fromCharCode(99 + i)), ctx))];
  const runs = await runBuilds(manifest, setups, { outDir: dir, extraRules: [], jobs: 2 }, false);
  return { control: runs[0]!, single: new Map(names.map((n, i) => [n, runs[i + 1]!])) };
}

async function assertOnlyOwnProbe(control: BuildRun, single: Map<VariationName, BuildRun>, expect: Record<string, VariationName>): Promise<void> {
  const a = await files(control.result.out);
  for (const [name, run] of single) {
    const b = await files(run.result.out);
    const moved = Object.keys(expect).filter((p) => a.get(p) !== b.get(p)).sort();
    const own = Object.keys(expect).filter((p) => expect[p] === name).sort();
    assert.deepEqual(moved, own, `under ${name} alone exactly its probes differ (A: ${own.map((p) => a.get(p)?.trim().slice(0, 40)).join(', ')}; ${name}: ${own.map((p) => b.get(p)?.trim().slice(0, 40)).join(', ')})`);
  }
}

async function noMountsLeft(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes('disorderfs') && !mounts.includes(dir), 'no mount of the builds is left on the host');
}

test('chrooted phases: each variation moves its own probe and no other (user: phases run as its ids)', { skip, timeout: 300_000 }, async (t) => {
  const dir = await testDir(t, 'repro-probes-');
  t.after(() => runCleanup());
  await chrootBase(dir);
  const manifest = [
    'version: 1', 'name: probes', 'epoch: 0', 'base: {image: base}', 'phases:',
    '  - name: probe', '    run:', ...probes('busybox', '', 'busybox find'),
    '  - name: as-user', '    user: builder', '    run:',
    "      - 'busybox id -u > /tmp/uid; busybox id -g > /tmp/gid; echo \"$HOME\" > /tmp/user-home'",
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), manifest + '\n');
  const { control, single } = await buildAll(dir, join(dir, 'm.yml'), TESTED);
  const a = await files(control.result.out);
  assert.equal(a.get('tmp/uid')?.trim(), '1000', 'the user: phase runs as its user');
  assert.equal(a.get('tmp/user-home')?.trim(), control.setup.home, 'HOME is the variation\'s (the user\'s own from the tree\'s passwd otherwise)');
  assert.equal((await files(single.get('user')!.result.out)).get('tmp/uid')?.trim(), '45001');
  assert.equal(a.get('probe/order')?.split('\n').filter(Boolean).length, 41, 'find lists the directory and every entry');
  await assertOnlyOwnProbe(control, single, EXPECT);
  await noMountsLeft(dir);
});

test('host-run phases (scratch, $ROOTFS): the same probes move under the same variations', { skip, timeout: 300_000 }, async (t) => {
  const dir = await testDir(t, 'repro-probes-host-');
  t.after(() => runCleanup());
  const manifest = ['version: 1', 'name: probes', 'epoch: 0', 'base: scratch', 'phases:', '  - name: probe', '    run:', ...probes('busybox', '$ROOTFS', 'ls -f')].join('\n');
  await writeFile(join(dir, 'm.yml'), manifest + '\n');
  const names = TESTED.filter((n) => n !== 'user');
  const { control, single } = await buildAll(dir, join(dir, 'm.yml'), names);
  const expect = Object.fromEntries(Object.entries(EXPECT).filter(([p]) => p.startsWith('probe/')));
  await assertOnlyOwnProbe(control, single, expect);
  await noMountsLeft(dir);
});
