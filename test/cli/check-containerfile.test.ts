// Issue 18: `builder: {containerfile}` through real buildah (root, vfs storage, chroot isolation). A
// Containerfile ADDs a busybox-static rootfs made in code, then RUN steps write the date, the hostname and a
// random id. `repro check` builds it twice: the differences are found and explained, rules are emitted, and
// with those rules both builds give one digest. The image has one layer per instruction that makes one,
// and buildah's storage is gone afterwards (nothing left under the private temp area, nothing mounted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BUILD_HOSTNAME } from '../../src/builder/options.js';
import { findLibfaketime } from '../../src/check/faketime.js';
import { findCommand } from '../../src/core/find-command.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { runRepro } from '../helpers/cli.js';
import { mountsUnder } from '../helpers/hostile.js';
import { makeOciArchive, makeRootfsTar, type TestMember } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTool, requireTools } from '../helpers/tools.js';

const skip = firstSkip(requireRoot('buildah with vfs storage and chroot isolation'), requireTool('buildah', 'buildah'), requireTool('busybox', 'busybox-static'));

const APPLETS = ['sh', 'date', 'hostname', 'head', 'od', 'tr', 'echo'];

async function busyboxRootfs(): Promise<TestMember[]> {
  const busybox = await readFile(findCommand('busybox')!);
  return [
    ...['bin', 'tmp'].map((d): TestMember => ({ path: `${d}/`, type: 'dir', mtime: 1_600_000_000 })),
    { path: 'bin/busybox', content: busybox, mode: 0o755, mtime: 1_600_000_000 },
    ...APPLETS.map((a): TestMember => ({ path: `bin/${a}`, type: 'symlink', linkname: 'busybox', mtime: 1_600_000_000 })),
  ];
}

// ADD and the two RUNs make layers; ARG does not (buildah marks it empty_layer).
// The id is 64 hex characters: an id of only decimal digits is a number to the classifier (content, see
// test/classify/classify-text.test.ts), and that happens with odds (10/16)^64, 1 in 1.2·10^13 a side. With 8
// bytes (16 characters) it was 1 in 1,845 a side, 1 in 922 a run: the check then saw content.
const CONTAINERFILE = [
  'FROM scratch',
  'ADD rootfs.tar /',
  'ARG SOURCE_DATE_EPOCH',
  'RUN date +%s > /built-at && echo "$SOURCE_DATE_EPOCH" > /epoch && hostname > /host',
  "RUN head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /id",
  '',
].join('\n');

interface CheckJson {
  reproducible: boolean;
  findings: { path: string; category: string }[];
  builds: { manifestDigest: string; layers: { phase: string }[] }[];
  variations: { applied: { name: string }[]; skipped: { name: string; reason: string }[] };
  buildah?: { version: string; offers: { name: string; state: string; removes?: { mtime: number; 'image-metadata': number } }[] };
  fix?: { converged: boolean; rounds: { categories: Record<string, number> }[] };
}

/** A build context (the rootfs tarball and the Containerfile) and a manifest whose builder is `builder` (YAML lines). */
async function project(t: Parameters<typeof testDir>[0], containerfile: string, builder: string): Promise<{ dir: string; tmp: string; manifest: string }> {
  const dir = await testDir(t, 'repro-containerfile-');
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  await makeRootfsTar(join(dir, 'rootfs.tar'), await busyboxRootfs());
  await writeFile(join(dir, 'Containerfile'), containerfile);
  const manifest = join(dir, 'manifest.yml');
  await writeFile(manifest, `name: containerfile-demo\nepoch: 1700000000\nbuilder:\n${builder}`);
  return { dir, tmp, manifest };
}

