// Image references through skopeo against a real registry (Debian's docker-registry on a free localhost
// port): diff and inspect of docker:// references, digests kept byte for byte (also for Docker v2s2
// manifests), the auth/TLS options reaching skopeo, and one-line errors for what cannot be fetched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { makeOciArchive, makeOciImage, type TestImageSpec } from '../helpers/images.js';
import { REGISTRY_USER, push, skopeoInspect, startRegistry } from '../helpers/registry.js';
import { writeFile } from 'node:fs/promises';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTools } from '../helpers/tools.js';

const skip = firstSkip(requireTools(['skopeo', 'skopeo'], ['docker-registry', 'docker-registry']));

function spec(motd: string, mtime: number): TestImageSpec {
  return {
    layers: [
      [{ path: 'etc/', type: 'dir', mtime: 1_700_000_000 }, { path: 'etc/os-release', content: 'ID=test\n', mtime: 1_700_000_000 }],
      [{ path: 'etc/motd', content: motd, mtime }],
    ],
  };
}

interface JsonReport {
  identical: boolean;
  inputs: { path: string; kind: string; digest?: string }[];
  findings: { path: string; category: string }[];
}

test('docker:// references: diff, inspect and normalize read what skopeo pushed, digests unchanged', { skip }, async (t) => {
  const reg = await startRegistry(t);
  const dir = await testDir(t, 'registry-');
  const one = await makeOciArchive(join(dir, 'one.tar'), spec('hello\n', 1_700_000_000));
  const two = await makeOciArchive(join(dir, 'two.tar'), spec('hello, world\n', 1_700_000_100));
  const a1 = `docker://${reg.host}/a:1`;
  const a2 = `docker://${reg.host}/a:2`;
  await push(`oci-archive:${join(dir, 'one.tar')}`, a1);
  await push(`oci-archive:${join(dir, 'two.tar')}`, a2);

  await t.test('diff of two tags: the classified difference, the references as inputs', async () => {
    const r = await runRepro(['diff', a1, a2, '--tls-verify=false', '--json', '-']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.inputs.map((i) => [i.path, i.kind, i.digest]), [[a1, 'reference', one.manifestDigest], [a2, 'reference', two.manifestDigest]]);
    const motd = report.findings.filter((f) => f.path === '/etc/motd').map((f) => f.category).sort();
    assert.deepEqual(motd, ['content', 'mtime']);
    assert.ok(!report.findings.some((f) => f.path === '/etc/os-release'), 'the shared layer is the same');
  });

  await t.test('diff of a tag with itself: exit 0', async () => {
    const r = await runRepro(['diff', a1, a1, '--tls-verify', 'false']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });

  await t.test('inspect agrees with skopeo inspect', async () => {
    const r = await runRepro(['inspect', a2, '--tls-verify=false', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const mine = JSON.parse(r.stdout) as { manifestDigest: string; configDigest: string; created: string; architecture: string; os: string; layers: { digest: string; entries: number }[] };
    const theirs = await skopeoInspect(a2);
    assert.equal(mine.manifestDigest, theirs.Digest);
    assert.deepEqual(mine.layers.map((l) => l.digest), theirs.Layers);
    assert.equal(mine.architecture, theirs.Architecture);
    assert.equal(mine.os, theirs.Os);
    assert.equal(new Date(mine.created).getTime(), new Date(theirs.Created as string).getTime());
    const raw = await skopeoInspect(a2, true);
    assert.equal(mine.configDigest, (raw.config as { digest: string }).digest);
    assert.deepEqual(mine.layers.map((l) => l.entries), [2, 1]);
  });

  await t.test('a Docker v2s2 manifest is read as served: its digest is the registry\'s', async () => {
    const v2 = `docker://${reg.host}/a:v2s2`;
    // skopeo converts the OCI manifest to Docker's schema 2 on the way in (a new manifest digest)
    await runSkopeo(['copy', '--quiet', '--format=v2s2', '--dest-tls-verify=false', `oci-archive:${join(dir, 'one.tar')}`, v2]);
    const theirs = await skopeoInspect(v2);
    const raw = await skopeoInspect(v2, true);
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.notEqual(theirs.Digest, one.manifestDigest);
    const r = await runRepro(['inspect', v2, '--tls-verify=false', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { manifestDigest: string }).manifestDigest, theirs.Digest);
    // the same layers, so only the documents differ
    const d = await runRepro(['diff', a1, v2, '--tls-verify=false', '--json', '-']);
    const report = JSON.parse(d.stdout) as JsonReport;
    assert.ok(report.findings.length > 0 && report.findings.every((f) => f.category === 'image-metadata'), d.stdout);
  });

  await t.test('normalize takes a reference', async () => {
    const out = join(dir, 'norm.tar');
    const r = await runRepro(['normalize', a2, '--rules', 'common', '--epoch', '0', '-o', out, '--tls-verify=false']);
    assert.equal(r.code, 0, r.stderr);
    const i = await runRepro(['inspect', out, '--json']);
    assert.equal((JSON.parse(i.stdout) as { layers: unknown[] }).layers.length, 2);
  });

  await t.test('base: {image: docker://…}: the base layers kept byte for byte, the reference validated with its line', async () => {
    const file = join(dir, 'on-base.yml');
    await writeFile(file, ['version: 1', 'name: on-base', `base: {image: "${a1}"}`, 'phases:', '  - name: add', '    files:', '      - dest: /etc/added', '        content: "yes\\n"', ''].join('\n'));
    const r = await runRepro(['build', file, '-o', join(dir, 'on-base.tar'), '--tls-verify=false', '--json', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const layers = (JSON.parse(r.stdout) as { layers: { digest: string }[] }).layers;
    assert.deepEqual(layers.slice(0, 2).map((l) => l.digest), one.layerDigests);
    assert.equal(layers.length, 3);
    const bad = join(dir, 'bad-base.yml');
    await writeFile(bad, ['version: 1', 'name: bad', 'base:', '  image: "ftp://x/y"', ''].join('\n'));
    const e = await runRepro(['build', bad, '-o', join(dir, 'bad.tar')]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /^repro: .*bad-base\.yml:4: base\.image: unknown image reference transport "ftp:"/);
  });

  await t.test('check of a manifest on a registry base: the fetch options reach every build', async () => {
    const file = join(dir, 'on-base.yml');
    // the plain-HTTP registry refuses skopeo's default TLS: without the option the check stops with one line
    const refused = await runRepro(['check', file, '--vary', 'none', '-q']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^repro: .*a plain-HTTP registry: add --tls-verify=false\)\n$/);
    const r = await runRepro(['check', file, '--tls-verify=false', '--json', '-', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { reproducible: boolean; builds: unknown[] };
    assert.equal(report.reproducible, true);
    assert.equal(report.builds.length, 2);
  });

  await t.test('errors are one line, exit 2', async () => {
    const https = await runRepro(['inspect', a1]);
    assert.equal(https.code, 2);
    assert.match(https.stderr, /^repro: docker:\/\/127\.0\.0\.1:\d+\/a:1: cannot fetch: .*HTTP response to HTTPS client \(a plain-HTTP registry: add --tls-verify=false\)\n$/);
    const missing = await runRepro(['inspect', `docker://${reg.host}/a:nope`, '--tls-verify=false']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^repro: docker:\/\/127\.0\.0\.1:\d+\/a:nope: cannot fetch: .*manifest unknown\n$/);
  });
});

test('a registry that needs a login: --creds and --authfile reach skopeo; a bad auth file is named', { skip }, async (t) => {
  const reg = await startRegistry(t, { auth: true });
  const dir = await testDir(t, 'registry-auth-');
  const built = await makeOciArchive(join(dir, 'img.tar'), spec('private\n', 1_700_000_000));
  const ref = `docker://${reg.host}/private:1`;
  const creds = `${REGISTRY_USER.name}:${REGISTRY_USER.password}`;
  await push(`oci-archive:${join(dir, 'img.tar')}`, ref, [`--dest-creds=${creds}`]);

  const anonymous = await runRepro(['inspect', ref, '--tls-verify=false']);
  assert.equal(anonymous.code, 2);
  assert.match(anonymous.stderr, /^repro: docker:\/\/127\.0\.0\.1:\d+\/private:1: cannot fetch: .*(unauthorized|authentication required)/);
  assert.equal(anonymous.stderr.split('\n').length, 2, anonymous.stderr);

  const withCreds = await runRepro(['inspect', ref, '--tls-verify=false', '--creds', creds, '--json']);
  assert.equal(withCreds.code, 0, withCreds.stderr);
  assert.equal((JSON.parse(withCreds.stdout) as { manifestDigest: string }).manifestDigest, built.manifestDigest);

  const authfile = join(dir, 'auth.json');
  await writeFile(authfile, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(creds).toString('base64') } } }));
  const withFile = await runRepro(['inspect', ref, '--tls-verify=false', '--authfile', authfile, '--json']);
  assert.equal(withFile.code, 0, withFile.stderr);
  assert.equal((JSON.parse(withFile.stdout) as { manifestDigest: string }).manifestDigest, built.manifestDigest);

  const bad = join(dir, 'bad.json');
  await writeFile(bad, 'not json');
  const broken = await runRepro(['inspect', ref, '--tls-verify=false', '--authfile', bad]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /^repro: docker:\/\/\S+: cannot fetch: .*bad\.json.*\n$/);
  assert.equal(broken.stderr.split('\n').length, 2, broken.stderr);
});

function runSkopeo(args: string[]): Promise<void> {
  return import('node:child_process').then(
    ({ execFile }) => new Promise<void>((resolve, reject) => execFile('skopeo', args, (err) => (err ? reject(err) : resolve()))),
  );
}

test('unreachable registries and unknown transports: one line, exit 2, no stack trace', { skip: requireTools(['skopeo', 'skopeo']) }, async () => {
  // port 1 on localhost: nothing listens there
  const down = await runRepro(['diff', 'docker://127.0.0.1:1/a:1', 'docker://127.0.0.1:1/a:2', '--tls-verify=false']);
  assert.equal(down.code, 2);
  assert.match(down.stderr, /^repro: docker:\/\/127\.0\.0\.1:1\/a:[12]: cannot fetch: .*connection refused\n$/);
  const unknown = await runRepro(['inspect', 'ftp://example.org/a']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'repro: ftp://example.org/a: unknown image reference transport "ftp:" (known: docker://, oci:, oci-archive:, docker-archive:, containers-storage:, docker-daemon:, dir:)\n');
  const noSlashes = await runRepro(['inspect', 'docker:a:1']);
  assert.equal(noSlashes.code, 2);
  assert.match(noSlashes.stderr, /docker:\/\/HOST\/REPOSITORY/);
});

test('oci:DIR references go through skopeo too and read the same image', { skip: requireTools(['skopeo', 'skopeo']) }, async (t) => {
  const dir = await testDir(t, 'registry-oci-');
  const built = await makeOciImage(join(dir, 'layout'), spec('hi\n', 1_700_000_000));
  const r = await runRepro(['inspect', `oci:${join(dir, 'layout')}`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { kind: string; manifestDigest: string; layers: { digest: string }[] };
  assert.equal(got.kind, 'reference');
  assert.equal(got.manifestDigest, built.manifestDigest);
  assert.deepEqual(got.layers.map((l) => l.digest), built.layerDigests);
});

test('containers-storage: references (podman/buildah storage) read with their diff_ids, the changed layer digests said', { skip: firstSkip(requireTools(['skopeo', 'skopeo']), requireRoot('a containers-storage store (vfs) in a temp dir')) }, async (t) => {
  const dir = await testDir(t, 'registry-cs-');
  const built = await makeOciArchive(join(dir, 'img.tar'), spec('stored\n', 1_700_000_000));
  const ref = `containers-storage:[vfs@${join(dir, 'root')}+${join(dir, 'run')}]localhost/stored:1`;
  await runSkopeo(['copy', '--quiet', `oci-archive:${join(dir, 'img.tar')}`, ref]);
  const r = await runRepro(['inspect', ref, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { kind: string; layers: { diffId: string }[]; warnings: string[] };
  assert.equal(got.kind, 'reference');
  assert.deepEqual(got.layers.map((l) => l.diffId), built.diffIds);
  assert.ok(got.warnings.some((w) => /containers-storage keeps layers in its own form/.test(w)), got.warnings.join('\n'));
  // the same tars, stored uncompressed: only the layer encoding and the documents differ
  const d = await runRepro(['diff', ref, join(dir, 'img.tar'), '--json', '-']);
  assert.equal(d.code, 1, d.stderr);
  const report = JSON.parse(d.stdout) as JsonReport;
  assert.ok(report.findings.every((f) => f.category === 'compression-metadata' || f.category === 'image-metadata'), d.stdout);
});
