// The same image pair in every form the reader takes gives the same file findings: the engine sees
// layers and entries, never "an OCI dir" or "a docker save".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareInputs } from '../../src/compare/engine.js';
import type { Report } from '../../src/core/finding.js';
import { ReproError } from '../../src/core/errors.js';
import { pairs } from '../fixtures/pairs.js';
import { makeDockerArchive, makeOciArchive, makeOciImage, type TestImageSpec } from '../helpers/images.js';
import { fileDir } from '../helpers/tmp.js';
import { ev } from '../helpers/evidence.js';

function fileFindings(r: Report): string[] {
  return r.findings.toArray().filter((f) => f.category !== 'image-metadata').map((f) => `${f.layer} ${f.path} ${f.category} ${ev(f)}`);
}

const specA: TestImageSpec = {
  layers: [
    [{ path: 'etc/', type: 'dir' }, { path: 'etc/machine-id', content: '0123456789abcdef0123456789abcdef\n' }],
    [{ path: 'var/', type: 'dir' }, { path: 'var/state', content: 'one\n' }, { path: 'var/.wh.gone' }],
  ],
};
const specB: TestImageSpec = {
  layers: [
    [{ path: 'etc/', type: 'dir', mtime: 5 }, { path: 'etc/machine-id', content: 'fedcba9876543210fedcba9876543210\n' }],
    [{ path: 'var/', type: 'dir' }, { path: 'var/state', content: 'two\n' }, { path: 'var/extra', content: 'x' }],
  ],
};

test('OCI dir, oci-archive and docker-archive of one pair give the same file findings', async () => {
  const dir = await fileDir('repro-forms-');
  await makeOciImage(join(dir, 'a-dir'), specA);
  await makeOciImage(join(dir, 'b-dir'), specB);
  await makeOciArchive(join(dir, 'a.oci.tar'), specA);
  await makeOciArchive(join(dir, 'b.oci.tar'), specB);
  await makeDockerArchive(join(dir, 'a.docker.tar'), specA);
  await makeDockerArchive(join(dir, 'b.docker.tar'), specB);
  const ociDir = fileFindings(await compareInputs(join(dir, 'a-dir'), join(dir, 'b-dir')));
  assert.ok(ociDir.length >= 4, ociDir.join('\n'));
  assert.ok(ociDir.some((f) => f.startsWith('1 /var/gone added deleted by whiteout in layer 1 only in a')), ociDir.join('\n'));
  assert.deepEqual(fileFindings(await compareInputs(join(dir, 'a.oci.tar'), join(dir, 'b.oci.tar'))), ociDir);
  assert.deepEqual(fileFindings(await compareInputs(join(dir, 'a.docker.tar'), join(dir, 'b.docker.tar'))), ociDir);
  // and across forms: an OCI archive against a docker-archive
  assert.deepEqual(fileFindings(await compareInputs(join(dir, 'a.oci.tar'), join(dir, 'b.docker.tar'))), ociDir);
});

test('pairs: the oci-image and docker-image pairs give the same file findings', async () => {
  const p = await pairs();
  const oci = await compareInputs(p['oci-image'].a, p['oci-image'].b);
  const docker = await compareInputs(p['docker-image'].a, p['docker-image'].b);
  assert.ok(fileFindings(oci).length > 0);
  assert.deepEqual(fileFindings(docker), fileFindings(oci));
});

test('identical layers are skipped by digest without reading them', async () => {
  const dir = await fileDir('repro-forms-');
  await makeOciImage(join(dir, 'a'), specA);
  await makeOciImage(join(dir, 'b'), { layers: [specA.layers[0]!, specB.layers[1]!] });
  const seen = new Set<number>();
  const r = await compareInputs(join(dir, 'a'), join(dir, 'b'), { onProgress: (p) => seen.add(p.layer) });
  assert.deepEqual([...seen], [1]);
  assert.ok(r.findings.toArray().every((f) => f.layer === 1 || f.category === 'image-metadata'));
});

test('a directory against a single file is an input error', async () => {
  const dir = await fileDir('repro-forms-');
  await makeOciImage(join(dir, 'a'), specA);
  await writeFile(join(dir, 'note.txt'), 'hello\n');
  await assert.rejects(compareInputs(join(dir, 'a'), join(dir, 'note.txt')), (err: Error) => err instanceof ReproError && /directory with a single file/.test(err.message));
});

test('a tarball against a text file: compared as two files, path ""', async () => {
  const dir = await fileDir('repro-forms-');
  await makeOciArchive(join(dir, 'a.tar'), specA);
  await writeFile(join(dir, 'note.txt'), 'hello\n');
  const r = await compareInputs(join(dir, 'a.tar'), join(dir, 'note.txt'));
  assert.equal(r.identical, false);
  assert.ok(r.findings.length > 0 && r.findings.toArray().every((f) => f.path === ''));
  assert.deepEqual(r.inputs.map((i) => i.kind), ['file', 'file']);
});

test('a corrupt layer on one side is one ReproError naming the input; the other side stops', async () => {
  const dir = await fileDir('repro-forms-');
  const built = await makeOciImage(join(dir, 'a'), specA);
  await makeOciImage(join(dir, 'b'), specB);
  const blob = join(dir, 'a', 'blobs', 'sha256', (built.layerDigests[0] ?? '').slice('sha256:'.length));
  await writeFile(blob, Buffer.from('not gzip, not tar'));
  await assert.rejects(compareInputs(join(dir, 'a'), join(dir, 'b')), (err: Error) => err instanceof ReproError && err.where === join(dir, 'a'));
});

test('two directories: member paths absolute ("/etc/x", as in images), no layer, content and link targets compared', async () => {
  const dir = await fileDir('repro-forms-');
  for (const [side, text, target] of [['a', 'hi\n', 'y'], ['b', 'ho\n', 'x']] as const) {
    await mkdir(join(dir, side, 'etc'), { recursive: true });
    await writeFile(join(dir, side, 'etc', 'x'), text);
    await writeFile(join(dir, side, 'etc', 'y'), 'same\n');
    await symlink(target, join(dir, side, 'etc', 'l'));
    for (const name of ['x', 'y', '']) await utimes(join(dir, side, 'etc', name), 1_700_000_000, 1_700_000_000);
    await utimes(join(dir, side), 1_700_000_000, 1_700_000_000);
  }
  const r = await compareInputs(join(dir, 'a'), join(dir, 'b'));
  const got = r.findings.toArray().filter((f) => f.category !== 'mtime').map((f) => `${f.path} ${f.category} ${f.layer}`);
  assert.deepEqual(got, ['/etc/l metadata undefined', '/etc/x content undefined']);
});
