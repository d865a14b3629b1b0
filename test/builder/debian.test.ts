// The real thing: fixtures/debian (debootstrap bookworm minbase + packages + configuration) built as root
// from the host's own apt mirror, twice, to the same digest. Minutes, not seconds, and the
// network: runs only with REPRO_DEBIAN_TESTS=1 (.ci/run sets it), as root, with debootstrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildManifest, type ProgressEvent } from '../../src/builder/index.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTool } from '../helpers/tools.js';

const skip = firstSkip(
  process.env.REPRO_DEBIAN_TESTS === '1' ? false : 'slow (minutes, two debootstraps): set REPRO_DEBIAN_TESTS=1 to run it (.ci/run does)',
  requireRoot('debootstrap'),
  requireTool('debootstrap', 'debootstrap'),
);

test('fixtures/debian builds as root: base + packages + configure, normalized by the debian rules, twice identical', { skip, timeout: 40 * 60_000 }, async (t) => {
  const dir = await testDir(t, 'repro-debian-');
  const events: ProgressEvent[] = [];
  const r = await buildManifest(join(PROJECT_ROOT, 'fixtures/debian/manifest.yml'), {
    out: join(dir, 'debian.tar'),
    workDir: join(dir, 'work'),
    extraRules: ['debian', 'common'],
    onProgress: (e) => events.push(e),
  });
  const done = events.filter((e) => e.kind === 'phase-done');
  process.stderr.write(`debian build: ${done.map((e) => `${e.phase} ${(e.elapsedMs / 1000).toFixed(1)} s`).join(', ')}; total ${(r.durationMs / 1000).toFixed(1)} s\n`);
  assert.deepEqual(r.layers.map((l) => l.phase), ['base', 'packages', 'configure']);

  const image = await openImage(r.out);
  const paths: Set<string>[] = [];
  let machineId: number | undefined;
  for (const layer of image.layers) {
    const set = new Set<string>();
    for await (const { entry, body } of readLayer(image, layer)) {
      body.resume();
      set.add(entry.path);
      if (entry.path === 'etc/machine-id') machineId = entry.size;
    }
    paths.push(set);
  }
  assert.ok(paths[0]!.has('usr/bin/dpkg') && paths[0]!.has('etc/apt/sources.list'), 'base layer is a Debian tree');
  assert.ok(paths[1]!.has('usr/sbin/sshd') && paths[1]!.has('usr/lib/systemd/systemd'), 'packages layer has the packages');
  assert.ok(![...paths[1]!].some((p) => p.startsWith('etc/ssh/ssh_host_')), 'host keys removed by the rules');
  assert.ok(paths[2]!.has('etc/ssh/sshd_config.d/repro.conf') && paths[2]!.has('home/builder'));
  assert.ok(!paths[2]!.has('usr/bin/dpkg'), 'a phase layer holds only what the phase changed');
  assert.equal(machineId, 0, 'machine-id emptied');
  // The second build (another build path, packages from the cache) is bit-for-bit the same image.
  const again = await buildManifest(join(PROJECT_ROOT, 'fixtures/debian/manifest.yml'), {
    out: join(dir, 'again.tar'),
    workDir: join(dir, 'elsewhere'),
    extraRules: ['debian', 'common'],
  });
  process.stderr.write(`debian rebuild: ${(again.durationMs / 1000).toFixed(1)} s, ${again.manifestDigest}\n`);
  assert.deepEqual(again.layers, r.layers);
  assert.equal(again.manifestDigest, r.manifestDigest);
  // nothing mounted is left behind, and the work tree is gone
  assert.ok(!(await readFile('/proc/self/mounts', 'utf8')).includes(dir));
  assert.equal(spawnSync('test', ['-e', join(dir, 'work/rootfs')]).status, 1);
});
