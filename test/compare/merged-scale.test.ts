// Merged mode (layer counts differ) in bounded memory: a 100,000-entry pair (A: 2 layers, B: 3; changed
// files in B's base layer and in a third layer that replaces base files, and a whiteout) is compared in a
// child node whose heap is capped at 128 MB. Before merged mode streamed, each side's layers were read into
// maps of entry objects (~2 KB an entry) and merged in memory: this pair ran out of heap at 128 and at 160 MB.
// Not timed: speed lives in `npm run bench:scale` (the merged row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layeredPair } from '../helpers/scale-pairs.js';
import { testDir } from '../helpers/tmp.js';
import { runCapped } from '../helpers/child.js';

const ENGINE = new URL('../../src/compare/engine.ts', import.meta.url).href;

/** compareInputs in a child; prints the content findings, the removed ones with their evidence, the count. */
const CHILD = `
const { compareInputs } = await import(${JSON.stringify(ENGINE)});
const { evidenceText } = await import(${JSON.stringify(new URL('../../src/core/evidence.ts', import.meta.url).href)});
const report = await compareInputs(process.argv[1], process.argv[2]);
const all = report.findings.toArray();
const content = all.filter((f) => f.category === 'content').map((f) => f.path).sort();
const removed = all.filter((f) => f.category === 'removed').map((f) => f.path + ' ' + evidenceText(f));
const files = all.filter((f) => f.path !== '').length;
process.stdout.write(JSON.stringify({ files, content, removed, warnings: report.warnings }));
`;

test('a 100,000-entry merged diff (A: 2 layers, B: 3) completes in a 128 MB heap with exactly the planted findings', { timeout: 10 * 60_000 }, async (t) => {
  const dir = await testDir(t);
  const p = await layeredPair(dir, 100_000, 10);
  const r = await runCapped(128, { script: CHILD, args: [p.a, p.b] }, { REPRO_TMPDIR: dir });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const out = JSON.parse(r.stdout) as { files: number; content: string[]; removed: string[]; warnings: string[] };
  assert.deepEqual(out.content, p.shape.changed);
  assert.equal(out.content.length, 10);
  assert.equal(out.removed.length, 1);
  assert.match(out.removed[0] ?? '', new RegExp(`^${p.shape.deleted} .*deleted by whiteout in layer 2 of B`));
  assert.equal(out.files, 11, 'no other finding on a path');
  assert.ok(out.warnings.some((w) => /layer counts differ \(A: 2, B: 3\)/.test(w)), out.warnings.join('; '));
});
