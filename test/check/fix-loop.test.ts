import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { mergeRuleTexts, reviewRules } from '../../src/check/fix-loop.js';

// The shape generateRules writes: active rules, then rules commented out for review after a marker line.
const ROUND1 = `# generated
version: 1
rules:
  - match:
      - /etc/machine-id
    action: truncate
    reason:
      category: random-id
      evidence:
        - "32-hex token differs"
  - match: /var/log/build.log
    action: truncate
    reason:
      category: timestamp
      evidence:
        - "x"
# ---- To review: uncomment a rule (remove "# " after the indent) only once you know the difference does not matter ----
  # - match: /usr/share/demo/plugins.jar
  #   action: delete
  #   review: true
  #   reason:
  #     category: timestamp
  #     evidence:
  #       - "difference inside build-info.json"
  # - match: /opt/blob.bin
  #   action: delete
  #   review: true
  #   reason:
  #     category: binary
  #     evidence:
  #       - "bytes differ"
# Findings that need no rule:
#   /etc [mtime]: covered
`;

// The same rules from another round's evidence, plus one that acts on a new path.
const ROUND2 = `version: 1
rules:
  - match: /etc/machine-id
    action: truncate
    reason:
      category: random-id
      evidence:
        - "another token"
  - match: /usr/share/demo/build-info.json
    action: regex-replace
    pattern: "b-host"
    replacement: "HOST"
    reason:
      category: build-env
      evidence:
        - "hostname differs"
`;

interface RuleFile {
  version: number;
  rules: { match: string | string[]; action: string; review?: boolean }[];
}

test('mergeRuleTexts: a rule regenerated from other evidence is no progress; a new path is', () => {
  const first = mergeRuleTexts(undefined, ROUND1);
  assert.equal(first.added, 2);
  assert.equal(first.text, ROUND1, 'the first round is kept as generated, comments and all');
  const same = mergeRuleTexts(first.text, ROUND1.replace('32-hex token differs', 'other evidence'));
  assert.equal(same.added, 0);
  const second = mergeRuleTexts(first.text, ROUND2);
  assert.equal(second.added, 1);
  assert.equal(second.total, 3);
  const parsed = parse(second.text) as RuleFile;
  assert.equal(parsed.version, 1);
  assert.deepEqual(parsed.rules.map((r) => r.action), ['truncate', 'truncate', 'regex-replace']);
});

test('reviewRules: commented rules back as rules, content and binary left for a person', () => {
  const rules = reviewRules(ROUND1);
  assert.equal(rules.length, 1);
  const accepted = mergeRuleTexts(mergeRuleTexts(undefined, ROUND1).text, ROUND1, { acceptReview: true });
  assert.equal(accepted.added, 1);
  const parsed = parse(accepted.text) as RuleFile;
  const jar = parsed.rules.find((r) => r.match === '/usr/share/demo/plugins.jar');
  assert.ok(jar, 'the timestamp-in-archive rule was taken');
  assert.equal(jar.action, 'delete');
  assert.equal(jar.review, true, 'it stays marked for review');
  assert.ok(!parsed.rules.some((r) => r.match === '/opt/blob.bin'), 'binary differences are not hidden by --fix');
  assert.deepEqual(reviewRules(ROUND2), []);
});
