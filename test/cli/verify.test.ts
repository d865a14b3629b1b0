// `repro verify MANIFEST --against REF`: one rebuild compared with a published image, in a real registry
// (docker-registry on localhost) and as an archive. Exit 0 for an identical rebuild, 1 with the classified
// difference otherwise, and with --rules the differences the rules explain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { push, startRegistry } from '../helpers/registry.js';
import { testDir } from '../helpers/tmp.js';
import { requireTools } from '../helpers/tools.js';

/** A scratch image pinned to an epoch; with `randomId` a phase writes a fresh /etc/machine-id each build. */
function manifest(randomId: boolean): string {
  return [
    'version: 1',
    'name: app',
    'base: scratch',
    'epoch: 1700000000',
    'normalize: [common]',
    'phases:',
    '  - name: files',
    '    files:',
    '      - dest: /etc/app.conf',
    '        content: "mode = production\\n"',
    '        mode: "0644"',
    ...(randomId ? ['  - name: id', '    run:', `      - od -An -tx1 -N16 /dev/urandom | tr -d ' \\n' > "$ROOTFS/etc/machine-id"`] : []),
    '',
  ].join('\n');
}

const MACHINE_ID_RULE = ['version: 1', 'rules:', '  - match: /etc/machine-id', '    action: truncate', '    reason: {category: random-id, evidence: "a fresh id per build"}', ''].join('\n');

interface VerifyJson {
  identical: boolean;
  inputs: { path: string }[];
  findings: { path: string; category: string }[];
  verify: { bitIdentical: boolean; rebuiltDigest: string; publishedDigest: string; normalizedPublished: boolean; explained: { path: string; category: string }[] };
}

async function publish(dir: string, name: string, text: string): Promise<{ manifest: string; archive: string; digest: string }> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, text);
  const archive = join(dir, `${name}.tar`);
  const r = await runRepro(['build', file, '-o', archive, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return { manifest: file, archive, digest: (JSON.parse(r.stdout) as { manifestDigest: string }).manifestDigest };
}

test('verify against a pushed image: 0 when the rebuild is identical, 1 with the classified difference, --rules explains it', { skip: requireTools(['skopeo', 'skopeo'], ['docker-registry', 'docker-registry']) }, async (t) => {
  const reg = await startRegistry(t);
  const dir = await testDir(t, 'verify-');
  const same = await publish(dir, 'same', manifest(false));
  const random = await publish(dir, 'random', manifest(true));
  await push(`oci-archive:${same.archive}`, `docker://${reg.host}/app:same`);
  await push(`oci-archive:${random.archive}`, `docker://${reg.host}/app:random`);

  await t.test('identical rebuild: exit 0, bit for bit', async () => {
    const r = await runRepro(['verify', same.manifest, '--against', `docker://${reg.host}/app:same`, '--tls-verify=false']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`published  docker://${reg.host}/app:same: ${same.digest}`));
    assert.match(r.stdout, /VERIFIED: the rebuild is the published image, bit for bit/);
  });

  await t.test('a rebuild that differs: exit 1, the difference classified', async () => {
    const r = await runRepro(['verify', random.manifest, '--against', `docker://${reg.host}/app:random`, '--tls-verify=false', '--json', '-']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as VerifyJson;
    assert.equal(report.verify.bitIdentical, false);
    assert.equal(report.verify.publishedDigest, random.digest);
    assert.notEqual(report.verify.rebuiltDigest, random.digest);
    assert.deepEqual(report.findings.filter((f) => f.path !== '').map((f) => [f.path, f.category]), [['/etc/machine-id', 'random-id']]);
    assert.deepEqual(report.inputs.map((i) => i.path), [`rebuild of ${random.manifest}`, `docker://${reg.host}/app:random`]);
    const human = await runRepro(['verify', random.manifest, '--against', `docker://${reg.host}/app:random`, '--tls-verify=false']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /NOT VERIFIED: the rebuild differs from the published image/);
    assert.match(human.stdout, /\/etc\/machine-id +random-id: 32-hex token differs/);
  });

  await t.test('--rules: both sides normalized, the explained difference named, exit 0 modulo rules', async () => {
    const rules = join(dir, 'machine-id.yml');
    await writeFile(rules, MACHINE_ID_RULE);
    const r = await runRepro(['verify', random.manifest, '--against', `docker://${reg.host}/app:random`, '--tls-verify=false', '--rules', rules, '--json', '-']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as VerifyJson;
    assert.equal(report.verify.normalizedPublished, true);
    assert.deepEqual(report.verify.explained.filter((f) => f.path !== '').map((f) => [f.path, f.category]), [['/etc/machine-id', 'random-id']]);
    assert.match(report.inputs[1]?.path ?? '', /\(normalized by the rules\)$/);
    const human = await runRepro(['verify', random.manifest, '--against', `docker://${reg.host}/app:random`, '--tls-verify=false', '--rules', rules]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /normalized by the same rules \(common, .*machine-id\.yml\) before comparing: they explain \d+ \(.*random-id 1.*\) of the differences/);
    assert.match(human.stdout, /VERIFIED MODULO RULES/);
  });
});

test('verify against an archive; a missing published image is one line, exit 2', async (t) => {
  const dir = await testDir(t, 'verify-archive-');
  const same = await publish(dir, 'same', manifest(false));
  const r = await runRepro(['verify', same.manifest, '--against', same.archive, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const missing = await runRepro(['verify', same.manifest, '--against', join(dir, 'nope.tar'), '-q']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `repro: ${join(dir, 'nope.tar')}: no such file or directory\n`);
});
