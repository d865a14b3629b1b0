// The findings store: held in memory up to a threshold, spilled to the temp area as NDJSON beyond it. Every
// report rendered from a spilled store must be the one rendered from the same findings held in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Finding, Report } from '../../src/core/finding.js';
import { Findings } from '../../src/core/findings.js';
import { compareInputs } from '../../src/compare/engine.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { generateRules } from '../../src/rules/generate.js';
import { makeOciArchive } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';
import { checkReport, hostileReport, largeReport, sampleReport } from '../report/sample-report.js';

function spilledCopy(report: Report, spillAt = 0): Report {
  const findings = Findings.from(report.findings, { spillAt });
  assert.equal(findings.spilled, true);
  return { ...report, findings };
}

/** A finding with what a store must keep exactly: a non-UTF-8 name byte, a lone surrogate, multi-byte text. */
const odd: Finding = {
  path: '/etc/caf\udce9/\u00e9t\u00e9 \u{1f600}',
  layer: 2,
  category: 'content',
  code: 'text',
  facts: [{ token: 'UUID', line: 3, a: '\ud800x', b: 'y\u2028' }, { at: 'offset 0x1f', size: [1, 2] }],
  detail: '-a\n+b\n'.repeat(50_000),
  inner: 'data.tar.gz/x',
  warning: 'w',
};

test('a spilled store reads back every finding, in order, any number of times (for…of and for await…of)', async () => {
  const list: Finding[] = [odd, ...largeReport(300).findings, odd];
  const store = Findings.from(list, { spillAt: 4 });
  assert.equal(store.spilled, true);
  assert.equal(store.length, list.length);
  const expected = JSON.parse(JSON.stringify(list)) as Finding[];
  assert.deepEqual([...store], expected);
  assert.deepEqual([...store], expected, 'a second pass reads the same');
  const viaAsync: Finding[] = [];
  for await (const f of store) viaAsync.push(f);
  assert.deepEqual(viaAsync, expected);
  // a pass stopped early closes its file and leaves the store readable
  assert.deepEqual(store.first(2), expected.slice(0, 2));
  store.add(odd);
  assert.equal(store.toArray().length, list.length + 1);
  assert.equal(store.counts.category.get('content'), list.filter((f) => f.category === 'content').length + 1);
});

test('counts are kept as findings are added: by category, code, layer, package and accepted', () => {
  const store = new Findings({ spillAt: 0 });
  store.add({ path: '/a', layer: 0, category: 'mtime', code: 'entry-fields', facts: [], detail: '' });
  store.add({ path: '/b', category: 'image-metadata', code: 'image-field', facts: [], detail: '', package: 'p', accepted: 'ok' });
  assert.deepEqual([...store.counts.category], [['mtime', 1], ['image-metadata', 1]]);
  assert.deepEqual([...store.counts.layer], [[0, 1], [-1, 1]]);
  assert.deepEqual([...store.counts.package], [['', 1], ['p', 1]]);
  assert.equal(store.counts.accepted, 1);
  assert.equal(store.failing(['mtime']), 1);
  store.update((f) => ({ ...f, package: 'q' }));
  assert.deepEqual([...store.counts.package], [['q', 2]]);
  assert.deepEqual(store.toArray().map((f) => f.package), ['q', 'q']);
});

test('JSON, Markdown, HTML, terminal and rules are byte-identical from a spilled store and from memory', () => {
  for (const report of [sampleReport(), hostileReport(), checkReport(), largeReport(700), { ...sampleReport(), findings: Findings.from([odd]) }]) {
    const spilled = spilledCopy(report);
    assert.equal(renderJson(spilled), renderJson(report));
    assert.equal(renderMarkdown(spilled), renderMarkdown(report));
    assert.equal(renderHtml(spilled), renderHtml(report));
    assert.equal(renderTerminal(spilled, { verbose: true }), renderTerminal(report, { verbose: true }));
    assert.equal(generateRules(spilled), generateRules(report));
  }
});

test('a comparison whose findings spill (REPRO_FINDINGS_SPILL=0) writes the same JSON as one held in memory', async (t) => {
  const dir = await testDir(t, 'findings-spill-');
  const files = (tag: string) => Array.from({ length: 40 }, (_, i) => ({ path: `srv/d${i % 4}/f${i}`, content: `${tag} ${i}\n`, mtime: tag === 'a' ? 1_700_000_000 : 1_700_000_000 + i }));
  await makeOciArchive(join(dir, 'a.tar'), { layers: [files('a')] });
  await makeOciArchive(join(dir, 'b.tar'), { layers: [files('b')] });
  const held = await compareInputs(join(dir, 'a.tar'), join(dir, 'b.tar'));
  const before = process.env.REPRO_FINDINGS_SPILL;
  process.env.REPRO_FINDINGS_SPILL = '0';
  try {
    const spilled = await compareInputs(join(dir, 'a.tar'), join(dir, 'b.tar'));
    assert.equal(spilled.findings.spilled, true);
    assert.equal(held.findings.spilled, false);
    assert.ok(held.findings.length >= 40);
    // the inputs' paths are the same; only where the findings live differs
    assert.equal(renderJson(spilled), renderJson(held));
  } finally {
    if (before === undefined) delete process.env.REPRO_FINDINGS_SPILL;
    else process.env.REPRO_FINDINGS_SPILL = before;
  }
});

test('mergedWith puts a few findings (in any order) in their places: image-level first, then by layer, then by path', () => {
  const f = (path: string, layer?: number): Finding => ({ path, ...(layer !== undefined ? { layer } : {}), category: 'build-env', code: 'variation', facts: [], detail: '' });
  for (const spillAt of [0, 1000]) {
    const store = Findings.from([f(''), f('/a', 0), f('/c', 0), f('/b', 1)], { spillAt });
    const merged = store.mergedWith([f('/z', 1), f('/b', 0), f('/a', 1), f('/x')]);
    assert.deepEqual([...merged].map((x) => `${x.layer ?? '-'}${x.path}`), ['-', '-/x', '0/a', '0/b', '0/c', '1/a', '1/b', '1/z']);
  }
});
