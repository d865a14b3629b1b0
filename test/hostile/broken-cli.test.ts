// Issue 8, item 3: `repro diff BROKEN GOOD` where BROKEN is an image the reader cannot read (truncated
// gzip/zstd/tar layers, bad JSON in index/manifest/config, a missing blob, a digest mismatch). The rule:
// an image that cannot be read is an error (exit 2, one "repro: <file>: <what>" line, no stack trace) and
// no partial output is left (--json/--html/--markdown/--emit-rules files never appear). Where both inputs
// are plain files (no image structure), a broken compressed stream is a finding with a warning instead:
// the bytes can still be compared. Unknown media types are warnings on a report, not failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeOciImage } from '../helpers/images.js';
import { Layout, MT, layerOf, rawTar, zstdRaw } from '../helpers/images-extra.js';
import { listTree, oneLine, runMeasured, sandbox, type Sandbox } from '../helpers/hostile.js';

const spec = { layers: [[{ path: 'etc/hostname', content: 'h\n' }, { path: 'etc/motd', content: 'hello '.repeat(300) }]] };
const tar0 = rawTar([{ name: 'a', body: 'x'.repeat(5000) }, { name: 'b', body: 'y'.repeat(5000) }]);

/** Every broken input, built in `dir`: name → [path, what the one line must say]. */
async function brokenInputs(dir: string): Promise<[string, string, RegExp][]> {
  const out: [string, string, RegExp][] = [];
  const gz = gzipSync(tar0);
  await writeFile(join(dir, 'cut.tar.gz'), gz.subarray(0, gz.length - 40));
  out.push(['truncated gzip layer', join(dir, 'cut.tar.gz'), /cut\.tar\.gz: cannot read layer 0 .*truncated gzip stream/]);
  const zs = zstdRaw(tar0);
  await writeFile(join(dir, 'cut.tar.zst'), zs.subarray(0, zs.length - 100));
  out.push(['truncated zstd layer', join(dir, 'cut.tar.zst'), /cut\.tar\.zst: cannot read layer 0 .*zstd: truncated or corrupt stream/]);
  await writeFile(join(dir, 'cut.tar'), tar0.subarray(0, 3000));
  out.push(['truncated tar', join(dir, 'cut.tar'), /cut\.tar: .*truncated tar/]);

  const img = async (name: string): Promise<{ path: string; built: Awaited<ReturnType<typeof makeOciImage>> }> => {
    const path = join(dir, name);
    return { path, built: await makeOciImage(path, spec) };
  };
  const blob = (root: string, digest: string): string => join(root, 'blobs', 'sha256', digest.slice(7));
  const badIndex = await img('bad-index');
  await writeFile(join(badIndex.path, 'index.json'), '{"manifests": [');
  out.push(['bad JSON in index.json', badIndex.path, /bad-index: index\.json is not valid JSON/]);

  const lay = new Layout();
  const cfg = lay.blob('{"rootfs": ', MT.config);
  lay.index([lay.json({ schemaVersion: 2, config: cfg, layers: [] }, MT.manifest)]);
  await lay.writeDir(join(dir, 'bad-config'));
  out.push(['bad JSON in the config', join(dir, 'bad-config'), /bad-config: config sha256:[0-9a-f]{64} is not valid JSON/]);
  const lay2 = new Layout();
  lay2.index([lay2.blob('[1,2', MT.manifest)]);
  await lay2.writeDir(join(dir, 'bad-manifest'));
  out.push(['bad JSON in the manifest', join(dir, 'bad-manifest'), /bad-manifest: manifest sha256:[0-9a-f]{64} is not valid JSON/]);

  const missing = await img('missing-blob');
  await rm(blob(missing.path, missing.built.layerDigests[0]!));
  out.push(['missing layer blob', missing.path, /missing-blob: layer blob sha256:[0-9a-f]{64} is missing/]);
  const tampered = await img('tampered');
  await writeFile(blob(tampered.path, tampered.built.layerDigests[0]!), gzipSync(rawTar([{ name: 'other', body: 'o' }])));
  out.push(['digest mismatch', tampered.path, /tampered: blob sha256:[0-9a-f]{64} does not match its digest/]);
  return out;
}

