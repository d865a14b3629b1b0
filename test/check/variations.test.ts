import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { machine, release } from 'node:os';
import { allowedCpus, classifierVariations, parseVary, planBuilds, VARIATION_NAMES } from '../../src/check/variations.js';
import { classifyText } from '../../src/classify/index.js';
import { ReproError } from '../../src/core/errors.js';

const fakeFaketime = { library: '/dev/shm/x/libfaketime.so.1', dir: '/dev/shm/x', wrap: (o: string) => ['env', 'LD_PRELOAD=/dev/shm/x/libfaketime.so.1', `FAKETIME=${o}`], env: (o: string) => ({ LD_PRELOAD: '/dev/shm/x/libfaketime.so.1', FAKETIME: o }) };

test('parseVary: default is every variation, none is none, lists and -name edits', () => {
  assert.deepEqual(parseVary(undefined), [...VARIATION_NAMES]);
  assert.deepEqual(parseVary('all'), [...VARIATION_NAMES]);
  assert.deepEqual(parseVary('none'), []);
  assert.deepEqual(parseVary('umask,hostname'), ['hostname', 'umask']);
  assert.deepEqual(parseVary('-time,-locale'), VARIATION_NAMES.filter((n) => n !== 'time' && n !== 'locale'));
  assert.deepEqual(parseVary('path,env'), ['build-path', 'environment']);
  assert.throws(() => parseVary('time,moonphase'), (e: unknown) => e instanceof ReproError && /moonphase/.test(e.message));
});

test('planBuilds: control keeps fixed values, the variant gets every chosen variation', () => {
  const plan = planBuilds([...VARIATION_NAMES], 2, { root: '/tmp/c', faketime: fakeFaketime, cpus: [0, 1, 2, 3], hasCommand: () => true });
  const [a, b] = plan.setups;
  assert.ok(a && b);
  assert.equal(a.label, 'A');
  assert.equal(b.label, 'B');
  assert.deepEqual(a.wrap, []);
  assert.deepEqual(b.wrap.slice(0, 3), ['env', 'LD_PRELOAD=/dev/shm/x/libfaketime.so.1', 'FAKETIME=+3d']);
  assert.deepEqual(b.wrap.slice(3), ['setarch', machine(), '--uname-2.6', 'taskset', '-c', '0,1'], 'kernel and cpus wrap every command');
  assert.equal(b.shuffleDirents, true);
  assert.equal(a.shuffleDirents, undefined);
  assert.deepEqual([a.domain, b.domain], ['repro-a.example', 'repro-b.example']);
  assert.deepEqual([a.home, b.home], ['/nonexistent/repro-a-home', '/nonexistent/repro-b-home']);
  assert.deepEqual([a.phaseUser, b.phaseUser], [undefined, { uid: 45001, gid: 45001 }]);
  assert.deepEqual([a.pathExtra, b.pathExtra], [undefined, '/repro-exec-path-b']);
  assert.equal(a.wrapDirs, undefined);
  assert.deepEqual(b.wrapDirs, ['/dev/shm/x'], 'the staged library is lent to chrooted phases');
  assert.equal(a.umask, '0022');
  assert.equal(b.umask, '0002');
  assert.notEqual(a.hostname, b.hostname);
  assert.equal(a.hostname?.length, b.hostname?.length);
  assert.equal(a.env.TZ, 'UTC');
  assert.equal(b.env.TZ, 'Etc/GMT-14');
  assert.equal(b.env.LC_ALL, 'fr_CH.UTF-8');
  assert.notEqual(a.env.REPRO_CHECK_VARIATION, b.env.REPRO_CHECK_VARIATION);
  assert.ok(b.workDir.length > a.workDir.length, 'the variant tree lives under a longer path');
  assert.deepEqual(plan.applied.map((v) => v.name), [...VARIATION_NAMES]);
  assert.deepEqual(plan.skipped, []);
});

test('planBuilds: --vary none gives identical settings apart from the (unavoidable) separate trees', () => {
  const plan = planBuilds([], 3, { root: '/tmp/c', faketime: undefined });
  const [a, b, c] = plan.setups;
  assert.ok(a && b && c);
  assert.deepEqual({ ...b, label: 'A', workDir: '' }, { ...a, workDir: '' });
  assert.equal(c.label, 'C');
  assert.equal(a.workDir.length, b.workDir.length);
  assert.deepEqual(plan.applied, []);
  const vars = classifierVariations(a, b);
  assert.deepEqual(vars.map((v) => v.name), ['build path']);
});

