// The Report the engine builds: identical vs ignored, and reading a written report back with its schema
// checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReport, dirOf } from '../../src/core/report.js';
import { ReproError } from '../../src/core/errors.js';
import type { Finding } from '../../src/core/finding.js';
import { renderJson } from '../../src/report/json.js';
import { readReport } from '../../src/report/read-report.js';
import { generateRules } from '../../src/rules/generate.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import { fileDir } from '../helpers/tmp.js';

const findings: Finding[] = [
  { path: '', category: 'image-metadata', code: 'legacy', facts: [{ note: 'config.created a vs b' }], detail: '' },
  { path: '/etc/machine-id', layer: 1, category: 'random-id', code: 'legacy', facts: [{ note: 'id' }], detail: '' },
  { path: '/etc/machine-id', layer: 1, category: 'mtime', code: 'legacy', facts: [{ note: 'mtime 1 vs 2' }], detail: '' },
  { path: '/usr/bin/gunzip', layer: 0, category: 'ordering', code: 'legacy', facts: [{ note: 'hardlink pair' }], detail: '' },
  { path: 'aysyz/xuokl', category: 'mtime', code: 'legacy', facts: [{ note: 'mtime' }], detail: '' },
];

test('dirOf: parent directory as shown', () => {
  assert.equal(dirOf('/etc/machine-id'), '/etc');
  assert.equal(dirOf('/etc'), '/');
  assert.equal(dirOf('aysyz/xuokl'), 'aysyz');
  assert.equal(dirOf(''), '');
});

test('identical means nothing outside the ignored categories', () => {
  const only = findings.filter((f) => f.category === 'mtime');
  assert.equal(buildReport({ inputs: [], findings: only, ignored: ['mtime'], warnings: [] }).identical, true);
  assert.equal(buildReport({ inputs: [], findings, ignored: ['mtime'], warnings: [] }).identical, false);
  assert.equal(buildReport({ inputs: [], findings: [], ignored: [], warnings: [] }).identical, true);
});

test('a written report reads back equal; a wrong schema or category is a ReproError naming the file', async () => {
  const dir = await fileDir('repro-report-');
  const report = buildReport({ inputs: [{ path: 'a', kind: 'oci-dir' }], findings, ignored: [], warnings: ['w'] });
  const file = join(dir, 'r.json');
  await writeFile(file, renderJson(report));
  assert.deepEqual(await readReport(file), report);

  await writeFile(file, JSON.stringify({ ...report, schema: 'other/2' }));
  await assert.rejects(readReport(file), (e: Error) => e instanceof ReproError && e.where === file && /schema is "other\/2"/.test(e.message));
  await writeFile(file, JSON.stringify({ ...report, findings: [{ ...findings[0], category: 'colour' }] }));
  await assert.rejects(readReport(file), /findings\[0\]\.category "colour" is unknown/);
  await writeFile(file, '{"schema": ');
  await assert.rejects(readReport(file), /invalid JSON/);
  await assert.rejects(readReport(join(dir, 'missing.json')), /no such file/);
});

test('a repro-report/1 still reads: its words become legacy findings, and rules come from the category alone', async () => {
  const dir = await fileDir('repro-report-');
  const file = join(dir, 'v1.json');
  const v1 = {
    schema: 'repro-report/1', identical: false, inputs: [], ignored: [], warnings: [], tree: { name: '', children: [], findings: [] },
    findings: [
      { path: '/etc/x', category: 'mtime', evidence: 'mtime 1 vs 2', detail: '' },
      { path: '/etc/machine-id', category: 'random-id', evidence: '32-hex token differs on line 1', detail: '' },
    ],
  };
  await writeFile(file, JSON.stringify(v1));
  const r = await readReport(file);
  assert.equal(r.schema, 'repro-report/2');
  assert.deepEqual(r.findings.toArray().map((f) => [f.code, f.facts]), [['legacy', [{ note: 'mtime 1 vs 2' }]], ['legacy', [{ note: '32-hex token differs on line 1' }]]]);
  const rules = parseRuleFile(generateRules(r), 'r.yml');
  assert.deepEqual(rules.map((x) => x.action), ['clamp-mtime'], 'words are not parsed: the random-id rule is left to a person');
  await writeFile(file, JSON.stringify({ ...v1, schema: 'repro-report/2' }));
  await assert.rejects(readReport(file), /findings\[0\]\.code undefined is unknown/);
});
