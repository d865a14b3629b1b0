// The JSON report is written in pieces (a 120k-finding report's text is ~50 MB: held whole, with the parts
// JSON.stringify joined it from and the file's UTF-8 copy, it pushed `repro diff` past its memory bound).
// The pieces must join to exactly what JSON.stringify writes, and none may be large.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evidenceText } from '../../src/core/evidence.js';
import type { Finding, Report } from '../../src/core/finding.js';
import { writeOutput } from '../../src/core/atomic.js';
import { buildReport } from '../../src/core/report.js';
import { jsonChunks, renderJson } from '../../src/report/json.js';
import { testDir } from '../helpers/tmp.js';
import { checkReport, hostileReport, identicalReport, largeReport, sampleReport } from './sample-report.js';

/** What the report's JSON is: the whole report, each finding with its evidence line. */
function whole(report: Report): string {
  const findings = report.findings.toArray();
  return JSON.stringify({ ...report, findings }, function (this: unknown, _k, v: unknown) {
    return this === findings ? { ...(v as Finding), evidence: evidenceText(v as Finding) } : v;
  }, 2) + '\n';
}

test('the pieces join to what JSON.stringify writes, for every sample report', () => {
  const odd = { ...sampleReport(), extra: { empty: {}, none: [], gone: undefined, list: [undefined, 1, 'x\n"y"', null], lone: '\udc80' } } as Report;
  for (const report of [sampleReport(), identicalReport(), hostileReport(), checkReport(), largeReport(500), odd]) {
    assert.equal(renderJson(report), whole(report));
    assert.deepEqual(JSON.parse(renderJson(report)), JSON.parse(whole(report)));
  }
});

test('a report of 20k findings in one directory comes in small pieces, and writeOutput writes them whole', async (t) => {
  const findings: Finding[] = Array.from({ length: 20_000 }, (_, i) => ({ path: `/d/${i.toString(36)}`, category: 'removed', code: 'only-in', facts: [{ only: 'a', what: 'file' }], detail: '' }));
  const report = buildReport({ inputs: [], findings, ignored: [], warnings: [] });
  let largest = 0;
  for (const piece of jsonChunks(report)) largest = Math.max(largest, piece.length);
  assert.ok(largest < 1024, `largest piece ${largest} characters`);
  const file = join(await testDir(t, 'json-report-'), 'r.json');
  await writeOutput(file, jsonChunks(report));
  assert.equal(await readFile(file, 'utf8'), whole(report));
});
