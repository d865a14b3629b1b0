import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError, formatError } from '../../src/core/errors.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import { loadRules, builtinRulesDir } from '../../src/rules/load.js';
import { testDir } from '../helpers/tmp.js';

function errorOf(text: string): string {
  try {
    parseRuleFile(text, 'my.yml');
  } catch (err) {
    assert.ok(err instanceof ReproError, 'a ReproError (exit 2, one line)');
    return formatError(err);
  }
  throw new Error('expected a validation error');
}

test('a valid file parses every action with its arguments and the line of each rule', () => {
  const rules = parseRuleFile(`version: 1
rules:
  - match: /**
    action: clamp-mtime
  - match: [/etc/machine-id, /var/lib/dbus/machine-id]
    type: file
    layer: [0, 2]
    action: truncate
    reason: { category: random-id, evidence: "32-hex token differs" }
  - match: /etc/shadow
    action: set-mode
    mode: '0640'
  - match: /var/log/*.log
    action: regex-replace
    pattern: '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d'
    replacement: '1970-01-01 00:00:00'
    review: true
  - action: image-timestamps
`, 'ok.yml');
  assert.equal(rules.length, 5);
  assert.deepEqual(rules.map((r) => r.where), ['ok.yml:3', 'ok.yml:5', 'ok.yml:10', 'ok.yml:13', 'ok.yml:18']);
  assert.deepEqual(rules[1]?.match, ['/etc/machine-id', '/var/lib/dbus/machine-id']);
  assert.deepEqual(rules[1]?.types, ['file']);
  assert.deepEqual(rules[1]?.layers, [0, 2]);
  assert.deepEqual(rules[1]?.reason, { category: 'random-id', evidence: ['32-hex token differs'] });
  const mode = rules[2];
  assert.ok(mode?.action === 'set-mode' && mode.mode === 0o640);
  const re = rules[3];
  assert.ok(re?.action === 'regex-replace' && re.flags === 'gm' && re.review);
  assert.deepEqual(rules[4]?.match, []);
});

test('an unknown action names file, line and field', () => {
  assert.equal(
    errorOf('version: 1\nrules:\n  - match: /x\n    action: clamp\n'),
    `my.yml:4: rules[0].action: unknown action "clamp" (one of clamp-mtime, set-mtime, set-owner, set-mode, set-xattr, remove-xattr, delete, truncate, replace, sort-lines, regex-replace, sort-json-keys, gzip-normalize, zip-normalize, image-timestamps, accept)`,
  );
});

test('a missing field, a bad glob, a bad regex, an unknown field and a bad type each give file:line', () => {
  assert.equal(errorOf('version: 1\nrules:\n  - action: delete\n'), 'my.yml:3: rules[0].match: missing (a glob such as /var/log/**)');
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: delete\n  - match: "/etc/{a,b"\n    action: delete\n'), /^my\.yml:5: rules\[1\]\.match: bad glob "\/etc\/\{a,b": unclosed "\{"/);
  assert.match(errorOf('version: 1\nrules:\n  - match: etc/passwd\n    action: delete\n'), /^my\.yml:3: rules\[0\]\.match: bad glob .*absolute/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: regex-replace\n    pattern: "(unclosed"\n    replacement: x\n'), /^my\.yml:5: rules\[0\]\.pattern: bad regular expression/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: regex-replace\n    pattern: a\n    replacement: b\n    flags: gx\n'), /^my\.yml:7: rules\[0\]\.flags: "gx" are not regular expression flags/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: truncate\n    contents: x\n'), /^my\.yml:5: rules\[0\]\.contents: unknown field for action truncate/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    type: regular\n    action: truncate\n'), /^my\.yml:4: rules\[0\]\.type: unknown entry type "regular"/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: set-mode\n    mode: 644\n'), /^my\.yml:5: rules\[0\]\.mode: must be a string/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: replace\n'), /^my\.yml:3: rules\[0\]\.content: missing/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n    action: image-timestamps\n'), /^my\.yml:3: rules\[0\]\.match: image-timestamps applies to the image documents/);
});

test('version and YAML syntax problems are reported with a line too', () => {
  assert.match(errorOf('rules: []\n'), /^my\.yml:1: version: missing/);
  assert.match(errorOf('version: 2\nrules: []\n'), /^my\.yml:1: version: unsupported version 2/);
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n   action: [\n'), /^my\.yml:[34]: YAML: /);
  assert.equal(errorOf('version: 1\nrules:\n  - match: /a\n    action: delete\n    action: truncate\n'), 'my.yml:5: YAML: Map keys must be unique');
  assert.match(errorOf('version: 1\nrules:\n  - match: /a\n\taction: x\n'), /^my\.yml:4: YAML: Tabs/);
  assert.match(errorOf('version: 1\nrulez: []\n'), /^my\.yml:2: rulez: unknown top-level field/);
});

test('loadRules resolves built-in names and names the file of a broken one', async (t) => {
  const d = await testDir(t, 'rules-load-');
  const bad = join(d, 'bad.yml');
  await writeFile(bad, 'version: 1\nrules:\n  - match: /x\n    action: nope\n');
  await assert.rejects(loadRules([bad]), (err: unknown) => formatError(err).startsWith(`${bad}:4: rules[0].action`));
  await assert.rejects(loadRules([join(d, 'missing.yml')]), /no such rule file/);
  await assert.rejects(loadRules(['no-such-set']), /no such rule file or built-in rule set/);
  const set = await loadRules(['common', 'debian']);
  assert.ok(set.rules.length > 10, 'built-in sets hold rules');
  assert.deepEqual(set.files, [join(builtinRulesDir(), 'common.yml'), join(builtinRulesDir(), 'debian.yml')]);
  assert.ok(set.rules.some((r) => r.action === 'image-timestamps'));
  assert.ok(set.rules.every((r) => r.reason !== undefined), 'every built-in rule says why');
});

test('accept rules: a reason (because) is required; they change nothing in a build', () => {
  const [rule] = parseRuleFile('version: 1\nrules:\n  - match: /opt/blob.bin\n    action: accept\n    because: vendor blob\n', 'a.yml');
  assert.deepEqual([rule?.action, rule?.match, rule?.action === 'accept' ? rule.because : ''], ['accept', ['/opt/blob.bin'], 'vendor blob']);
  assert.throws(() => parseRuleFile('version: 1\nrules:\n  - match: /x\n    action: accept\n', 'b.yml'), (e: ReproError) => e.where === 'b.yml:3' && /rules\[0\]\.because: missing/.test(e.message));
});
