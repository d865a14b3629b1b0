// For each image pair of test/fixtures/pairs.ts: diff → rules → (review) → normalize both
// sides → the outputs compare identical, share one manifest digest, and skopeo and umoci accept them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runRepro, runReproToFile } from '../helpers/cli.js';
import { pairs, type PairName } from '../fixtures/pairs.js';
import { requireTools } from '../helpers/tools.js';
import { openImage } from '../../src/image/index.js';
import { testDir } from '../helpers/tmp.js';


/** What a reviewer does after reading the generated file: accept the commented-out rules too. */
function acceptReviewed(text: string): string {
  return text.replace(/^ {2}# /gm, '  ');
}

const digestOf = (stdout: string): string => /(sha256:[0-9a-f]{64})/.exec(stdout)?.[1] ?? '';

const PAIRS: PairName[] = ['oci-image', 'docker-image', 'identical'];

/** diff → rules → (review) → normalize both sides; the two outputs and their manifest digests. */
async function normalizeBoth(d: string, name: PairName): Promise<{ outs: string[]; digests: string[]; rules: string }> {
  const { a, b, identical } = (await pairs())[name];
  const before = await runRepro(['diff', a, b, '--json', join(d, 'report.json'), '-q']);
  assert.equal(before.code, identical ? 0 : 1, before.stderr);
  const gen = await runRepro(['rules', join(d, 'report.json'), '-o', join(d, 'generated.yml')]);
  assert.equal(gen.code, 0, gen.stderr);
  const generated = await readFile(join(d, 'generated.yml'), 'utf8');
  const rules = join(d, 'rules.yml');
  await writeFile(rules, acceptReviewed(generated));
  const outs: string[] = [];
  const digests: string[] = [];
  for (const [side, input] of [['a', a], ['b', b]] as const) {
    const out = join(d, `${side}.oci.tar`);
    const r = await runRepro(['normalize', input, '--rules', rules, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    outs.push(out);
    digests.push(digestOf(r.stdout));
  }
  return { outs, digests, rules };
}

for (const name of PAIRS) {
  test(`pair ${name}: diff → rules → normalize both → identical`, async (t) => {
    const d = await testDir(t, `normalize-${name}-`);
    const { outs, digests, rules } = await normalizeBoth(d, name);
    assert.match(digests[0] ?? '', /^sha256:/);
    assert.equal(digests[0], digests[1], 'one manifest digest for both builds');
    const after = await runRepro(['diff', outs[0] ?? '', outs[1] ?? '']);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.deepEqual(await readFile(outs[0] ?? ''), await readFile(outs[1] ?? ''), 'byte-identical archives');
    // normalizing a normalized image with the same rules changes nothing
    const again = await runRepro(['normalize', outs[0] ?? '', '--rules', rules, '-o', join(d, 'again.tar')]);
    assert.equal(digestOf(again.stdout), digests[0]);
  });
}

test('pair oci-image normalized: skopeo reads its digest, umoci unpacks it', { skip: requireTools(['skopeo', 'skopeo'], ['umoci', 'umoci']) }, async (t) => {
  const d = await testDir(t, 'normalize-clients-');
  const { outs, digests } = await normalizeBoth(d, 'oci-image');
  const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${outs[0]}`], { encoding: 'utf8' })) as { Digest: string; Created: string };
  assert.equal(info.Digest, digests[0]);
  await mkdir(join(d, 'layout'));
  execFileSync('tar', ['-xf', outs[0] ?? '', '-C', join(d, 'layout')]);
  execFileSync('umoci', ['unpack', '--rootless', '--image', `${join(d, 'layout')}:latest`, join(d, 'bundle')], { stdio: 'pipe' });
  const osRelease = await readFile(join(d, 'bundle', 'rootfs', 'etc', 'os-release'), 'utf8');
  assert.ok(osRelease.length > 0);
});

test('the oci-image pair: generated rules remove each planted difference the way the issue asks', async (t) => {
  const d = await testDir(t, 'normalize-content-');
  const c = (await pairs())['oci-image'];
  await runRepro(['diff', c.a, c.b, '--json', join(d, 'r.json'), '-q']);
  await runRepro(['rules', join(d, 'r.json'), '-o', join(d, 'rules.yml')]);
  const r = await runRepro(['normalize', c.b, '--rules', join(d, 'rules.yml'), '--epoch', '1700000000', '--format', 'oci-dir', '-o', join(d, 'out')]);
  assert.equal(r.code, 0, r.stderr);
  const inspect = await runRepro(['diff', c.b, join(d, 'out'), '--json', '-']);
  const report = JSON.parse(inspect.stdout) as { findings: { path: string; category: string }[] };
  const changed = new Set(report.findings.map((f) => f.path));
  for (const p of ['/etc/machine-id', '/etc/group', '/var/log/dpkg.log', '/usr/share/doc/changelog.gz', '/var/lib/extra-state']) {
    assert.ok(changed.has(p), `${p} was rewritten`);
  }
  const auxCache = report.findings.filter((f) => f.path === '/var/cache/ld/aux-cache').map((f) => f.category);
  assert.ok(auxCache.length > 0 && auxCache.every((c) => c === 'mtime' || c === 'metadata'), `the commented-out binary rule is not applied: content kept (${auxCache.join(', ')})`);
  const config = (await openImage(join(d, 'out'))).config ?? {};
  assert.equal(config.created, '2023-11-14T22:13:20Z', 'created set to --epoch');
  assert.ok((config.history ?? []).every((h) => h.created === '2023-11-14T22:13:20Z'));
});

test('normalize: a broken rule file is one line with file:line, exit 2; bad options exit 2', async (t) => {
  const d = await testDir(t, 'normalize-bad-');
  await writeFile(join(d, 'bad.yml'), 'version: 1\nrules:\n  - match: /etc/machine-id\n    action: truncate\n  - match: /x\n    action: blank\n');
  const image = (await pairs())['oci-image'].a;
  const r = await runRepro(['normalize', image, '--rules', join(d, 'bad.yml'), '-o', join(d, 'o.tar')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${join(d, 'bad.yml')}:6: rules\\[1\\]\\.action: unknown action "blank"`));
  const f = await runRepro(['normalize', image, '--rules', 'common', '--format', 'tarball', '-o', join(d, 'o.tar')]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /--format/);
  const e = await runRepro(['normalize', image, '--rules', 'common', '-o', join(d, 'o.tar')], { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
  assert.equal(e.code, 2);
  assert.match(e.stderr, /SOURCE_DATE_EPOCH/);
});

test('normalize -o - writes the archive to stdout (the summary to stderr, no file named "-"); an oci-dir cannot go there', async (t) => {
  const d = await testDir(t, 'normalize-stdout-');
  const cwd = join(d, 'cwd');
  await mkdir(cwd);
  const image = (await pairs())['oci-image'].a;
  const toFile = await runRepro(['normalize', image, '--rules', 'common', '-o', join(d, 'file.tar')]);
  assert.equal(toFile.code, 0, toFile.stderr);
  const r = await runReproToFile(['normalize', image, '--rules', 'common', '-o', '-'], join(d, 'stdout.tar'), { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^-: sha256:[0-9a-f]{64} /m);
  assert.deepEqual(await readFile(join(d, 'stdout.tar')), await readFile(join(d, 'file.tar')), 'the same bytes as -o FILE');
  assert.deepEqual(await readdir(cwd), []);
  const dir = await runRepro(['normalize', image, '--rules', 'common', '--format', 'oci-dir', '-o', '-'], { cwd });
  assert.equal(dir.code, 2);
  assert.match(dir.stderr, /oci-dir .* cannot go to stdout/);
});
