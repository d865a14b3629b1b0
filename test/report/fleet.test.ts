// `repro report merge` on reports built in code: an image that differs (two dated reports of it: the newer
// counts, both feed the trend), one that is reproducible, a diff report, a failed check's error record and a
// file cut short. The fleet JSON is exact; the HTML is opened in Chromium; a thousand reports merge in a
// child node whose heap is too small to hold them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { Finding, Report } from '../../src/core/finding.js';
import { buildReport } from '../../src/core/report.js';
import { renderJson } from '../../src/report/json.js';
import { CHECK_ERROR_SCHEMA } from '../../src/report/read-report.js';
import { mergeReports, type FleetReport } from '../../src/report/fleet.js';
import { renderFleetHtml } from '../../src/report/fleet-html.js';
import { renderFleetMarkdown } from '../../src/report/fleet-markdown.js';
import { runRepro } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { chromiumMissing, openBrowser } from './browser.js';

const machineId = (pkg?: string): Finding => ({
  path: '/etc/machine-id', layer: 1, category: 'random-id', code: 'text', ...(pkg ? { package: pkg } : {}),
  facts: [{ token: '32-hex token', line: 1, a: '5f0c2a9e8b7d4e1fa3c6b9d2e5f80714', b: '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e' }], detail: '',
});
const mtime = (path: string): Finding => ({ path, layer: 1, category: 'mtime', code: 'entry-fields', facts: [{ field: 'mtime', a: '1700000000', b: '1700000100' }], detail: '' });
const mode = (path: string): Finding => ({ path, layer: 1, category: 'metadata', code: 'entry-fields', facts: [{ field: 'mode', a: '0644', b: '0664' }], detail: '' });
const blob: Finding = { path: '/opt/blob.bin', layer: 1, category: 'binary', code: 'bytes', facts: [{ at: 'offset 0x10' }], detail: '' };

/** A check report as `repro check --json` writes it: date and manifest first, then the comparison, then the verdict. */
function check(manifest: string, date: string, findings: Finding[]): Report {
  const { schema, ...rest } = buildReport({ inputs: [{ path: '/tmp/a.tar', kind: 'oci-archive' }, { path: '/tmp/b.tar', kind: 'oci-archive' }], findings, ignored: [], warnings: [] });
  return { schema, date, manifest, ...rest, reproducible: findings.length === 0, builds: [], packages: null } as Report;
}

