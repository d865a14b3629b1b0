// `repro inspect` reads every image and tarball of the labelled pairs (test/fixtures/pairs.ts: OCI archives,
// their docker-archive forms, rootfs tarballs): the two forms of one image must agree on diff_ids and entry counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRepro } from '../helpers/cli.js';
import { pairs } from '../fixtures/pairs.js';
import type { InspectResult } from '../../src/image/inspect.js';

async function inspect(path: string): Promise<InspectResult> {
  const r = await runRepro(['inspect', '--json', path]);
  assert.equal(r.code, 0, `${path}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as InspectResult;
}

test('every image and tarball of the pairs is read, digests verified', async () => {
  const inputs = Object.values(await pairs())
    .flatMap((p) => [p.a, p.b])
    .filter((f) => /\.tar$/.test(f));
  assert.equal(inputs.length, 10);
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

test('the docker-archive forms agree with their OCI originals', async () => {
  const p = await pairs();
  for (const side of ['a', 'b'] as const) {
    const oci = await inspect(p['oci-image'][side]);
    const docker = await inspect(p['docker-image'][side]);
    assert.deepEqual(docker.layers.map((l) => l.diffId), oci.layers.map((l) => l.diffId), side);
    assert.deepEqual(docker.layers.map((l) => l.entries), oci.layers.map((l) => l.entries), side);
    assert.deepEqual(docker.layers.map((l) => l.whiteouts), oci.layers.map((l) => l.whiteouts), side);
    assert.equal(docker.configDigest, oci.configDigest, side);
    assert.deepEqual(oci.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
  }
});

test('the identical pair inspects identically; the oci-image pair differs in both layers', async () => {
  const p = await pairs();
  const a = await inspect(p.identical.a);
  const b = await inspect(p.identical.b);
  assert.deepEqual({ ...a, input: '' }, { ...b, input: '' });
  const x = await inspect(p['oci-image'].a);
  const y = await inspect(p['oci-image'].b);
  assert.notEqual(x.manifestDigest, y.manifestDigest);
  assert.notEqual(x.layers[1]?.diffId, y.layers[1]?.diffId);
});
