// `repro rules` on a report of any size in bounded memory (issue: any size): the saved report is read as
// a token stream (read-report.ts) into the findings store, and rules generation sorts the findings in
// sorted runs (core/sorted-runs.ts) instead of an array. 150,000 findings (a ~26 MB report, which the old
// reader parsed whole and the old generator sorted as one array: out of heap at 48 and 64 MB) give, in a
// child node with a 48 MB heap, the very rule file the in-memory path gives. Not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseReport, readReport } from '../../src/report/read-report.js';
import { generateRules } from '../../src/rules/generate.js';
import { runCapped } from '../helpers/child.js';
import { testDir } from '../helpers/tmp.js';

const N = 150_000;

/** A repro-report/2 with N findings in no particular order: mtimes, a few contents, timestamps and ids. */
async function bigReport(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('{"schema":"repro-report/2","identical":false,"inputs":[{"path":"a.tar","kind":"rootfs-tar"},{"path":"b.tar","kind":"rootfs-tar"}],"findings":[');
  for (let i = 0; i < N; i++) {
    const j = (i * 7919) % N; // not in path order
    const path = `/usr/lib/node_modules/m${j % 500}/f${j}.js`;
    const f =
      j % 5000 === 1 ? { path, category: 'content', code: 'text', facts: [{ at: 'line 1' }], detail: '-a\n+b' }
      : j % 5000 === 2 ? { path, category: 'timestamp', code: 'text', facts: [{ token: 'ISO 8601 timestamp', line: 1, a: '2024-01-01T10:00:00Z', b: '2024-01-02T11:00:00Z' }], detail: '' }
      : j % 5000 === 3 ? { path, category: 'random-id', code: 'text', facts: [{ token: '32-hex token', line: 1, a: 'a'.repeat(32), b: 'b'.repeat(32) }], detail: '' }
      : { path, category: 'mtime', code: 'entry-fields', facts: [{ field: 'mtime', a: '1700000000', b: String(1700000000 + (j % 7)) }], detail: '' };
    await write((i ? ',' : '') + JSON.stringify({ ...f, layer: 0 }));
  }
  await write('],"ignored":[],"warnings":[]}\n');
  out.end();
  await once(out, 'close');
}

test(`repro rules on a ${N.toLocaleString('en-US')}-finding report runs in a 48 MB heap and writes the rules of the in-memory path`, { timeout: 20 * 60_000 }, async (t) => {
  const dir = await testDir(t, 'rules-bounded-');
  const file = join(dir, 'big.json');
  await bigReport(file);
  const capped = await runCapped(48, { cli: ['rules', file, '-o', join(dir, 'rules.yml')] }, { REPRO_TMPDIR: dir, REPRO_SORT_SPILL_RECORDS: '20000' });
  assert.equal(capped.code, 0, capped.stderr);
  const text = await readFile(join(dir, 'rules.yml'), 'utf8');
  // the whole file parsed at once and the findings sorted in memory (no spill) give the same bytes
  const whole = parseReport(await readFile(file, 'utf8'), file);
  assert.equal(whole.findings.length, N);
  const before = process.env.REPRO_SORT_SPILL_RECORDS;
  process.env.REPRO_SORT_SPILL_RECORDS = String(10 * N);
  try {
    assert.equal(text, generateRules(whole));
  } finally {
    if (before === undefined) delete process.env.REPRO_SORT_SPILL_RECORDS;
    else process.env.REPRO_SORT_SPILL_RECORDS = before;
  }
  assert.match(text, new RegExp(`^# ${N} findings → `, 'm'));
  assert.match(text, /action: clamp-mtime/);
  // the streamed reader gives the report the whole-text parser gives
  const streamed = await readReport(file);
  const head = (r: typeof whole): unknown => ({ ...r, findings: [r.findings.length, [...r.findings].slice(0, 1000)] });
  assert.deepEqual(head(streamed), head(whole));
});
