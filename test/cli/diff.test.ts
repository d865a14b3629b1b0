// `repro diff` as a user runs it: every labelled pair (test/fixtures/pairs.ts), exit codes, the JSON report, flags and usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { PAIR_NAMES, pairs } from '../fixtures/pairs.js';
import { parseReport } from '../../src/report/read-report.js';
import { makeOciImage, makeRootfsTar, type TestMember } from '../helpers/images.js';
import { fileDir, testDir } from '../helpers/tmp.js';

for (const name of PAIR_NAMES) {
  test(`pair ${name}: exit code and every expected (path, category)`, async () => {
    const expected = (await pairs())[name];
    const { a, b } = expected;
    const out = join(await fileDir('repro-diffcli-'), 'r.json');
    const r = await runRepro(['diff', a, b, '--json', out, '--quiet']);
    assert.equal(r.code, expected.identical ? 0 : 1, r.stderr);
    const report = parseReport(await readFile(out, 'utf8'), out);
    if (expected.identical) assert.deepEqual(report.findings.toArray(), []);
    const got = new Set(report.findings.toArray().map((f) => `${f.path}\t${f.category}`));
    for (const e of expected.expect) {
      const ok = [e.path, ...(e.alt ?? [])].some((p) => got.has(`${p}\t${e.category}`));
      assert.ok(ok, `${name}: missing ${e.category} on "${e.path}"; got:\n${[...got].join('\n')}`);
    }
  });
}

