// The --fix loop's pieces: which drafts become rules, how a rule is keyed (the same rule regenerated is no
// progress). The loop itself runs end to end in test/cli/check-fix.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, Report } from '../../src/core/finding.js';
import { Findings } from '../../src/core/findings.js';
import { SpilledList } from '../../src/core/spilled-list.js';
import { remainingOf, roundRules, RulesFile, ruleItem, ruleKey } from '../../src/check/fix-loop.js';
import { fixHistoryMarkdown } from '../../src/report/fix-history.js';
import { jsonChunks } from '../../src/report/json.js';
import { isSafe, mapFinding } from '../../src/rules/generate-map.js';

const finding = (f: Partial<Finding> & Pick<Finding, 'path' | 'category' | 'code' | 'facts'>): Finding => ({ detail: '', ...f });

test('only drafts that act on what the facts prove are safe: never content, binary, added, removed or nested', () => {
  const safe = (f: Finding): string[] => mapFinding(f).filter(isSafe).map((d) => d.action.action);
  assert.deepEqual(safe(finding({ path: '/opt/blob.bin', category: 'binary', code: 'bytes', facts: [{ at: 'offset 0x10' }] })), []);
  assert.deepEqual(safe(finding({ path: '/etc/motd', category: 'content', code: 'text', facts: [{ at: 'line 2' }] })), []);
  assert.deepEqual(safe(finding({ path: '/var/x', category: 'added', code: 'only-in', facts: [{ only: 'b', what: 'file' }] })), []);
  assert.deepEqual(safe(finding({ path: '/x.deb', inner: 'data.tar/y', category: 'timestamp', code: 'text', facts: [{ token: 'ISO 8601 date', line: 1, a: '2024-01-01', b: '2024-01-02' }] })), []);
  assert.deepEqual(safe(finding({ path: '/a.bin', category: 'timestamp', code: 'bytes', facts: [{ kind: 'epoch', offset: 8, width: 4, a: 1, b: 2, source: 'x' }] })), [], 'no rule rewrites a time in binary');
  assert.deepEqual(safe(finding({ path: '/etc/machine-id', category: 'random-id', code: 'text', facts: [{ token: '32-hex token', line: 1, a: 'a', b: 'b' }] })), ['truncate']);
  assert.deepEqual(safe(finding({ path: '/etc/x', category: 'mtime', code: 'entry-fields', facts: [{ field: 'mtime', a: '1', b: '2' }] })), ['clamp-mtime']);
  const derived = finding({ path: '/var/lib/dpkg/info/x.md5sums', category: 'content', code: 'derived', facts: [{ derivedFrom: '/usr/bin/x', algo: 'md5', line: 1 }] });
  assert.deepEqual(safe(derived), []);
});

test('rule items: mtime clamps cover the tree, modes are octal strings, the key ignores reason and note', () => {
  const [clamp] = mapFinding(finding({ path: '/etc/x', category: 'mtime', code: 'entry-fields', facts: [{ field: 'mtime', a: '1', b: '2' }] }));
  assert.ok(clamp && isSafe(clamp));
  assert.equal(ruleItem(clamp).match, '/**');
  const [mode] = mapFinding(finding({ path: '/etc/shadow', category: 'metadata', code: 'entry-fields', facts: [{ field: 'mode', a: '0640', b: '0600' }] }));
  assert.ok(mode && isSafe(mode));
  const item = ruleItem(mode);
  assert.deepEqual([item.match, item.action, item.mode], ['/etc/shadow', 'set-mode', '0640']);
  assert.equal(ruleKey({ ...item, reason: { category: 'metadata', evidence: ['other words'] }, note: 'x' }), ruleKey(item));
  assert.notEqual(ruleKey({ ...item, mode: '0600' }), ruleKey(item));
});

test('a round of 20,000 mtime findings: one clamp rule explains them all from a spilled list; JSON writes every one, Markdown the first 20', (t) => {
  // the lists spill past the findings' threshold (10,000 by default): 1,000 here, so 20,000 findings
  // prove what 100,000+ would at a fifth of the time
  const saved = process.env.REPRO_FINDINGS_SPILL;
  process.env.REPRO_FINDINGS_SPILL = '1000';
  t.after(() => (saved === undefined ? delete process.env.REPRO_FINDINGS_SPILL : (process.env.REPRO_FINDINGS_SPILL = saved)));
  const n = 20_000;
  const findings = new Findings();
  for (let i = 0; i < n; i++) findings.add(finding({ path: `/usr/lib/f${i}`, category: 'mtime', code: 'entry-fields', facts: [{ field: 'mtime', a: '1', b: '2' }] }));
  findings.add(finding({ path: '/opt/blob.bin', category: 'binary', code: 'bytes', facts: [{ at: 'offset 0x10' }], accepted: 'vendor blob' }));
  const added = roundRules(findings, new RulesFile(undefined, '# test'));
  assert.deepEqual(added.map((a) => [a.rule.action, a.rule.match, a.explains.length]), [['clamp-mtime', '/**', n]]);
  // the references wait on disk, not in memory (an array of them before, one more per round)
  assert.equal(added[0]!.explains.spilled, true);
  const round = { round: 1, reproducible: false, digests: [], findings: n + 1, categories: { mtime: n, binary: 1 }, added, accepted: SpilledList.from([{ path: '/opt/blob.bin', category: 'binary', evidence: 'x', because: 'vendor blob' }]), rules: 1 };
  const remaining = remainingOf(findings, new Set([ruleKey(added[0]!.rule)]));
  assert.equal(remaining.length, n, 'the accepted one is not left');
  assert.match([...remaining][0]!.why, /a rule \(clamp-mtime\) is in place and the difference remains/);
  const report = { fix: { converged: false, rulesFile: 'r.yml', rounds: [round], remaining } } as unknown as Report;
  // streamed, the JSON is the text JSON.stringify writes of the arrays
  let json = '';
  for (const piece of jsonChunks(report)) json += piece;
  assert.equal(json, JSON.stringify(report, null, 2) + '\n');
  assert.equal((JSON.parse(json) as { fix: { rounds: { added: { explains: unknown[] }[] }[] } }).fix.rounds[0]!.added[0]!.explains.length, n);
  const md = fixHistoryMarkdown(report, (s) => s, (s) => s).join('\n');
  assert.match(md, /- rule clamp-mtime \/\*\* explains:\n {2}- \/usr\/lib\/f0 \[mtime\]: .*\n(?: {2}- .*\n){19} {2}- …and 19980 more/);
});