test('check a Containerfile through buildah: differences found and explained, rules make both builds one digest', { skip, timeout: 180_000 }, async (t) => {
  const { dir, tmp, manifest } = await project(t, CONTAINERFILE, '  containerfile: Containerfile\n');
  const json = join(dir, 'r.json');
  const rules = join(dir, 'rules.yml');
  const keep = join(dir, 'images');
  // One build after the other: the second RUN `date` then reads a later second than the first.
  const env = { REPRO_TMPDIR: tmp };
  const r = await runRepro(['check', manifest, '--jobs', '1', '--keep', keep, '--json', json, '--emit-rules', rules], { env });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as CheckJson;
  // Besides its mtime (each build writes its files at its own time), each file has the one difference its RUN made.
  const byPath = (p: string): string[] => report.findings.filter((f) => f.path === p && f.category !== 'mtime').map((f) => f.category);
  assert.deepEqual(byPath('/id'), ['random-id']);
  assert.deepEqual(byPath('/built-at'), ['timestamp']);
  assert.deepEqual(byPath('/host'), ['build-env'], 'the hostname variation reaches the RUN step');
  assert.deepEqual(byPath('/epoch'), [], 'SOURCE_DATE_EPOCH is the same build argument in both builds');
  assert.ok(!report.findings.some((f) => f.category === 'content' || f.category === 'binary'), JSON.stringify(report.findings));
  // Every variation buildah carries into RUN steps applies (time and cpus as far as this machine allows).
  const skipped = new Set(report.variations.skipped.map((s) => s.name));
  assert.deepEqual(report.variations.applied.map((v) => v.name).sort(), ['cpus', 'domain', 'environment', 'home', 'hostname', 'kernel', 'locale', 'time', 'timezone'].filter((n) => !skipped.has(n)));
  assert.deepEqual([...skipped].filter((n) => n !== 'time' && n !== 'cpus').sort(), ['build-path', 'exec-path', 'file-ordering', 'umask', 'user']);

  // --timestamp is offered, counting the mtime-only findings and the created times (the last test builds with it).
  const offer = report.buildah?.offers.find((o) => o.name === 'timestamp');
  assert.equal(offer?.state, 'offered');
  const created = report.findings.filter((f) => f.category === 'image-metadata' && /created/.test(JSON.stringify(f)));
  assert.ok(created.length > 0 && (offer?.removes?.mtime ?? 0) > 0, JSON.stringify(offer));
  assert.deepEqual(offer?.removes, { mtime: report.findings.filter((f) => f.category === 'mtime').length, 'image-metadata': created.length });
  assert.equal(report.buildah?.offers.find((o) => o.name === 'source-date-epoch')?.state, 'on', 'the Containerfile declares ARG SOURCE_DATE_EPOCH');
  assert.match(r.stdout, /builder\.timestamp: true \(--timestamp 1700000000\) sets every file time and created time to the epoch: would remove \d+ of these findings/);

  // One layer per instruction that makes one: ADD, RUN, RUN.
  assert.deepEqual(report.builds[0]?.layers.map((l) => l.phase.split(' ')[0]), ['ADD', 'RUN', 'RUN']);
  const image = await openImage(join(keep, 'image-A.tar'));
  assert.equal(image.layers.length, 3);
  const history = image.config?.history ?? [];
  assert.equal(history.filter((h) => !h.empty_layer).length, 3);
  assert.ok(history.some((h) => h.empty_layer && /ARG SOURCE_DATE_EPOCH/.test(h.created_by ?? '')));
  const env0 = (image.config?.config?.Env ?? []) as string[];
  assert.ok(!env0.some((kv) => /^(TZ|LANG|LC_ALL|REPRO_CHECK_VARIATION|LD_PRELOAD|FAKETIME)=/.test(kv)), `the variations are not left in the config: ${env0.join(' ')}`);

  // buildah's storage went with the build; nothing of it is mounted.
  assert.deepEqual(await readdir(tmp), []);
  assert.deepEqual(mountsUnder(dir), []);

  const again = await runRepro(['check', manifest, '--jobs', '1', '--rules', rules, '--json', json], { env });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  const second = JSON.parse(await readFile(json, 'utf8')) as CheckJson;
  assert.equal(second.reproducible, true);
  assert.equal(second.builds[0]?.manifestDigest, second.builds[1]?.manifestDigest);
  assert.deepEqual(await readdir(tmp), []);
});

