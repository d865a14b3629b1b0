// A run with many findings writes its JSON and HTML reports in a small heap: the findings live in the
// store (spilled to the temp area past REPRO_FINDINGS_SPILL), the JSON streams from it, and the terminal
// view is counted. Not timed: the HTML's open and filter time lives in `npm run bench:html`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeRootfsTar, type TestMember } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';
import { runCapped } from '../helpers/child.js';

const N = 15_000;

test(`${N.toLocaleString('en-US')} findings: diff writes JSON and HTML in a 96 MB heap and summarises the terminal view`, { timeout: 10 * 60_000 }, async (t) => {
  const dir = await testDir(t, 'large-run-');
  const side = (mtime: number): TestMember[] =>
    Array.from({ length: N }, (_, i) => ({ path: `usr/lib/node_modules/m${i % 300}/f${i}.js`, content: `module.exports = ${i};\n`, mtime }));
  await makeRootfsTar(join(dir, 'a.tar'), side(1_700_000_000));
  await makeRootfsTar(join(dir, 'b.tar'), side(1_700_000_777));
  const json = join(dir, 'r.json');
  const html = join(dir, 'r.html');
  const r = await runCapped(96, { cli: ['diff', join(dir, 'a.tar'), join(dir, 'b.tar'), '--json', json, '--html', html, '--markdown', join(dir, 'r.md')] }, { REPRO_FINDINGS_SPILL: '1000', NO_COLOR: '1' });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as { findings: { path: string; category: string }[] };
  assert.equal(report.findings.length, N);
  assert.ok(report.findings.every((f) => f.category === 'mtime'));
  const page = await readFile(html, 'utf8');
  assert.match(page, /<title>repro report: 15,000 differences<\/title>/);
  // the page keeps a path as its directory (once, then by reference) and its name
  assert.ok(page.includes('"/usr/lib/node_modules/m299/"') && page.includes('"f14999.js"'), 'the last finding is in the page');
  // mtime-only findings are one line per directory, the ten biggest
  assert.match(r.stdout, /15000 mtime-only differences in 300 directories/);
  assert.ok(r.stdout.split('\n').length < 80, `${r.stdout.split('\n').length} terminal lines`);
});
