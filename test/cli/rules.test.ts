import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { pairs } from '../fixtures/pairs.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import { testDir } from '../helpers/tmp.js';

test('repro rules: stdout and -o give the same bytes, every time, equal to diff --emit-rules', async (t) => {
  const d = await testDir(t, 'cli-rules-');
  const c = (await pairs())['oci-image'];
  const diff = await runRepro(['diff', c.a, c.b, '--json', join(d, 'r.json'), '--emit-rules', join(d, 'emitted.yml'), '-q']);
  assert.equal(diff.code, 1, diff.stderr);
  const first = await runRepro(['rules', join(d, 'r.json')]);
  const second = await runRepro(['rules', join(d, 'r.json')]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, second.stdout);
  const toFile = await runRepro(['rules', join(d, 'r.json'), '-o', join(d, 'rules.yml')]);
  assert.equal(toFile.code, 0);
  assert.equal(toFile.stdout, '');
  assert.equal(await readFile(join(d, 'rules.yml'), 'utf8'), first.stdout);
  assert.equal(await readFile(join(d, 'emitted.yml'), 'utf8'), first.stdout);
  const rules = parseRuleFile(first.stdout, 'rules.yml');
  const actions = new Set(rules.map((r) => r.action));
  for (const a of ['clamp-mtime', 'sort-lines', 'truncate', 'gzip-normalize', 'image-timestamps', 'delete']) assert.ok(actions.has(a as never), a);
  assert.match(first.stdout, /^ {2}# - match: \/var\/cache\/ld\/aux-cache$/m, 'binary finding only as a commented-out rule');
});

test('repro rules: a file that is not a report is exit 2 with one line', async (t) => {
  const d = await testDir(t, 'cli-rules-bad-');
  await writeFile(join(d, 'x.json'), '{"schema":"something-else"}');
  const r = await runRepro(['rules', join(d, 'x.json')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /x\.json/);
  const missing = await runRepro(['rules', join(d, 'nope.json')]);
  assert.equal(missing.code, 2);
});