async function writeReports(dir: string): Promise<string[]> {
  const files: [string, string][] = [
    ['web-old.json', renderJson(check('images/web.yml', '2026-11-30T02:00:00Z', [machineId('systemd'), blob]))],
    // as `check --explain` leaves them: the id comes without any variation, the mtimes from the time variation
    ['web.json', renderJson(check('images/web.yml', '2026-12-01T02:00:00Z', [
      { ...machineId('systemd'), cause: { variations: [], withoutVariation: true, match: 'finding' } },
      ...['/usr/bin/x', '/usr/bin/y'].map((p) => ({ ...mtime(p), cause: { variations: ['time'], withoutVariation: false, match: 'finding' } })),
      // a directory several packages list: ranked as a path, not as a package
      { ...mode('/var/log'), package: 'base-files +2' },
    ] as Finding[]))],
    ['db.json', renderJson(check('images/db.yml', '2026-12-01T02:10:00Z', []))],
    ['diff.json', renderJson(buildReport({ inputs: [{ path: 'a.tar', kind: 'oci-archive' }, { path: 'b.tar', kind: 'oci-archive' }], findings: [machineId()], ignored: [], warnings: [] }))],
    ['broken.json', JSON.stringify({ schema: CHECK_ERROR_SCHEMA, manifest: 'images/broken.yml', date: '2026-12-01T02:20:00Z', error: 'images/broken.yml:3: base: unknown key "imagee"' })],
    ['cut.json', renderJson(check('images/cut.yml', '2026-12-01T02:30:00Z', [blob])).slice(0, 200)],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

const EXPECTED = (dir: string, cutShort: string): FleetReport => ({
  schema: 'repro-fleet/1',
  summary: { reports: 6, images: 5, reproducible: 1, differs: 2, error: 2 },
  images: [
    { image: join(dir, 'cut.json'), report: join(dir, 'cut.json'), kind: 'unknown', verdict: 'error', findings: 0, accepted: 0, categories: {}, error: `not a repro report: invalid JSON (${cutShort})` },
    { image: 'images/broken.yml', report: join(dir, 'broken.json'), kind: 'check', verdict: 'error', date: '2026-12-01T02:20:00.000Z', findings: 0, accepted: 0, categories: {}, error: 'images/broken.yml:3: base: unknown key "imagee"' },
    { image: 'a.tar vs b.tar', report: join(dir, 'diff.json'), kind: 'diff', verdict: 'differs', findings: 1, accepted: 0, categories: { 'random-id': 1 } },
    { image: 'images/web.yml', report: join(dir, 'web.json'), kind: 'check', verdict: 'differs', date: '2026-12-01T02:00:00.000Z', findings: 4, accepted: 0, categories: { mtime: 2, metadata: 1, 'random-id': 1 } },
    { image: 'images/db.yml', report: join(dir, 'db.json'), kind: 'check', verdict: 'reproducible', date: '2026-12-01T02:10:00.000Z', findings: 0, accepted: 0, categories: {} },
  ],
  categories: [
    { category: 'random-id', images: 2, findings: 2 },
    { category: 'mtime', images: 1, findings: 2 },
    { category: 'metadata', images: 1, findings: 1 },
  ],
  causes: [
    { cause: 'time', images: 1, uncertain: 0, findings: 2 },
    { cause: 'no variation', images: 1, uncertain: 0, findings: 1 },
  ],
  // mtime-only paths are left out of the ranking (clamp-mtime removes them all: it is in the rules)
  paths: [
    { path: '/etc/machine-id', categories: ['random-id'], package: 'systemd', images: 2, uncertain: 0, findings: 2 },
    { path: '/var/log', categories: ['metadata'], package: 'base-files +2', images: 1, uncertain: 0, findings: 1 },
  ],
  packages: [{ package: 'systemd', images: 1, uncertain: 0, findings: 1 }],
  rules: [
    {
      action: 'truncate', match: '/etc/machine-id', category: 'random-id', review: false, images: 2, uncertain: 0, findings: 2,
      text: '- match: /etc/machine-id\n  action: truncate\n  note: "empty machine-id = uninitialized; systemd sets it at first boot"\n  reason:\n    category: random-id\n    evidence:\n      - "32-hex token differs on line 1"',
    },
    {
      action: 'clamp-mtime', match: '/**', category: 'mtime', review: false, images: 1, uncertain: 0, findings: 2,
      text: '- match: "/**"\n  action: clamp-mtime\n  reason:\n    category: mtime\n    evidence:\n      - "mtime 1700000000 vs 1700000100"',
    },
    {
      action: 'set-mode', match: '/var/log', category: 'metadata', review: false, images: 1, uncertain: 0, findings: 1,
      text: '- match: /var/log\n  action: set-mode\n  mode: \'0644\'\n  note: "set to the value in A"\n  reason:\n    category: metadata\n    evidence:\n      - "mode 0644 vs 0664"',
    },
  ],
  trend: [
    { date: '2026-11-30', images: 1, reproducible: 0, differs: 1, error: 0 },
    { date: '2026-12-01', images: 3, reproducible: 1, differs: 1, error: 1 },
  ],
});

test('merge: a verdict per image from its newest report, rankings across images, the trend by day (exact JSON)', async (t) => {
  const dir = await testDir(t, 'fleet-');
  const files = await writeReports(dir);
  const fleet = await mergeReports(files);
  let parseError = '';
  try {
    JSON.parse(await readFile(join(dir, 'cut.json'), 'utf8'));
  } catch (e) {
    parseError = (e as Error).message;
  }
  assert.deepEqual(fleet, EXPECTED(dir, parseError));
  // the same reports read as token streams (as files over 4 MiB are) give the same fleet
  assert.deepEqual(await mergeReports(files, { streamAbove: 0 }), EXPECTED(dir, 'the file ends inside the report: cut short?'));
  // the blob of the older web report is not counted: only the trend sees that report
  assert.ok(!fleet.paths.some((p) => p.path === '/opt/blob.bin'));
  const md = renderFleetMarkdown(fleet);
  assert.match(md, /^## ❌ repro fleet: 5 images: 1 reproducible, 2 not reproducible, 2 errors$/m);
  assert.match(md, /^\| 2 \| `\/etc\/machine-id` \| systemd \| random-id \| 2 \|$/m);
  assert.match(md, /^\| 2026-11-30 \| 1 \| 0 \| 1 \| 0 \|$/m);
  // the suggested rules are a rule file that parses
  const yamlBlock = /^```yaml\n([\s\S]*?)\n```$/m.exec(md)![1]!;
  const rules = (parse(yamlBlock) as { rules: { match: string; action: string }[] }).rules;
  assert.deepEqual(rules.map((x) => [x.match, x.action]), [['/etc/machine-id', 'truncate'], ['/**', 'clamp-mtime'], ['/var/log', 'set-mode']]);
});

test('repro report merge: a directory of reports, three outputs, exit 2 when an image errored; 0 when all are reproducible', async (t) => {
  const dir = await testDir(t, 'fleet-cli-');
  await writeReports(dir);
  const out = await testDir(t, 'fleet-out-');
  const r = await runRepro(['report', 'merge', dir, '--json', join(out, 'f.json'), '-o', join(out, 'f.html'), '--markdown', join(out, 'f.md')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /^5 images: 1 reproducible, 2 not reproducible, 2 errors$/m);
  assert.deepEqual(JSON.parse(await readFile(join(out, 'f.json'), 'utf8')), await mergeReports([...(await writeReports(dir))].sort()));
  assert.match(await readFile(join(out, 'f.html'), 'utf8'), /<table class="t" id="images">/);
  const ok = await runRepro(['report', 'merge', join(dir, 'db.json'), '-q']);
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await runRepro(['report', 'merge', join(dir, 'nope.json')]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), `repro: ${join(dir, 'nope.json')}: no such file or directory`);
  const ext = await runRepro(['report', 'merge', dir, '-o', join(out, 'f.txt')]);
  assert.equal(ext.code, 2);
  assert.match(ext.stderr, /format comes from the extension/);
});

test('the fleet HTML renders in Chromium: verdict, one row per image, rankings, no page errors', { skip: chromiumMissing(), timeout: 60_000 }, async (t) => {
  const dir = await testDir(t, 'fleet-html-');
  const fleet = await mergeReports(await writeReports(dir));
  // a hostile path must stay text
  fleet.paths.push({ path: '/x/<img src=x onerror=alert(1)>', categories: ['content'], images: 1, uncertain: 0, findings: 1 });
  const file = join(dir, 'fleet.html');
  await writeFile(file, renderFleetHtml(fleet));
  const b = await openBrowser();
  try {
    await b.page.goto(pathToFileURL(file).href);
    assert.equal(await b.page.textContent('.verdict'), '5 images: 1 reproducible, 2 not reproducible, 2 errors');
    const verdicts = await b.page.$$eval('#images tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.verdict));
    assert.deepEqual(verdicts, ['error', 'error', 'differs', 'differs', 'reproducible']);
    assert.equal(await b.page.locator('#paths tbody tr').count(), 3);
    assert.equal(await b.page.locator('img').count(), 0, 'a path is never markup');
    assert.match((await b.page.textContent('#rules pre')) ?? '', /^- match: \/etc\/machine-id\n {2}action: truncate\n/);
    assert.deepEqual(await b.page.$$eval('#trend tbody tr td:first-child', (c) => c.map((x) => x.textContent)), ['2026-11-30', '2026-12-01']);
    const width = await b.page.$eval('#trend tbody tr:last-child .bar .ok', (e) => (e as HTMLElement).style.width);
    assert.equal(width, '33.3%');
    await b.page.screenshot({ path: join('test-output', 'fleet-report.png'), fullPage: true }).catch(() => undefined);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

/** The memory test's child: writes nothing, merges the directory's reports, prints the summary and heap peak. */
const CHILD = `
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mergeReports } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'src/report/fleet.ts')).href)};
const dir = process.argv[1];
const files = readdirSync(dir).sort().map((f) => join(dir, f));
const fleet = await mergeReports(files);
process.stdout.write(JSON.stringify({ summary: fleet.summary, top: fleet.paths[0], rules: fleet.rules.length, paths: fleet.paths.length, approximate: fleet.paths.some((p) => p.uncertain > 0) }));
`;

test('1,000 reports (60 MB of JSON) merge in a child whose heap is capped at 64 MB', { timeout: 300_000 }, async (t) => {
  const dir = await testDir(t, 'fleet-1000-');
  // each image: the shared machine-id, 180 files of its own (from a pool of 60k paths: the rankings must drop keys),
  // every third image reproducible; one image's report is 12 MB
  const one = (i: number, n: number): string => {
    const findings: Finding[] = [machineId('systemd')];
    for (let k = 0; k < n; k++) findings.push({ ...mode(`/usr/share/doc/p${(i * 7919 + k * 104729) % 60_000}/changelog.gz`), package: `p${(i + k) % 500}` });
    return renderJson(check(`images/${String(i).padStart(4, '0')}.yml`, '2026-12-01T00:00:00Z', i % 3 === 0 ? [] : findings));
  };
  let bytes = 0;
  for (let i = 0; i < 1000; i++) {
    const text = one(i, i === 1 ? 30_000 : 180);
    bytes += text.length;
    await writeFile(join(dir, `r${String(i).padStart(4, '0')}.json`), text);
  }
  assert.ok(bytes > 50e6, `${bytes} bytes of reports`);
  const child = spawn(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '-e', CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err.slice(-2000));
  const r = JSON.parse(out) as { summary: FleetReport['summary']; top: FleetReport['paths'][number]; rules: number; paths: number; approximate: boolean };
  assert.deepEqual(r.summary, { reports: 1000, images: 1000, reproducible: 334, differs: 666, error: 0 });
  // the one path every failing image shares is first, with its exact count
  assert.deepEqual({ path: r.top.path, images: r.top.images, uncertain: r.top.uncertain }, { path: '/etc/machine-id', images: 666, uncertain: 0 });
  assert.ok(r.approximate, 'the rankings dropped keys on the way');
  assert.equal(r.paths, 25);
});
