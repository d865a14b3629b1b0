// The first screen of diff and check: what a person must act on comes first, then metadata and ordering;
// mtime-only differences are one line per directory with the rule that removes them; --verbose lists all.
// The report is shaped like a real Debian check: hundreds of mtime lines in the layers before the few
// findings that matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTerminal } from '../../src/report/terminal.js';
import { renderCheck } from '../../src/check/render.js';
import { assembleCheckReport } from '../../src/check/check-report.js';
import { buildReport } from '../../src/core/report.js';
import { planBuilds } from '../../src/check/variations.js';
import type { Finding, Report } from '../../src/core/finding.js';

const mtime = (path: string, layer: number): Finding => ({ path, layer, category: 'mtime', code: 'entry-fields', facts: [{ field: 'mtime', a: '1700000000', b: '1700000777' }], detail: 'mtime: 1700000000 → 1700000777' });

function debianLike(): Finding[] {
  const findings: Finding[] = [];
  for (let i = 0; i < 120; i++) findings.push(mtime(`/usr/share/doc/pkg${i}`, 0));
  for (let i = 0; i < 100; i++) findings.push(mtime(`/etc/a${i}`, 1));
  for (let i = 0; i < 9; i++) findings.push(mtime(`/usr/bin/tool${i}`, 1));
  findings.push(
    { path: '/etc/group', layer: 0, category: 'ordering', code: 'text', facts: [{ order: 'lines', count: 30 }], detail: '' },
    { path: '/etc/ssh', layer: 1, category: 'metadata', code: 'entry-fields', facts: [{ field: 'mode', a: '0755', b: '0775' }], detail: 'mode: 0755 → 0775' },
    { path: '/etc/ssh/ssh_host_ed25519_key', layer: 1, category: 'random-id', code: 'text', facts: [{ token: 'base64 token', line: 2, a: 'AAAA', b: 'BBBB' }], detail: '' },
    { path: '/etc/machine-id', layer: 1, category: 'random-id', code: 'text', facts: [{ token: '32-hex token', line: 1, a: '0f', b: 'f0' }], detail: '' },
    { path: '/var/log/dpkg.log', layer: 1, category: 'timestamp', code: 'text', facts: [{ token: 'ISO 8601 timestamp', line: 1, a: '2023-11-14 22:13:20', b: '2023-11-14 22:26:17' }], detail: '' },
    { path: '/var/cache/ldconfig/aux-cache', layer: 1, category: 'binary', code: 'bytes', facts: [{ at: 'offset 0x0' }], detail: '' },
  );
  return findings;
}

const MUST_SEE = ['/etc/ssh/ssh_host_ed25519_key', '/etc/machine-id', '/var/log/dpkg.log', '/var/cache/ldconfig/aux-cache'];

function firstIndex(lines: string[], re: RegExp): number {
  return lines.findIndex((l) => re.test(l));
}

/** `text` from the first finding on (the counts table above it names every category). */
function assertFirstScreen(text: string): void {
  assert.ok(text.indexOf('to act on') > 0, 'the findings start with what to act on');
  const lines = text.slice(text.indexOf('to act on')).split('\n');
  const act = MUST_SEE.map((p) => firstIndex(lines, new RegExp(`${p.replace(/[.]/g, '\\.')}\\s+(random-id|timestamp|binary)`)));
  assert.ok(act.every((i) => i >= 0), `every finding to act on is listed: ${act.join(', ')}\n${text}`);
  const firstMtime = firstIndex(lines, /mtime/);
  assert.ok(act.every((i) => i < firstMtime), `the findings to act on come before any mtime line (line ${firstMtime})`);
  const group = firstIndex(lines, /\/etc\/group\s+ordering/);
  const ssh = firstIndex(lines, /\/etc\/ssh\s+metadata/);
  assert.ok(group > Math.max(...act) && ssh > Math.max(...act), 'then metadata and ordering');
  assert.ok(Math.max(...act) < 30, `on the first screen (last at line ${Math.max(...act)} below the tables)`);
  assert.match(text, /229 mtime-only differences in 3 directories — removed by the clamp-mtime rule/);
  assert.match(text, /^ {4}\/usr\/share\/doc\s+120$/m);
  assert.match(text, /^ {4}\/etc\s+100$/m);
  assert.doesNotMatch(text, /\/usr\/share\/doc\/pkg7\b/, 'mtime-only paths are not listed one by one');
  assert.doesNotMatch(text, /mtime: mtime|mtime: \d+ → \d+/, 'no duplicated mtime lines');
}

