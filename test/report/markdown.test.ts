import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html.js';
import { mdCode, mdText, renderMarkdown } from '../../src/report/markdown.js';
import { checkReport, hostileReport, identicalReport, largeReport, sampleReport } from './sample-report.js';
import { Findings } from '../../src/core/findings.js';

test('verdict, digests and counts by category', () => {
  const report = sampleReport();
  const md = renderMarkdown(report);
  assert.match(md, /^## ❌ repro: 9 differences found$/m);
  for (const inp of report.inputs) assert.ok(md.includes(inp.digest!));
  assert.match(md, /^\| ordering \| 2 \| /m, 'ordering counted twice');
  assert.match(md, /^\| random-id \| 1 \| /m);
  assert.match(md, /^### Findings$/m, 'all 9 fit, so no "top" heading');
  assert.ok(md.includes('layer 1: tar has no end\\-of\\-archive') || md.includes('layer 1: tar has no end-of-archive'));
});

test('identical report is one short verdict', () => {
  const md = renderMarkdown(identicalReport());
  assert.match(md, /^## ✅ repro: identical$/m);
  assert.ok(!md.includes('### By category'));
  assert.ok(md.split('\n').length < 10);
});

test('top findings are capped and ranked: unexplained content before mtime', () => {
  const report = largeReport(500);
  const md = renderMarkdown(report, { maxFindings: 10 });
  assert.match(md, /^### Top findings \(10 of 500\)$/m);
  assert.match(md, /and 490 more/);
  // the finding table's rows (path, category, layer, evidence), not the directory table's
  const rows = md.split('\n').filter((l) => /^\| `/.test(l) && l.split(' | ').length === 4);
  assert.equal(rows.length, 10);
  assert.ok(rows.every((r) => r.includes('| content |')), 'content findings come first');
  assert.ok(md.length < 8000, `short enough for a job page: ${md.length} chars`);
});

test('suggested rules are listed once each in a yaml block', () => {
  const report = sampleReport();
  const md = renderMarkdown(report, {
    suggestedRules: (f) => (f.category === 'ordering' ? '- sort: /etc/group' : f.category === 'random-id' ? '- truncate: /etc/machine-id' : undefined),
  });
  const block = /### Suggested rules\n\n```yaml\n([\s\S]*?)\n```/.exec(md);
  if (!block) throw new assert.AssertionError({ message: md });
  assert.deepEqual(block[1]!.split('\n'), ['- truncate: /etc/machine-id', '- sort: /etc/group']);
  assert.ok(!renderMarkdown(report, { suggestedRules: false }).includes('Suggested rules'), 'no section when turned off');
});

test('hostile names cannot inject HTML or break the table', () => {
  const md = renderMarkdown(hostileReport());
  // fenced code is literal in every renderer; everything outside it must carry no markup
  const prose = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  assert.ok(prose.length < md.length, 'the rules block was there to strip');
  assert.ok(!prose.includes('<img') && !prose.includes('<svg') && !prose.includes('<script'), prose);
  const row = md.split('\n').find((l) => l.includes('| content | 0 |'))!;
  // an unescaped pipe would add columns: count the separators that are not escaped
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 4, row);
  assert.equal(mdCode('a`b|c'), '``a`b\\|c``');
  assert.equal(mdText('*x* [y](z) <b>'), '\\*x\\* \\[y\\](z) &lt;b&gt;');
});

test('a check report leads with reproducibility, the builds and the phase table', () => {
  const report = checkReport();
  const md = renderMarkdown(report);
  assert.match(md, /^## ❌ repro: not reproducible \(9 findings\)$/m);
  assert.ok(md.includes('`sha256:' + 'c3'.repeat(32) + '`'), 'build A digest');
  assert.match(md, /^\| 1 \| packages \| \*\*no\*\* \| 5 \|$/m);
  const ok = renderMarkdown({ ...report, reproducible: true, identical: true, findings: new Findings() });
  assert.match(ok, /^## ✅ repro: reproducible$/m);
  assert.ok(!ok.includes('| layer | phase |'), 'no phase table when everything matches');
});

test('a check report says which variations applied and which not, and what buildah offers (words from buildah-text.ts)', () => {
  const buildah = { version: '1.28.2', epoch: 1700000000, offers: [{ name: 'timestamp', state: 'offered', removes: { mtime: 4, 'image-metadata': 2 } }, { name: 'buildah --rewrite-timestamp', state: 'unsupported' }], envMissed: { variations: ['timezone'], lines: [3] } };
  const md = renderMarkdown({ ...checkReport(), buildah });
  assert.match(md, /^\*\*Variations:\*\* time \(clock \+1 day \(faketime\)\)$/m);
  assert.match(md, /^- variation hostname skipped: needs root$/m);
  assert.match(md, /^\*\*buildah 1\.28\.2\*\*$/m);
  assert.match(md, /^- builder\.timestamp: true \(--timestamp 1700000000\) sets every file time and created time to the epoch: would remove 6 of these findings \(4 mtime, 2 image-metadata created times\)$/m);
  assert.match(md, /^- buildah --rewrite-timestamp: not in this buildah$/m);
  assert.match(md, /Containerfile:3 \(first after FROM\) ran without the timezone variation/);
  const html = renderHtml({ ...checkReport(), buildah });
  assert.ok(html.includes('would remove 6 of these findings'), 'the HTML builds card says it too');
  assert.ok(!renderMarkdown({ ...checkReport(), buildah: { version: 1 } }).includes('buildah'), 'a malformed buildah key is left out');
});

test('by default the suggested rules are the generated rules file, capped', () => {
  const md = renderMarkdown(sampleReport());
  const block = /### Suggested rules\n\n```yaml\n([\s\S]*?)\n```/.exec(md);
  if (!block) throw new assert.AssertionError({ message: md });
  assert.match(block[1]!, /^version: 1$/m);
  assert.match(block[1]!, /- match: \/etc\/machine-id\n\s+action: truncate/);
  const short = renderMarkdown(sampleReport(), { maxRuleLines: 5 });
  assert.match(short, /and \d+ more lines: `repro rules` writes the whole file/);
});
