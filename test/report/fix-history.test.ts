// A --fix run's history (report.fix) in the Markdown and HTML reports: every round with its findings by
// category, the rules added with the findings each explains, what was accepted and what was left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { checkReport } from './sample-report.js';

function withFix() {
  const r = checkReport();
  r.fix = {
    converged: false,
    stopReason: 'no rule --fix may apply explains the remaining differences',
    rulesFile: '/w/rules.yml',
    rounds: [
      {
        round: 1, reproducible: false, digests: [], findings: 3, rules: 1, categories: { 'random-id': 1, binary: 1, mtime: 1 },
        added: [{ rule: { match: '/etc/machine-id', action: 'truncate' }, explains: [{ path: '/etc/machine-id', category: 'random-id', evidence: '32-hex token differs on line 1' }] }],
        accepted: [{ path: '/opt/vendor.bin', category: 'binary', evidence: 'differs from offset 0x10', because: 'vendor <blob>' }],
      },
      { round: 2, reproducible: false, digests: [], findings: 1, rules: 1, categories: { binary: 1 }, added: [], accepted: [] },
    ],
    remaining: [{ path: '/opt/blob.bin', category: 'binary', evidence: 'differs from offset 0x800', why: 'binary difference may be real' }],
  };
  return r;
}

test('markdown and HTML keep every --fix round, the rules with what they explain, accepted and remaining', () => {
  const md = renderMarkdown(withFix(), { title: 'repro check' });
  assert.match(md, /### --fix rounds/);
  assert.match(md, /\*\*Round 1\*\*: random-id 1, binary 1, mtime 1/);
  assert.match(md, /rule `truncate \/etc\/machine-id` explains:\n {2}- \/etc\/machine-id \\\[random-id\\\]: 32-hex token differs on line 1/);
  assert.match(md, /\*\*Round 2\*\*: binary 1/);
  assert.match(md, /accepted: vendor &lt;blob&gt;/, 'escaped');
  assert.match(md, /\/opt\/blob\.bin \\\[binary\\\]: differs from offset 0x800 \(no rule applied: binary difference may be real\)/);
  const html = renderHtml(withFix());
  assert.match(html, /<h2>--fix rounds<\/h2>/);
  assert.match(html, /<h3>Round 2<\/h3>/);
  assert.match(html, /<code>truncate \/etc\/machine-id<\/code> explains/);
  assert.match(html, /vendor &lt;blob&gt;/);
  assert.doesNotMatch(html, /vendor <blob>/);
  const json = JSON.parse(renderJson(withFix())) as { fix: { rounds: unknown[] } };
  assert.equal(json.fix.rounds.length, 2);
});