function assertVerbose(text: string): void {
  for (const p of ['/usr/share/doc/pkg7', '/etc/a99', '/usr/bin/tool8']) assert.match(text, new RegExp(`${p}\\s+mtime 1700000000 vs 1700000777$`, 'm'), p);
  assert.doesNotMatch(text, /mtime-only differences in/);
  assert.doesNotMatch(text, /mtime: mtime|mtime: \d+ → \d+/);
  assert.doesNotMatch(text, /more in this phase/);
}

function report(): Report {
  return buildReport({ inputs: [{ path: 'a', kind: 'oci-archive' }, { path: 'b', kind: 'oci-archive' }], findings: debianLike(), ignored: [], warnings: [] });
}

test('diff terminal view: findings to act on first, then metadata and ordering, mtime summarised per directory', () => {
  assertFirstScreen(renderTerminal(report(), { maxDiffLines: 3 }));
});

test('diff terminal view --verbose lists every mtime finding, once', () => {
  assertVerbose(renderTerminal(report(), { verbose: true }));
});

function checkReport(): ReturnType<typeof assembleCheckReport> {
  const plan = planBuilds([], 2, { root: '/r', faketime: undefined });
  return assembleCheckReport({
    manifest: '/m.yml',
    compared: report(),
    runs: plan.setups.map((setup, i) => ({
      setup,
      result: { out: `/r/${setup.label}.tar`, manifestDigest: `sha256:${i}`, layers: [{ phase: 'base', digest: `sha256:b${i}`, diffId: 'x', size: 1 }, { phase: 'packages', digest: `sha256:p${i}`, diffId: 'y', size: 1 }], epoch: 0, epochSource: 'default', durationMs: 1000 },
    })),
    plan,
    packages: undefined,
    startedAt: Date.now(),
  });
}

test('check terminal view: findings to act on first, then metadata and ordering, mtime summarised per directory', () => {
  const text = renderCheck(checkReport());
  assert.match(text.split('\n')[0] ?? '', /^NOT REPRODUCIBLE/);
  assertFirstScreen(text);
});

test('check terminal view --verbose lists every finding, none cut', () => {
  assertVerbose(renderCheck(checkReport(), { verbose: true }));
});

test('a large run is summarised: each section lists its first findings, then the rest counted by directory; Markdown adds the directories', async () => {
  const { renderMarkdown } = await import('../../src/report/markdown.js');
  const findings: Finding[] = [];
  // 2,000 removed files in 40 directories, spilled to the temp area like any large run
  for (let i = 0; i < 2000; i++) findings.push({ path: `/srv/d${i % 40}/f${i}`, layer: 0, category: 'removed', code: 'only-in', facts: [{ only: 'a', what: 'file' }], detail: '' });
  const before = process.env.REPRO_FINDINGS_SPILL;
  process.env.REPRO_FINDINGS_SPILL = '100';
  let report: Report;
  try {
    report = buildReport({ inputs: [], findings, ignored: [], warnings: [] });
  } finally {
    if (before === undefined) delete process.env.REPRO_FINDINGS_SPILL;
    else process.env.REPRO_FINDINGS_SPILL = before;
  }
  assert.equal(report.findings.spilled, true);
  const out = renderTerminal(report, { maxListed: 50 });
  const listed = out.split('\n').filter((l) => /^ {4}\/srv\/d\d+\/f\d+ {2}removed/.test(l));
  assert.equal(listed.length, 50);
  assert.match(out, /… 1950 more in 40 directories \(--verbose lists them; --json FILE keeps everything\):/);
  assert.match(out, /^ {4}\/srv\/d\d+ +\d+$/m);
  assert.match(out, /… 30 more directories/);
  assert.match(out, /2000 differences$/m);
  const all = renderTerminal(report, { verbose: true, maxListed: 50 });
  assert.equal(all.split('\n').filter((l) => /^ {4}\/srv\/d\d+\/f\d+ {2}removed/.test(l)).length, 2000, '--verbose lists every one');
  const md = renderMarkdown(report, { maxFindings: 15 });
  assert.match(md, /^### Top findings \(15 of 2000\)$/m);
  assert.match(md, /^\| directory \| findings \|$/m);
  assert.match(md, /^\| `\/srv\/d0` \| 50 \|$/m);
  assert.match(md, /^\| …30 more directories \| \|$/m);
});