/** Other content than `spec`: equal layer digests are trusted without reading the blob, so they must differ. */
async function good(box: Sandbox): Promise<string> {
  const path = join(box.work, 'good');
  await makeOciImage(path, { layers: [[{ path: 'etc/hostname', content: 'good\n' }]] });
  return path;
}

test('repro diff BROKEN GOOD (and GOOD BROKEN): exit 2, one line naming the file, no partial outputs', async (t) => {
  const box = await sandbox(t, 'hostile-broken-');
  const ok = await good(box);
  const inputs = await brokenInputs(box.work);
  const before = await listTree(box.root);
  for (const [what, broken, pattern] of inputs) {
    for (const [a, b] of [[broken, ok], [ok, broken]] as const) {
      const outs = ['r.json', 'r.html', 'r.md', 'rules.yml'].map((n) => join(box.work, n));
      const r = await runMeasured(
        ['diff', a, b, '--json', outs[0]!, '--html', outs[1]!, '--markdown', outs[2]!, '--emit-rules', outs[3]!],
        { cwd: box.cwd, env: box.env, measure: false },
      );
      assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
      const line = oneLine(r.stderr);
      assert.ok(line, `${what}: one line, no stack:\n${r.stderr}`);
      assert.match(line, /^repro: /);
      assert.match(line, pattern, what);
      assert.equal(r.stdout, '', `${what}: nothing on stdout`);
      for (const o of outs) assert.equal(existsSync(o), false, `${what}: ${o} left behind`);
    }
  }
  assert.deepEqual(await listTree(box.root), before, 'no temp files, partial outputs or stray writes');
});

test('--json - on stdout: an error leaves stdout empty (no half report for a program to parse)', async (t) => {
  const box = await sandbox(t, 'hostile-broken-stdout-');
  const ok = await good(box);
  const [, broken] = (await brokenInputs(box.work))[0]!;
  const r = await runMeasured(['diff', ok, broken, '--json', '-'], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(oneLine(r.stderr));
});

test('an output path that cannot be written: exit 2 naming it, nothing partial', async (t) => {
  const box = await sandbox(t, 'hostile-broken-out-');
  const ok = await good(box);
  const other = join(box.work, 'other');
  await makeOciImage(other, { layers: [[{ path: 'etc/hostname', content: 'other\n' }]] });
  const out = join(box.work, 'no-such-dir', 'r.json');
  const r = await runMeasured(['diff', ok, other, '--json', out], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 2, r.stderr);
  const line = oneLine(r.stderr);
  assert.ok(line, r.stderr);
  assert.match(line, /no-such-dir.*no such file or directory/);
});

test('two plain files with a broken compressed stream: compared as bytes, the finding says why', async (t) => {
  const box = await sandbox(t, 'hostile-broken-file-');
  const text = Buffer.from('line\n'.repeat(2000));
  const gz = gzipSync(text);
  await writeFile(join(box.work, 'a.txt.gz'), gz.subarray(0, gz.length - 30));
  await writeFile(join(box.work, 'b.txt.gz'), gz);
  const json = join(box.work, 'r.json');
  const r = await runMeasured(['diff', join(box.work, 'a.txt.gz'), join(box.work, 'b.txt.gz'), '--json', json], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as { findings: { warning?: string }[] };
  assert.ok(report.findings.length > 0);
  assert.match(report.findings.map((f) => f.warning ?? '').join('\n'), /gzip comparator failed \(.+\): compared bytes/);
});

test('unknown media types are warnings on the report, not failures', async (t) => {
  const box = await sandbox(t, 'hostile-broken-mt-');
  const build = async (name: string, content: string): Promise<string> => {
    const lay = new Layout();
    const l0 = await layerOf([{ path: 'a', content }]);
    lay.index([lay.image([{ ...l0, mediaType: 'application/x-weird-layer' }]), { mediaType: 'application/vnd.in-toto+json', digest: `sha256:${'0'.repeat(64)}`, size: 3 }]);
    await lay.writeDir(join(box.work, name));
    return join(box.work, name);
  };
  const r = await runMeasured(['diff', await build('a', 'one'), await build('b', 'two'), '--json', '-'], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { path: string }[]; warnings: string[] };
  assert.ok(report.findings.some((f) => f.path === '/a'));
  assert.ok(report.warnings.some((w) => w.includes('unknown media type "application/x-weird-layer"')), report.warnings.join('\n'));
  assert.ok(report.warnings.some((w) => w.includes('skipped index entry')));
});
