// Images made by real clients (umoci, skopeo from Debian; GNU tar, gzip, zstd), cross-checked against what
// skopeo itself reports: `repro inspect --json` must give the same manifest, config, layer digests and
// diff_ids. Skips (with the reason) only when a binary is missing; CI installs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import type { InspectResult } from '../../src/image/inspect.js';
import { testDir } from '../helpers/tmp.js';
import { requireTools } from '../helpers/tools.js';

const run = (bin: string, args: string[], cwd?: string): string => execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sha = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function inspectJson(input: string): Promise<InspectResult> {
  const r = await runRepro(['inspect', '--json', input]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as InspectResult;
}

interface SkopeoManifest {
  config: { digest: string };
  layers: { digest: string; mediaType: string }[];
}

/** A small tree with the cases real tools store in their own ways: symlink, hardlink, long name, modes. */
async function makeTree(root: string): Promise<void> {
  const long = join(root, 'usr/share/doc', 'a-rather-long-directory-name-for-testing'.repeat(2), 'x'.repeat(60));
  await mkdir(long, { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/motd'), 'hello from umoci\n');
  await writeFile(join(long, 'README'), 'long path\n');
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await writeFile(join(root, 'usr/bin/gunzip'), '#!/bin/sh\n', { mode: 0o755 });
  await link(join(root, 'usr/bin/gunzip'), join(root, 'usr/bin/uncompress'));
  await symlink('motd', join(root, 'etc/motd.link'));
}

test('umoci + skopeo images: repro inspect agrees with skopeo inspect (OCI dir, oci-archive, zstd, docker-archive)', { skip: requireTools(['umoci', 'umoci'], ['skopeo', 'skopeo']), timeout: 180_000 }, async (t) => {
  const dir = await testDir(t, 'real-clients-');
  await makeTree(join(dir, 'tree'));
  const lay = join(dir, 'lay');
  run('umoci', ['init', '--layout', lay]);
  run('umoci', ['new', '--image', `${lay}:t`]);
  run('umoci', ['insert', '--image', `${lay}:t`, join(dir, 'tree'), '/']);
  run('umoci', ['insert', '--image', `${lay}:t`, '--whiteout', '/etc/motd']);
  run('umoci', ['config', '--image', `${lay}:t`, '--config.env', 'A=1', '--config.cmd', '/bin/sh']);
  run('skopeo', ['copy', '-q', `oci:${lay}:t`, `oci-archive:${join(dir, 'x.oci.tar')}`]);
  run('skopeo', ['copy', '-q', `oci-archive:${join(dir, 'x.oci.tar')}`, `docker-archive:${join(dir, 'y.docker.tar')}:name:tag`]);
  run('skopeo', ['copy', '-q', '--dest-compress', '--dest-compress-format', 'zstd', `oci:${lay}:t`, `oci:${join(dir, 'zlay')}:t`]);

  const checkOci = async (input: string, ref: string, kind: string): Promise<InspectResult> => {
    const raw = run('skopeo', ['inspect', '--raw', ref]);
    const manifest = JSON.parse(raw) as SkopeoManifest;
    const config = JSON.parse(run('skopeo', ['inspect', '--config', '--raw', ref])) as { rootfs: { diff_ids: string[] }; architecture: string };
    const summary = JSON.parse(run('skopeo', ['inspect', ref])) as { Layers: string[]; Digest: string };
    const r = await inspectJson(input);
    assert.equal(r.kind, kind);
    assert.equal(r.manifestDigest, sha(raw), `${input}: manifest digest`);
    assert.equal(r.manifestDigest, summary.Digest);
    assert.equal(r.configDigest, manifest.config.digest);
    assert.deepEqual(r.layers.map((l) => l.digest), manifest.layers.map((l) => l.digest));
    assert.deepEqual(r.layers.map((l) => l.digest), summary.Layers);
    assert.deepEqual(r.layers.map((l) => l.mediaType), manifest.layers.map((l) => l.mediaType));
    assert.deepEqual(r.layers.map((l) => l.diffId), config.rootfs.diff_ids);
    assert.equal(r.architecture, config.architecture);
    return r;
  };
  const fromDir = await checkOci(lay, `oci:${lay}:t`, 'oci-dir');
  assert.deepEqual(fromDir.layers.map((l) => l.whiteouts), [0, 1]);
  assert.ok(fromDir.layers[0]!.entries >= 10, `entries: ${fromDir.layers[0]!.entries}`);
  assert.equal(fromDir.history.length, 3);
  const fromArchive = await checkOci(join(dir, 'x.oci.tar'), `oci-archive:${join(dir, 'x.oci.tar')}`, 'oci-archive');
  assert.deepEqual(fromArchive.layers.map((l) => l.entries), fromDir.layers.map((l) => l.entries));
  const zstd = await checkOci(join(dir, 'zlay'), `oci:${join(dir, 'zlay')}:t`, 'oci-dir');
  assert.deepEqual(zstd.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
  assert.deepEqual(zstd.layers.map((l) => l.diffId), fromDir.layers.map((l) => l.diffId), 'same tars under another compression');

  // docker-archive: skopeo reports layers by their uncompressed digests (= diff_ids)
  const dref = `docker-archive:${join(dir, 'y.docker.tar')}`;
  const dmanifest = JSON.parse(run('skopeo', ['inspect', '--raw', dref])) as SkopeoManifest;
  const dconfig = JSON.parse(run('skopeo', ['inspect', '--config', '--raw', dref])) as { rootfs: { diff_ids: string[] } };
  const dsummary = JSON.parse(run('skopeo', ['inspect', dref])) as { Layers: string[] };
  const d = await inspectJson(join(dir, 'y.docker.tar'));
  assert.equal(d.kind, 'docker-archive');
  assert.equal(d.configDigest, dmanifest.config.digest);
  assert.deepEqual(d.layers.map((l) => l.diffId), dconfig.rootfs.diff_ids);
  assert.deepEqual(d.layers.map((l) => l.digest), dmanifest.layers.map((l) => l.digest));
  assert.deepEqual(d.layers.map((l) => l.digest), dsummary.Layers);
  assert.deepEqual(d.layers.map((l) => l.diffId), fromDir.layers.map((l) => l.diffId));
  assert.deepEqual(d.layers.map((l) => l.entries), fromDir.layers.map((l) => l.entries));
  // the quirk umoci 0.4 is known for is tolerated, and said
  assert.ok(d.warnings.some((w) => w.includes('end-of-archive')), d.warnings.join('\n'));
});

test('GNU tar (gnu and posix formats) compressed by gzip and zstd: one layer, diff_id = sha256 of the tar', { skip: requireTools(['tar', 'tar'], ['gzip', 'gzip'], ['zstd', 'zstd']), timeout: 60_000 }, async (t) => {
  const dir = await testDir(t, 'real-tar-');
  await makeTree(join(dir, 'tree'));
  const expected = run('tar', ['-C', join(dir, 'tree'), '-cf', '-', '.'], dir).length; // ensure tar works
  assert.ok(expected > 0);
  for (const format of ['gnu', 'posix']) {
    const tarFile = join(dir, `root-${format}.tar`);
    run('tar', [`--format=${format}`, '--sort=name', '-C', join(dir, 'tree'), '-cf', tarFile, '.']);
    const listed = run('tar', ['-tf', tarFile]).trim().split('\n').length;
    const tarBytes = await readFile(tarFile);
    run('gzip', ['-k', '-n', tarFile]);
    run('zstd', ['-q', '-19', tarFile, '-o', `${tarFile}.zst`]);
    for (const input of [tarFile, `${tarFile}.gz`, `${tarFile}.zst`]) {
      const r = await inspectJson(input);
      assert.equal(r.kind, 'rootfs-tar', input);
      assert.equal(r.layers.length, 1);
      assert.equal(r.layers[0]!.diffId, sha(tarBytes), input);
      assert.equal(r.layers[0]!.digest, sha(await readFile(input)), input);
      assert.equal(r.layers[0]!.entries, listed, `${input}: entries vs tar -tf`);
      assert.ok(!r.warnings.some((w) => w.includes('end-of-archive')), `${input}: ${r.warnings.join('\n')}`);
    }
  }
});