test('planBuilds: time is skipped with a reason when libfaketime is missing', () => {
  const plan = planBuilds(['time', 'umask'], 2, { root: '/r', faketime: undefined });
  assert.deepEqual(plan.applied.map((v) => v.name), ['umask']);
  assert.equal(plan.skipped[0]?.name, 'time');
  assert.match(plan.skipped[0]?.reason ?? '', /faketime/);
  assert.deepEqual(plan.setups[1]?.wrap, []);
});

test('planBuilds for a Containerfile: the variations buildah carries into RUN steps apply, the others say why not', () => {
  const plan = planBuilds([...VARIATION_NAMES], 2, { root: '/tmp/c', faketime: fakeFaketime, builder: 'containerfile', cpus: [0, 1], hasCommand: () => true });
  assert.deepEqual(plan.applied.map((v) => v.name).sort(), ['cpus', 'domain', 'environment', 'home', 'hostname', 'kernel', 'locale', 'time', 'timezone']);
  assert.match(plan.applied[0]?.summary ?? '', /RUN steps/);
  assert.deepEqual(Object.fromEntries(plan.skipped.map((s) => [s.name, s.reason])), {
    umask: 'buildah runs RUN steps with umask 0022 and has no option to change it',
    'build-path': "RUN steps see the image's own paths, never the work directory",
    'file-ordering': 'buildah writes its own image: disorderfs is mounted over the tree of phases only',
    'exec-path': "buildah --env PATH would replace the image's PATH, not extend it",
    user: "RUN steps run as the Containerfile's USER: the user variation acts on phases with user:",
  });
  const [a, b] = plan.setups;
  assert.equal(a?.wrapEnv, undefined);
  assert.equal(a?.inheritWrap, undefined);
  assert.deepEqual(b?.inheritWrap?.filter((w) => w === 'setarch' || w === 'taskset'), ['setarch', 'taskset'], 'buildah is started under setarch and taskset, never under faketime');
  assert.deepEqual(b?.wrapEnv, { LD_PRELOAD: '/dev/shm/x/libfaketime.so.1', FAKETIME: '+3d' }, 'libfaketime as variables for the RUN steps');
  assert.equal(b?.umask, '0022');
  assert.equal(a?.workDir.length, b?.workDir.length, 'no build-path variation');
});

test('planBuilds for a Containerfile: a variation whose every variable the Containerfile sets with ENV is skipped', () => {
  const manifest = { external: false, phases: true, userPhases: false, containerfileEnv: { TZ: 'ENV', LANG: 'ENV' } };
  const plan = planBuilds(['timezone', 'locale', 'home'], 2, { root: '/tmp/c', faketime: fakeFaketime, builder: 'containerfile', manifest });
  assert.deepEqual(plan.applied.map((v) => v.name), ['locale', 'home'], 'LC_ALL still reaches the RUN steps');
  assert.deepEqual(plan.skipped, [{ name: 'timezone', reason: 'the Containerfile sets TZ with ENV, and buildah --env would override its value' }]);
});

test("planBuilds for a Containerfile: a variation whose every variable the base image's config sets is skipped, saying so", () => {
  const manifest = { external: false, phases: true, userPhases: false, containerfileEnv: { LANG: 'base image oci-archive:base.tar', LC_ALL: 'ENV' } };
  const plan = planBuilds(['timezone', 'locale'], 2, { root: '/tmp/c', faketime: fakeFaketime, builder: 'containerfile', manifest });
  assert.deepEqual(plan.skipped, [{ name: 'locale', reason: "LANG and LC_ALL are set by the config of the base image oci-archive:base.tar and the Containerfile's ENV, and buildah --env would override the value" }]);
});

test('classifierVariations: the kernel releases uname -r gives each side (the host\'s, and setarch --uname-2.6\'s)', () => {
  const plan = planBuilds(['kernel'], 2, { root: '/tmp/c', faketime: undefined, hasCommand: () => true });
  const kernel = classifierVariations(plan.setups[0]!, plan.setups[1]!).find((v) => v.name === 'kernel');
  assert.equal(kernel?.a, release());
  assert.equal(kernel?.b, execFileSync('setarch', [machine(), '--uname-2.6', 'uname', '-r'], { encoding: 'utf8' }).trim());
  assert.match(kernel?.b ?? '', /^2\.6\.\d+/);
  // so a file recording `uname -r` is a build-env difference, not content
  const c = classifyText(`built on ${kernel!.a}\n`, `built on ${kernel!.b}\n`, { variations: [kernel!] });
  assert.equal(c.category, 'build-env');
});

