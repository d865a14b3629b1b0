// diff --all-platforms: two multi-platform indexes (built in code) compared platform by platform, paired by
// os/arch/variant whatever their order in the index; a platform on one side only is a finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { makeOciImage } from '../helpers/images.js';
import { Layout, layerOf, type Desc } from '../helpers/images-extra.js';
import { push, startRegistry } from '../helpers/registry.js';
import { testDir } from '../helpers/tmp.js';
import { requireTools } from '../helpers/tools.js';

type Platform = NonNullable<Desc['platform']>;

/** An OCI layout holding a multi-platform image, one image per platform: each has /etc/arch naming it, and `extra` files. */
async function multi(dir: string, platforms: [Platform, Record<string, string>][]): Promise<string> {
  const lay = new Layout();
  const manifests: Desc[] = [];
  for (const [platform, files] of platforms) {
    const name = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
    const members = [{ path: 'etc/arch', content: `${name}\n`, mtime: 1_700_000_000 }, ...Object.entries(files).map(([path, content]) => ({ path, content, mtime: 1_700_000_000 }))];
    manifests.push(lay.image([await layerOf(members)], { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}) }, { platform }));
  }
  // nested, as skopeo and buildah write a multi-platform image: index.json names one index by its tag
  const inner = lay.index(manifests, 'list') as Desc;
  lay.index([{ ...inner, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }]);
  await lay.writeDir(dir);
  return dir;
}

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const S390X: Platform = { os: 'linux', architecture: 's390x' };

interface JsonReport {
  identical: boolean;
  findings: { path: string; category: string; platform?: string; layer?: number }[];
}

test('--all-platforms pairs platforms by name, reports each pair\'s differences under its platform and a one-sided platform as added/removed', async (t) => {
  const dir = await testDir(t, 'all-platforms-');
  const a = await multi(join(dir, 'a'), [[AMD64, { 'etc/app': 'v1\n' }], [ARM64, { 'etc/app': 'v1\n' }]]);
  // another order, arm64 changed, s390x added
  const b = await multi(join(dir, 'b'), [[S390X, { 'etc/app': 'v1\n' }], [ARM64, { 'etc/app': 'v2\n' }], [AMD64, { 'etc/app': 'v1\n' }]]);
  const r = await runRepro(['diff', a, b, '--all-platforms', '--json', '-']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  const files = report.findings.filter((f) => f.path !== '' && f.category !== 'image-metadata');
  assert.deepEqual(files.map((f) => [f.platform, f.path, f.category]), [['linux/arm64/v8', '/etc/app', 'content']]);
  const one = report.findings.filter((f) => f.path === '' && f.category !== 'image-metadata');
  assert.deepEqual(one.map((f) => [f.platform, f.category]), [['linux/s390x', 'added']]);
  assert.ok(!report.findings.some((f) => f.platform === 'linux/amd64'), 'amd64 is the same on both sides');

  const human = await runRepro(['diff', a, b, '--all-platforms']);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /linux\/arm64\/v8 layer 0/);
  assert.match(human.stdout, /platform linux\/s390x only in b/);

  const back = await runRepro(['diff', b, a, '--all-platforms', '--json', '-']);
  const removed = (JSON.parse(back.stdout) as JsonReport).findings.filter((f) => f.path === '' && f.category !== 'image-metadata');
  assert.deepEqual(removed.map((f) => [f.platform, f.category]), [['linux/s390x', 'removed']]);

  const same = await runRepro(['diff', a, a, '--all-platforms']);
  assert.equal(same.code, 0, same.stderr + same.stdout);
});

test('--all-platforms on a single image, or with --platform: one line, exit 2', async (t) => {
  const dir = await testDir(t, 'all-platforms-single-');
  const a = await multi(join(dir, 'a'), [[AMD64, {}], [ARM64, {}]]);
  await makeOciImage(join(dir, 'single'), { layers: [[{ path: 'x', content: 'x' }]] });
  const r = await runRepro(['diff', a, join(dir, 'single'), '--all-platforms']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `repro: ${join(dir, 'single')}: --all-platforms: not a multi-platform index (compare it without --all-platforms)\n`);
  const both = await runRepro(['diff', a, a, '--all-platforms', '--platform', 'linux/amd64']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--all-platforms and --platform: choose one/);
});

test('--all-platforms between two multi-platform images in a registry', { skip: requireTools(['skopeo', 'skopeo'], ['docker-registry', 'docker-registry']) }, async (t) => {
  const reg = await startRegistry(t);
  const dir = await testDir(t, 'all-platforms-registry-');
  await push(`oci:${await multi(join(dir, 'a'), [[AMD64, { 'etc/app': 'v1\n' }], [ARM64, { 'etc/app': 'v1\n' }]])}`, `docker://${reg.host}/m:1`);
  await push(`oci:${await multi(join(dir, 'b'), [[AMD64, { 'etc/app': 'v1\n' }], [ARM64, { 'etc/app': 'v2\n' }]])}`, `docker://${reg.host}/m:2`);
  const r = await runRepro(['diff', `docker://${reg.host}/m:1`, `docker://${reg.host}/m:2`, '--all-platforms', '--tls-verify=false', '--json', '-']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  const files = report.findings.filter((f) => f.path !== '');
  assert.deepEqual(files.map((f) => [f.platform, f.path, f.category]), [['linux/arm64/v8', '/etc/app', 'content']]);
  // one platform of a list, as --platform picks it, from the same registry
  const arm = await runRepro(['diff', `docker://${reg.host}/m:1`, `docker://${reg.host}/m:2`, '--platform', 'linux/arm64/v8', '--tls-verify=false', '--json', '-']);
  assert.equal(arm.code, 1, arm.stderr);
  assert.deepEqual((JSON.parse(arm.stdout) as JsonReport).findings.filter((f) => f.path !== '').map((f) => f.path), ['/etc/app']);
  const amd = await runRepro(['diff', `docker://${reg.host}/m:1`, `docker://${reg.host}/m:2`, '--platform', 'linux/amd64', '--tls-verify=false']);
  assert.equal(amd.code, 0, amd.stderr + amd.stdout);
});
