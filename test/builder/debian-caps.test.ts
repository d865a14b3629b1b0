// Issue 13, reproduction 4, on a real Debian: iputils-ping's postinst gives /usr/bin/ping cap_net_raw with
// setcap. The builder captures the xattr of the phase, the writer keeps its bytes, umoci unpacks it and
// getcap reads it back; the second build (other work dir, packages from the cache) is the same image.
// Minutes: runs only with REPRO_DEBIAN_TESTS=1 (.ci/run sets it), as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildManifest } from '../../src/builder/index.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTool } from '../helpers/tools.js';

const skip = firstSkip(
  process.env.REPRO_DEBIAN_TESTS === '1' ? false : 'slow (minutes, two debootstraps): set REPRO_DEBIAN_TESTS=1 to run it (.ci/run does)',
  requireRoot('debootstrap'),
  requireTool('debootstrap', 'debootstrap'),
  requireTool('umoci', 'umoci'),
  requireTool('getcap', 'libcap2-bin'),
);

const MANIFEST = `version: 1
name: ping
base:
  debootstrap: {suite: bookworm, variant: minbase, components: [main], mirror: auto}
phases:
  - name: ping
    apt: [iputils-ping]
`;

test('apt: [iputils-ping]: /usr/bin/ping keeps cap_net_raw=ep through the build and umoci, and a rebuild is identical', { skip, timeout: 40 * 60_000 }, async (t) => {
  const dir = await testDir(t, 'repro-debian-caps-');
  await writeFile(join(dir, 'ping.yml'), MANIFEST);
  const build = (name: string): ReturnType<typeof buildManifest> =>
    buildManifest(join(dir, 'ping.yml'), { out: join(dir, name), format: 'oci-dir', workDir: join(dir, `work-${name}`), extraRules: ['debian', 'common'] });
  const first = await build('one');
  execFileSync('umoci', ['unpack', '--image', `${join(dir, 'one')}:latest`, join(dir, 'bundle')]);
  const caps = execFileSync('getcap', [join(dir, 'bundle/rootfs/usr/bin/ping')], { encoding: 'utf8' });
  assert.match(caps, /\/usr\/bin\/ping cap_net_raw=ep$/m);
  const second = await build('two');
  process.stderr.write(`ping image: ${first.manifestDigest} and ${second.manifestDigest}\n`);
  assert.equal(second.manifestDigest, first.manifestDigest);
});
