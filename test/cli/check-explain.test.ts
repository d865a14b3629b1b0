// `repro check --explain` on the demo manifest: every planted difference is attributed to what plants it —
// the hostname to build-info.json's build-env finding, the umask to every mode, and the random id, the
// shuffled list and the build times to no variation at all (they differ between two builds with none) —
// and the terminal, JSON, Markdown and HTML reports say so per finding and per variation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cause } from '../../src/core/finding.js';
import { runRepro, PROJECT_ROOT } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTools } from '../helpers/tools.js';

const DEMO = join(PROJECT_ROOT, 'fixtures/demo/manifest.yml');
const skip = firstSkip(requireRoot('the hostname and file-ordering variations'), requireTools(['faketime', 'faketime'], ['disorderfs', 'disorderfs']));

interface JsonFinding {
  path: string;
  category: string;
  cause?: Cause;
  causedBy?: string;
}

test('check --explain on the demo: each planted finding is attributed to its variation, in every report', { skip, timeout: 300_000 }, async (t) => {
  const dir = await testDir(t, 'repro-explain-');
  const [json, md, html] = ['r.json', 'r.md', 'r.html'].map((f) => join(dir, f)) as [string, string, string];
  const r = await runRepro(['check', DEMO, '--explain', '--vary', 'time,hostname,timezone,umask,file-ordering,kernel', '--json', json, '--markdown', md, '--html', html]);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as {
    findings: JsonFinding[];
    explain: { builds: { label: string; variations: string[]; identical: boolean }[]; causes: { kind: string; variation?: string; findings: number }[] };
  };
  const byKey = new Map(report.findings.map((f) => [`${f.path} ${f.category}`, f]));
  const cause = (path: string, category: string): Cause | undefined => byKey.get(`${path} ${category}`)?.cause;

  assert.deepEqual(cause('/usr/share/demo/build-info.json', 'build-env')?.variations, ['hostname'], 'the host name in build-info.json comes from the hostname variation');
  const modes = report.findings.filter((f) => f.category === 'metadata');
  assert.ok(modes.length >= 10, 'the umask plants a mode finding per file and directory');
  for (const f of modes) assert.deepEqual(f.cause?.variations, ['umask'], `${f.path}: its mode follows the umask`);
  for (const [path, category] of [['/etc/machine-id', 'random-id'], ['/usr/share/demo/plugins.list', 'ordering'], ['/var/log/build.log', 'timestamp']] as const) {
    const c = cause(path, category);
    assert.equal(c?.withoutVariation, true, `${path}: differs between two builds with no variation`);
    assert.deepEqual(c?.variations, []);
  }
  assert.equal(byKey.get('/etc/machine-id random-id')?.causedBy, 'differs with no variation: inherent randomness (random ids, keys)');
  assert.equal(byKey.get('/var/log/build.log timestamp')?.causedBy, 'differs with no variation: the time each build runs at');
  assert.equal(byKey.get('/usr/share/demo/build-info.json build-env')?.causedBy, 'caused by: hostname');
  for (const f of report.findings) assert.ok(f.cause, `${f.path} (${f.category}) has a cause`);

  // One rebuild with no variation and one per variation alone; the ones that plant nothing in the demo
  // (kernel, file ordering: it reads no directory) differ from A only as a rebuild with none does.
  assert.deepEqual(report.explain.builds.map((b) => b.variations.join(',')), ['', 'time', 'hostname', 'timezone', 'umask', 'file-ordering', 'kernel']);
  const summary = new Map(report.explain.causes.map((c) => [c.variation ?? c.kind, c.findings]));
  assert.equal(summary.get('umask'), modes.length);
  assert.equal(summary.get('hostname'), 1);
  assert.ok(!summary.has('kernel') && !summary.has('file-ordering'), 'a variation that plants nothing causes nothing');
  assert.ok((summary.get('without-variation') ?? 0) >= 3);

  assert.match(r.stdout, /\/usr\/share\/demo\/build-info\.json {2}build-env: .*\n {6}caused by: hostname\n/);
  assert.match(r.stdout, /caused by umask: \d+ findings/);
  assert.match(r.stdout, /build A\+none: no variation: \d+ findings against A/);
  const mdText = await readFile(md, 'utf8');
  assert.match(mdText, /### Causes \(`check --explain`\)/);
  assert.match(mdText, /\| caused by umask \| \d+ \|/);
  const htmlText = await readFile(html, 'utf8');
  assert.match(htmlText, /Causes \(check --explain\)/);
  assert.match(htmlText, /caused by: hostname/, 'the page carries each finding\'s cause');
});

test('check --explain with --fix is refused with one line', async () => {
  const r = await runRepro(['check', DEMO, '--explain', '--fix']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--explain goes without --fix/);
});