test('classifierVariations: the values each side saw, for the build-env classifier', () => {
  const plan = planBuilds([...VARIATION_NAMES], 2, { root: '/tmp/c', faketime: fakeFaketime });
  const vars = classifierVariations(plan.setups[0]!, plan.setups[1]!);
  const byName = Object.fromEntries(vars.map((v) => [v.name, v]));
  assert.deepEqual(byName.hostname, { name: 'hostname', a: 'repro-a-host', b: 'repro-b-host' });
  assert.equal(byName['build path']?.a, plan.setups[0]!.workDir);
  assert.equal(byName['build path']?.b, plan.setups[1]!.workDir);
  assert.deepEqual(byName.timezone, { name: 'timezone', a: 'UTC', b: 'Etc/GMT-14' });
  assert.ok(byName.environment && byName.locale);
});

test('planBuilds: without root no build gets a hostname of its own, and the variation says why', () => {
  const plan = planBuilds(['hostname', 'umask'], 2, { root: '/r', faketime: undefined, canSetHostname: false });
  assert.deepEqual(plan.applied.map((v) => v.name), ['umask']);
  assert.deepEqual(plan.skipped, [{ name: 'hostname', reason: 'a private UTS namespace needs root' }]);
  assert.equal(plan.setups[0]?.hostname, undefined);
  assert.equal(plan.setups[1]?.hostname, undefined);
  assert.ok(!classifierVariations(plan.setups[0]!, plan.setups[1]!).some((v) => v.name === 'hostname'));
});

test('planBuilds: each variation that cannot reach the manifest or this machine is skipped with the reason', () => {
  const base = { root: '/r', faketime: undefined, cpus: [0, 1], hasCommand: () => true };
  const ext = planBuilds([...VARIATION_NAMES], 2, { ...base, manifest: { external: true, phases: false, userPhases: false } });
  const skipped = Object.fromEntries(ext.skipped.map((s) => [s.name, s.reason]));
  for (const n of ['hostname', 'domain', 'umask', 'file-ordering', 'user', 'home', 'exec-path']) assert.match(skipped[n] ?? '', /builder\.command/, n);
  assert.ok(ext.applied.some((v) => v.name === 'kernel') && ext.applied.some((v) => v.name === 'timezone'), 'the wrap and the environment reach an external builder');
  const noPhases = planBuilds(['kernel', 'build-path'], 2, { ...base, manifest: { external: false, phases: false, userPhases: false } });
  assert.deepEqual(noPhases.applied.map((v) => v.name), ['build-path']);
  assert.match(noPhases.skipped[0]?.reason ?? '', /never the base/);
  const plain = planBuilds(['user', 'cpus', 'file-ordering', 'kernel'], 2, { ...base, cpus: [3], hasCommand: (c) => c !== 'disorderfs' && c !== 'setarch', manifest: { external: false, phases: true, userPhases: false } });
  assert.deepEqual(plain.applied, []);
  assert.deepEqual(plain.skipped.map((s) => s.name), ['user', 'cpus', 'file-ordering', 'kernel']);
  assert.match(plain.skipped.find((s) => s.name === 'file-ordering')?.reason ?? '', /apt-get install disorderfs/);
  assert.match(plain.skipped.find((s) => s.name === 'cpus')?.reason ?? '', /one CPU/);
  assert.equal(plain.setups[1]?.phaseUser, undefined);
  assert.deepEqual(plain.setups[1]?.wrap, []);
});

test('allowedCpus reads the affinity list of /proc/self/status', async (t) => {
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { testDir } = await import('../helpers/tmp.js');
  const dir = await testDir(t, 'repro-cpus-');
  await writeFile(join(dir, 'status'), 'Name:\tx\nCpus_allowed_list:\t0-2,5\n');
  assert.deepEqual(allowedCpus(join(dir, 'status')), [0, 1, 2, 5]);
  assert.ok(allowedCpus().length >= 1);
});