const members: TestMember[] = [
  { path: 'etc/', type: 'dir' },
  { path: 'etc/motd', content: Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n') },
];
const changed = members.map((m) => (m.path === 'etc/motd' ? { ...m, content: Array.from({ length: 60 }, (_, i) => `LINE ${i}`).join('\n'), mtime: 9 } : m));

async function imagePair(): Promise<[string, string]> {
  const dir = await fileDir('repro-diffcli-');
  await makeOciImage(join(dir, 'a'), { layers: [members] });
  await makeOciImage(join(dir, 'b'), { layers: [changed] });
  return [join(dir, 'a'), join(dir, 'b')];
}

test('terminal view: summary table, findings by layer, long diffs cut with a note, no colour with NO_COLOR', async () => {
  const [a, b] = await imagePair();
  const r = await runRepro(['diff', a, b, '--max-diff-lines', '5']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /category/);
  assert.match(r.stdout, /mtime\s*│\s*1/);
  assert.match(r.stdout, /layer 0/);
  assert.match(r.stdout, /\/etc\/motd/);
  assert.match(r.stdout, /more lines \(--max-diff-lines 0 shows all/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
});

test('--json - prints the report alone on stdout; --ignore makes ignored-only differences exit 0', async () => {
  const dir = await fileDir('repro-diffcli-');
  await makeRootfsTar(join(dir, 'a.tar'), members);
  await makeRootfsTar(join(dir, 'b.tar'), members.map((m) => ({ ...m, mtime: 7 })));
  const r = await runRepro(['diff', join(dir, 'a.tar'), join(dir, 'b.tar'), '--json', '-']);
  assert.equal(r.code, 1, r.stderr);
  const report = parseReport(r.stdout, 'stdout');
  assert.deepEqual(report.findings.toArray().map((f) => `${f.path} ${f.category}`), ['/etc mtime', '/etc/motd mtime']);
  const ignored = await runRepro(['diff', join(dir, 'a.tar'), join(dir, 'b.tar'), '--ignore', 'mtime', '--quiet']);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.equal(ignored.stdout, '');
});

test('--emit-rules - and --markdown - print alone on stdout, no file named "-"; two outputs on stdout are a usage error', async (t) => {
  const dir = await testDir(t, 'repro-diffcli-');
  await makeRootfsTar(join(dir, 'a.tar'), members);
  await makeRootfsTar(join(dir, 'b.tar'), members.map((m) => ({ ...m, mtime: 7 })));
  const cwd = join(dir, 'cwd');
  await mkdir(cwd);
  const rules = await runRepro(['diff', join(dir, 'a.tar'), join(dir, 'b.tar'), '--emit-rules', '-'], { cwd });
  assert.equal(rules.code, 1, rules.stderr);
  assert.match(rules.stdout, /^# .*\n(#.*\n)*version: 1\nrules:\n/);
  assert.match(rules.stdout, /action: clamp-mtime/);
  const md = await runRepro(['diff', join(dir, 'a.tar'), join(dir, 'b.tar'), '--markdown', '-'], { cwd });
  assert.equal(md.code, 1, md.stderr);
  assert.doesNotMatch(md.stdout, /┌/, 'the terminal view is left out');
  assert.deepEqual(await readdir(cwd), [], 'no file named "-"');
  const both = await runRepro(['diff', join(dir, 'a.tar'), join(dir, 'b.tar'), '--json', '-', '--emit-rules', '-'], { cwd });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /only one of .* can be "-"/);
});

test('--exclude with a glob on the absolute path', async () => {
  const [a, b] = await imagePair();
  const r = await runRepro(['diff', a, b, '--exclude', '/etc/**', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
});

test('usage errors exit 2 with one line', async () => {
  const [a, b] = await imagePair();
  const bad = await runRepro(['diff', a, b, '--ignore', 'colour']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown category "colour"/);
  const missing = await runRepro(['diff', a, join(a, 'nope')]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  const n = await runRepro(['diff', a, b, '--max-diff-lines', 'x']);
  assert.equal(n.code, 2);
});

test('Debian images: differing paths attributed to the packages whose dpkg lists name them', async () => {
  const dir = await fileDir();
  const image = (id: string): TestMember[][] => [
    [
      { path: 'var/lib/dpkg/info/', type: 'dir' },
      // unpacked at build time: the list's mtime differs between the builds, as in real Debian builds
      { path: 'var/lib/dpkg/info/demo-conf.list', content: '/.\n/etc\n/etc/demo.conf\n', mtime: id.startsWith('3') ? 1_700_000_000 : 1_700_000_100 },
      { path: 'etc/', type: 'dir' },
      { path: 'etc/demo.conf', content: `id=${id}\n` },
      { path: 'etc/made-by-script', content: `${id}\n` },
    ],
  ];
  await makeOciImage(join(dir, 'a'), { layers: image('3b169add4240a1b77a3470aef2469df2') });
  await makeOciImage(join(dir, 'b'), { layers: image('4936670f69a7478d97e0f87ff319c795') });
  const json = join(dir, 'r.json');
  const r = await runRepro(['diff', join(dir, 'a'), join(dir, 'b'), '--json', json]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /demo-conf → 1 file\n\s+\/etc\/demo\.conf\s+random-id/);
  assert.match(r.stdout, /no package[^\n]*\n\s+\/etc\/made-by-script/);
  const report = JSON.parse(await readFile(json, 'utf8')) as { findings: { path: string; package?: string }[]; packages?: unknown };
  assert.equal(report.findings.find((f) => f.path === '/etc/demo.conf')?.package, 'demo-conf');
  assert.ok(report.packages, 'the report carries the attribution');
  const skipped = await runRepro(['diff', join(dir, 'a'), join(dir, 'b'), '--no-packages']);
  assert.doesNotMatch(skipped.stdout, /demo-conf →/);
});

test('package attribution is not run (no extra read) when the dpkg database does not differ, unless --packages', async () => {
  const dir = await fileDir();
  const image = (id: string): TestMember[][] => [
    [
      { path: 'var/lib/dpkg/info/demo-conf.list', content: '/.\n/etc\n/etc/demo.conf\n' },
      { path: 'etc/demo.conf', content: `id=${id}\n` },
    ],
  ];
  await makeOciImage(join(dir, 'a'), { layers: image('3b169add4240a1b77a3470aef2469df2') });
  await makeOciImage(join(dir, 'b'), { layers: image('4936670f69a7478d97e0f87ff319c795') });
  const plain = await runRepro(['diff', join(dir, 'a'), join(dir, 'b')]);
  assert.equal(plain.code, 1, plain.stderr);
  assert.doesNotMatch(plain.stdout, /demo-conf →/);
  const forced = await runRepro(['diff', join(dir, 'a'), join(dir, 'b'), '--packages']);
  assert.match(forced.stdout, /demo-conf → 1 file/);
});

test('rootfs tarballs: packages attributed from the lists read during the comparison', async () => {
  const dir = await fileDir();
  const tree = (id: string, mtime: number): TestMember[] => [
    { path: 'var/lib/dpkg/info/', type: 'dir' },
    { path: 'var/lib/dpkg/info/demo-conf.list', content: '/.\n/etc\n/etc/demo.conf\n', mtime },
    { path: 'etc/', type: 'dir' },
    { path: 'etc/demo.conf', content: `id=${id}\n` },
  ];
  await makeRootfsTar(join(dir, 'a.tar.gz'), tree('3b169add4240a1b77a3470aef2469df2', 1_700_000_000), { gzip: true });
  await makeRootfsTar(join(dir, 'b.tar.gz'), tree('4936670f69a7478d97e0f87ff319c795', 1_700_000_100), { gzip: true });
  const r = await runRepro(['diff', join(dir, 'a.tar.gz'), join(dir, 'b.tar.gz')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /demo-conf → 1 file\n\s+\/etc\/demo\.conf\s+random-id/);
});
