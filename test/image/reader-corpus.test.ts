// `repro inspect` reads every image of the shared corpus (OCI archives and their skopeo docker-archive
// conversions, rootfs tarballs): the two forms of one image must agree on diff_ids and entry counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runRepro, SHARED } from '../helpers/cli.js';
import type { InspectResult } from '../../src/image/inspect.js';

const CORPUS = join(SHARED, 'corpus');
const skip = existsSync(CORPUS) ? false : `no corpus at ${CORPUS}`;

async function inspect(path: string): Promise<InspectResult> {
  const r = await runRepro(['inspect', '--json', path]);
  assert.equal(r.code, 0, `${path}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as InspectResult;
}

test('every image and tarball in the corpus is read, digests verified', { skip }, async () => {
  const inputs = readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(CORPUS, d.name)).map((f) => join(CORPUS, d.name, f)))
    .filter((f) => /\.tar$/.test(f));
  assert.ok(inputs.length >= 10, `found ${inputs.length} tar inputs`);
  for (const input of inputs) {
    const r = await inspect(input);
    assert.ok(r.layers.length >= 1, input);
    for (const l of r.layers) {
      assert.match(l.digest ?? '', /^sha256:[0-9a-f]{64}$/, input);
      assert.match(l.diffId ?? '', /^sha256:[0-9a-f]{64}$/, input);
      assert.ok(l.entries > 0, input);
    }
    const kind = input.endsWith('.oci.tar') ? 'oci-archive' : input.endsWith('.docker.tar') ? 'docker-archive' : 'rootfs-tar';
    assert.equal(r.kind, kind, input);
  }
});

test('the docker-archive conversions agree with their OCI originals', { skip }, async () => {
  for (const side of ['a', 'b']) {
    const oci = await inspect(join(CORPUS, 'oci-image', `${side}.oci.tar`));
    const docker = await inspect(join(CORPUS, 'docker-image', `${side}.docker.tar`));
    assert.deepEqual(docker.layers.map((l) => l.diffId), oci.layers.map((l) => l.diffId), side);
    assert.deepEqual(docker.layers.map((l) => l.entries), oci.layers.map((l) => l.entries), side);
    assert.deepEqual(docker.layers.map((l) => l.whiteouts), oci.layers.map((l) => l.whiteouts), side);
    assert.equal(docker.configDigest, oci.configDigest, side);
    assert.deepEqual(oci.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
  }
});

test('the identical pair inspects identically; the oci-image pair differs in its second layer', { skip }, async () => {
  const a = await inspect(join(CORPUS, 'identical', 'a.oci.tar'));
  const b = await inspect(join(CORPUS, 'identical', 'b.oci.tar'));
  assert.deepEqual({ ...a, input: '' }, { ...b, input: '' });
  const x = await inspect(join(CORPUS, 'oci-image', 'a.oci.tar'));
  const y = await inspect(join(CORPUS, 'oci-image', 'b.oci.tar'));
  assert.notEqual(x.manifestDigest, y.manifestDigest);
  assert.notEqual(x.layers[1]?.diffId, y.layers[1]?.diffId);
});
