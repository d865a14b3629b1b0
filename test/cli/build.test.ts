import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openImage, readLayer } from '../../src/image/index.js';
import { runRepro, runReproToFile, PROJECT_ROOT } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTool, requireTools } from '../helpers/tools.js';

test('repro build fixtures/demo/manifest.yml: one layer per phase, progress on stderr, nothing left beside the output', async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  const out = join(dir, 'x.tar');
  const r = await runRepro(['build', join(PROJECT_ROOT, 'fixtures/demo/manifest.yml'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^epoch \d+ \(/m);
  for (const [i, phase] of ['layout', 'generate', 'config'].entries()) {
    assert.match(r.stderr, new RegExp(`^\\[${i + 1}/3\\] ${phase}: .*layer .* \\(\\d+ entries\\)`, 'm'));
  }
  assert.match(r.stdout, /manifest sha256:[0-9a-f]{64}\n\s+3 layers/);
  assert.deepEqual((await readdir(dir)).sort(), ['x.tar'], 'nothing left beside the output');
});

test('the demo image: skopeo reads its layers and env, umoci unpacks it', { skip: requireTools(['skopeo', 'skopeo'], ['umoci', 'umoci']) }, async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  const out = join(dir, 'x.tar');
  const r = await runRepro(['build', join(PROJECT_ROOT, 'fixtures/demo/manifest.yml'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${out}`], { encoding: 'utf8' })) as { Layers: string[]; Env: string[] };
  assert.equal(info.Layers.length, 3);
  assert.ok(info.Env.includes('DEMO_MODE=production'));
  const layout = join(dir, 'layout');
  execFileSync('mkdir', [layout]);
  execFileSync('tar', ['-xf', out, '-C', layout]);
  execFileSync('umoci', ['unpack', '--image', `${layout}:latest`, join(dir, 'bundle')], { stdio: 'ignore' });
  const rootfs = join(dir, 'bundle/rootfs');
  for (const p of ['usr/bin/demo', 'usr/bin/demo-alias', 'etc/machine-id', 'usr/share/demo/changelog.gz', 'etc/demo/demo.conf']) {
    assert.ok(existsSync(join(rootfs, p)), p);
  }
});

test('repro build --json gives the BuildResult; --format docker writes a docker archive', async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  await writeFile(join(dir, 'm.yml'), 'name: j\nepoch: 10\nbase: scratch\nphases:\n  - name: p\n    run: [\'echo 1 > "$ROOTFS/a"\']\n');
  // (the helper runs tsx from the project root, so paths are absolute rather than relative to a cwd)
  const r = await runRepro(['build', join(dir, 'm.yml'), '-o', join(dir, 'j.tar'), '--format', 'docker', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { out: string; layers: { phase: string }[]; epoch: number; epochSource: string };
  assert.equal(result.out, join(dir, 'j.tar'));
  assert.deepEqual(result.layers.map((l) => l.phase), ['p']);
  assert.deepEqual([result.epoch, result.epochSource], [10, 'manifest']);
  const members = execFileSync('tar', ['-tf', result.out], { encoding: 'utf8' });
  assert.match(members, /^manifest\.json$/m);
});

test('bad manifests and failing phases exit 2 with a line that says where', async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  await writeFile(join(dir, 'bad.yml'), 'name: b\nbase: scratch\nphases:\n  - name: p\n    steps: []\n');
  const bad = await runRepro(['build', join(dir, 'bad.yml'), '-o', join(dir, 'b.tar')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yml:5: phases\[0\]: unknown key "steps"/);

  await writeFile(join(dir, 'fail.yml'), 'name: f\nbase: scratch\nphases:\n  - name: explode\n    run: ["echo boom >&2; exit 7"]\n');
  const fail = await runRepro(['build', join(dir, 'fail.yml'), '-o', join(dir, 'f.tar')]);
  assert.equal(fail.code, 2);
  assert.match(fail.stderr, /fail\.yml:5: phase "explode" failed: `echo boom >&2; exit 7` exited with code 7/);
  assert.match(fail.stderr, /^\s+boom$/m);
  assert.ok(!existsSync(join(dir, 'f.tar')));

  const usage = await runRepro(['build', join(dir, 'fail.yml'), '--format', 'zip']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--format: expected oci, oci-dir or docker/);
});

test('a debootstrap base without root fails in one line that says so', async (t) => {
  const main = join(PROJECT_ROOT, 'src/cli/main.ts');
  const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
  const missing = firstSkip(requireRoot('drops to an unprivileged user'), requireTool('setpriv', 'util-linux'));
  if (missing) return t.skip(missing);
  if (spawnSync('setpriv', [...asNobody, 'test', '-r', main]).status !== 0) return t.skip('the checkout is not readable by nobody');
  const dir = await testDir(t, 'repro-cli-build-');
  execFileSync('chmod', ['777', dir]);
  const r = spawnSync('setpriv', [...asNobody, 'env', `HOME=${dir}`, process.execPath, '--import', 'tsx', main, 'build',
    join(PROJECT_ROOT, 'fixtures/debian/manifest.yml'), '-o', join(dir, 'x.tar')], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('repro:'));
  assert.deepEqual(errors, [`repro: ${join(PROJECT_ROOT, 'fixtures/debian/manifest.yml')}: base debootstrap needs root: run repro build as root, or use base: mmdebstrap`]);
});

test('repro build -o - writes the image archive to stdout and its summary to stderr, no file named "-"', async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  await writeFile(join(dir, 'm.yml'), 'name: s\nepoch: 10\nbase: scratch\nphases:\n  - name: p\n    run: [\'echo 1 > "$ROOTFS/a"\']\n');
  const cwd = join(dir, 'cwd');
  execFileSync('mkdir', [cwd]);
  const r = await runReproToFile(['build', join(dir, 'm.yml'), '-o', '-'], join(dir, 'out.tar'), { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^-\n\s+manifest sha256:[0-9a-f]{64}/m);
  assert.deepEqual(await readdir(cwd), []);
  const inspect = await runRepro(['inspect', '--json', join(dir, 'out.tar')]);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal((JSON.parse(inspect.stdout) as { kind: string }).kind, 'oci-archive');
  const both = await runRepro(['build', join(dir, 'm.yml'), '-o', '-', '--json'], { cwd });
  assert.equal(both.code, 2);
});

test('without the attr tools a build still works and says xattrs set by phases are not in its layers', async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  // A PATH with every command of this machine but getfattr and setfattr.
  const bin = join(dir, 'bin');
  execFileSync('mkdir', [bin]);
  const seen = new Set<string>();
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const names = await readdir(d).catch(() => [] as string[]);
    for (const n of names) {
      if (seen.has(n) || n === 'getfattr' || n === 'setfattr') continue;
      seen.add(n);
      await symlink(join(d, n), join(bin, n));
    }
  }
  const out = join(dir, 'x.tar');
  const r = await runRepro(['build', join(PROJECT_ROOT, 'fixtures/demo/manifest.yml'), '-o', out], { env: { PATH: bin } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /xattrs set by phases are not in the layers: getfattr is not installed.*apt-get install attr/);
  assert.ok(existsSync(out));
});

test('repro build --quiet prints nothing on success and still writes the image', async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  const out = join(dir, 'x.tar');
  const r = await runRepro(['build', join(PROJECT_ROOT, 'fixtures/demo/manifest.yml'), '-o', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /epoch|layer/);
  assert.ok(existsSync(out));
});

test("as root, phases see the build's own hostname and domain name, never the machine's", { skip: firstSkip(requireRoot('a private UTS namespace'), requireTool('unshare', 'util-linux')) }, async (t) => {
  const dir = await testDir(t, 'repro-cli-build-');
  const manifest = join(dir, 'm.yml');
  await writeFile(manifest, ['name: uts', 'epoch: 0', 'base: scratch', 'phases:', '  - name: p', '    run: [\'mkdir -p "$ROOTFS/etc" && { hostname; cat /proc/sys/kernel/domainname; } > "$ROOTFS/etc/uts"\']', ''].join('\n'));
  const out = join(dir, 'x.tar');
  // the "machine" here: a UTS namespace of the test's own with a name and a NIS domain set
  const main = join(PROJECT_ROOT, 'src/cli/main.ts');
  const r = spawnSync('unshare', ['--uts', 'sh', '-c', 'hostname machine-name && domainname machine.example && exec "$@"', 'sh', process.execPath, '--import', 'tsx', main, 'build', manifest, '-o', out, '-q'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const image = await openImage(out);
  let text = '';
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    if (entry.path === 'etc/uts') text = Buffer.concat(chunks).toString();
  }
  assert.equal(text, 'repro-a-host\n(none)\n');
});