test("a variable the Containerfile sets with ENV keeps its value: the variation is skipped, the RUN steps and the config have the Containerfile's", { skip, timeout: 180_000 }, async (t) => {
  const { dir, tmp, manifest } = await project(t, 'FROM scratch\nADD rootfs.tar /\nENV TZ=UTC\nRUN echo "$TZ $LC_ALL" > /tz\n', '  containerfile: Containerfile\n');
  const json = join(dir, 'r.json');
  const keep = join(dir, 'images');
  const r = await runRepro(['check', manifest, '--jobs', '1', '--vary', 'timezone,locale', '--keep', keep, '--json', json], { env: { REPRO_TMPDIR: tmp } });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as CheckJson;
  assert.deepEqual(report.variations.skipped, [{ name: 'timezone', reason: 'the Containerfile sets TZ with ENV, and buildah --env would override its value' }]);
  assert.deepEqual(report.variations.applied.map((v) => v.name), ['locale']);
  for (const side of ['A', 'B']) {
    const image = await openImage(join(keep, `image-${side}.tar`));
    assert.ok(((image.config?.config?.Env ?? []) as string[]).includes('TZ=UTC'), `image ${side} keeps the Containerfile's TZ=UTC`);
  }
  // The RUN step saw TZ=UTC in both builds; only the locale variation (LC_ALL) differs in /tz.
  assert.deepEqual(report.findings.filter((f) => f.path === '/tz' && f.category !== 'mtime').map((f) => f.category), ['build-env']);
});

test("a variable the base image's config sets keeps its value: not passed to the RUN steps, kept in the config", { skip, timeout: 180_000 }, async (t) => {
  // ARG first: buildah 1.28 gives --env only to steps after the first one committed after FROM
  const { dir, tmp, manifest } = await project(t, 'FROM oci-archive:base.tar\nARG X\nRUN echo "$LANG" > /lang\n', '  containerfile: Containerfile\n');
  await makeOciArchive(join(dir, 'base.tar'), { layers: [await busyboxRootfs()], config: { config: { Env: ['PATH=/bin', 'LANG=C.UTF-8'] } } });
  const json = join(dir, 'r.json');
  const keep = join(dir, 'images');
  const r = await runRepro(['check', manifest, '--jobs', '1', '--vary', 'locale', '--keep', keep, '--json', json], { env: { REPRO_TMPDIR: tmp } });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as CheckJson;
  // LC_ALL is the base's to leave unset, so the locale variation still applies through it
  assert.deepEqual(report.variations.applied.map((v) => v.name), ['locale']);
  for (const side of ['A', 'B']) {
    const image = await openImage(join(keep, `image-${side}.tar`));
    const env = (image.config?.config?.Env ?? []) as string[];
    assert.ok(env.includes('LANG=C.UTF-8'), `image ${side} keeps the base's LANG=C.UTF-8: ${env.join(' ')}`);
    assert.ok(!env.some((kv) => kv.startsWith('LC_ALL=')), `image ${side}: repro's LC_ALL is taken out again: ${env.join(' ')}`);
  }
  // The RUN step saw the base's LANG in both builds: /lang is the same
  assert.deepEqual(report.findings.filter((f) => f.path === '/lang' && f.category !== 'mtime'), []);
});

test('a plain build of a Containerfile gives RUN steps the build hostname, not buildah\'s random container id', { skip, timeout: 120_000 }, async (t) => {
  const { dir, tmp, manifest } = await project(t, 'FROM scratch\nADD rootfs.tar /\nRUN hostname > /host\n', '  containerfile: Containerfile\n');
  const out = join(dir, 'image.tar');
  const r = await runRepro(['build', manifest, '-o', out], { env: { REPRO_TMPDIR: tmp } });
  assert.equal(r.code, 0, r.stderr);
  const image = await openImage(out);
  let host = '';
  for await (const { entry, body } of readLayer(image, image.layers[1]!)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    if (entry.path === 'host') host = Buffer.concat(chunks).toString();
  }
  assert.equal(host, `${BUILD_HOSTNAME}\n`);
});

test("a Containerfile buildah cannot build: exit 2, the error names the manifest line with buildah's last output, storage removed", { skip, timeout: 60_000 }, async (t) => {
  const { dir, tmp, manifest } = await project(t, 'FROM scratch\nADD rootfs.tar /\nRUN exit 3\n', '  containerfile: Containerfile\n');
  const r = await runRepro(['build', manifest, '-o', join(dir, 'out.tar')], { env: { REPRO_TMPDIR: tmp } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: builder: buildah bud exited with code \\d+`));
  assert.deepEqual(await readdir(tmp), []);
  assert.deepEqual(mountsUnder(dir), []);
});

test('builder.timestamp: true leaves no mtime or created-time difference, and --fix converges on the rest', { skip, timeout: 180_000 }, async (t) => {
  const containerfile = CONTAINERFILE.replace(/^RUN date.*\n/m, 'RUN hostname > /host\n');
  const { dir, tmp, manifest } = await project(t, containerfile, '  containerfile: Containerfile\n  timestamp: true\n');
  const json = join(dir, 'r.json');
  const r = await runRepro(['check', manifest, '--fix', '--emit-rules', join(dir, 'fix.yml'), '--json', json], { env: { REPRO_TMPDIR: tmp } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as CheckJson;
  assert.equal(report.fix?.converged, true);
  const first = report.fix?.rounds[0]?.categories ?? {};
  assert.ok(first['random-id'] && first['build-env'], JSON.stringify(first));
  assert.equal(first.mtime, undefined, 'every file time is the epoch');
  assert.equal(first['image-metadata'], undefined, 'created times are the epoch and the intermediate image ids are gone');
  assert.equal(report.buildah?.offers.find((o) => o.name === 'timestamp')?.state, 'on');
  assert.deepEqual(await readdir(tmp), []);
});

/** The shared objects `ldd` says a dynamically linked file loads (the dynamic loader included). */
function sharedObjects(file: string): string[] {
  const out = execFileSync('ldd', [file], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((m) => m[1]!);
}

const library = await findLibfaketime();

test('the time variation reaches a dynamically linked program in a RUN step (libfaketime through --env), and leaves no trace in the config', {
  skip: firstSkip(skip, requireTools(['date', 'coreutils'], ['ldd', 'libc-bin']), library ? false : 'needs libfaketime: apt-get install faketime (or run scripts/install-system-deps.sh)'),
  timeout: 120_000,
}, async (t) => {
  const date = findCommand('date')!;
  const files = [...new Set([date, ...sharedObjects(date), ...sharedObjects(library!)])];
  const dirs = new Set<string>(['bin', 'tmp']);
  for (const f of files) for (let d = f.slice(1, f.lastIndexOf('/')); d; d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) dirs.add(d);
  const members: TestMember[] = [
    ...[...dirs].sort().map((d): TestMember => ({ path: `${d}/`, type: 'dir' })),
    ...(await busyboxRootfs()).filter((m) => m.path.startsWith('bin/') && m.path !== 'bin/date'),
    ...(await Promise.all(files.map(async (f): Promise<TestMember> => ({ path: f.slice(1), content: await readFile(f), mode: 0o755 })))),
  ];
  const dir = await testDir(t, 'repro-containerfile-time-');
  await makeRootfsTar(join(dir, 'rootfs.tar'), members);
  await writeFile(join(dir, 'Containerfile'), `FROM scratch\nADD rootfs.tar /\nRUN ${date} +%s > /clock\n`);
  await writeFile(join(dir, 'manifest.yml'), 'name: clock\nepoch: 0\nbuilder: {containerfile: Containerfile}\n');
  const keep = join(dir, 'images');
  const r = await runRepro(['check', join(dir, 'manifest.yml'), '--vary', 'time', '--keep', keep]);
  assert.equal(r.code, 1, r.stderr);
  const clock = async (label: string): Promise<number> => {
    const image = await openImage(join(keep, `image-${label}.tar`));
    for await (const { entry, body } of readLayer(image, image.layers.at(-1)!)) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      if (entry.path === 'clock') return Number(Buffer.concat(chunks).toString().trim());
    }
    return assert.fail('no /clock in the RUN layer');
  };
  const [a, b] = [await clock('A'), await clock('B')];
  assert.ok(Math.abs(b - a - 3 * 86400) < 600, `build B's clock runs 3 days ahead: ${a} vs ${b}`);
  for (const label of ['A', 'B']) {
    const env = ((await openImage(join(keep, `image-${label}.tar`))).config?.config?.Env ?? []) as string[];
    assert.ok(!env.some((kv) => /^(LD_PRELOAD|FAKETIME)=/.test(kv)), env.join(' '));
  }
});
