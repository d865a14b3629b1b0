// Bounded memory (issue: any size): per-side entries live in a packed index that spills sorted runs to the
// temp area (entry-index.ts). A 200,000-entry pair is compared in a child node whose heap is capped at
// 160 MB (the old engine held ~2 KB of objects per entry: ~800 MB here), and the spilled-runs path gives
// the very report the in-memory one does. Not timed: speed lives in `npm run bench:scale`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareInputs } from '../../src/compare/engine.js';
import { EntryIndex } from '../../src/compare/entry-index.js';
import { entryFrom } from '../../src/core/entry.js';
import { makePair, PAIR_NAMES } from '../fixtures/pairs.js';
import { makeOciArchive, makeRootfsTar, type TestMember } from '../helpers/images.js';
import { smallFilesPair } from '../helpers/scale-pairs.js';
import { testDir } from '../helpers/tmp.js';
import { runCapped } from '../helpers/child.js';

const ENGINE = new URL('../../src/compare/engine.ts', import.meta.url).href;

/** compareInputs in a child with a capped heap; prints the content findings and the count of the rest. */
const CHILD = `
const { compareInputs } = await import(${JSON.stringify(ENGINE)});
const report = await compareInputs(process.argv[1], process.argv[2]);
const content = report.findings.toArray().filter((f) => f.category === 'content').map((f) => f.path).sort();
process.stdout.write(JSON.stringify({ findings: report.findings.length, content }));
`;

test('a 200,000-entry diff completes in a 160 MB heap with exactly the planted findings', { timeout: 15 * 60_000 }, async (t) => {
  const dir = await testDir(t);
  const p = smallFilesPair(dir, 200_000, 20);
  assert.ok(p.shape.entries > 200_000);
  const r = await runCapped(160, { script: CHILD, args: [p.a, p.b] }, { REPRO_TMPDIR: dir });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { findings: number; content: string[] };
  assert.deepEqual(out.content, [...p.shape.changed].sort());
  assert.equal(out.findings, 20);
});

test('the index hands entries back in key order, then stream order, from memory and from spilled runs alike', async () => {
  const keys = ['b', 'a/b', 'a', 'a-b', '\u0000wh:a', 'a/b', 'é', 'z\nnewline'];
  const read = async (threshold: number): Promise<string[]> => {
    const index = new EntryIndex((k) => (k.startsWith('\u0000wh:') ? k.slice(4) : k), threshold);
    for (const [i, key] of keys.entries()) await index.add(key, 0, entryFrom({ path: key.replace('\u0000wh:', ''), type: 'file', mtime: i, xattrs: { 'user.x': Buffer.from([0, 0x80, i]) } }));
    const out: string[] = [];
    for await (const e of index.sorted()) out.push(`${JSON.stringify(e.key)}@${e.seq}:${e.entry.mtime}:${e.entry.xattrs['user.x']?.toString('hex')}`);
    await index.close();
    return out;
  };
  const memory = await read(1000);
  assert.deepEqual(memory, ['"\\u0000wh:a"@4:4:008004', '"a"@2:2:008002', '"a-b"@3:3:008003', '"a/b"@1:1:008001', '"a/b"@5:5:008005', '"b"@0:0:008000', '"z\\nnewline"@7:7:008007', '"é"@6:6:008006']);
  assert.deepEqual(await read(1), memory);
  assert.deepEqual(await read(3), memory);
});

/** Members that exercise every path of the join: swaps, targets, duplicates, whiteouts, order, one side only. */
function tricky(side: 'a' | 'b'): TestMember[] {
  const m: TestMember[] = [{ path: 'etc/', type: 'dir', mtime: 1 }];
  for (let i = 0; i < 30; i++) m.push({ path: `etc/f${i}`, content: `same ${i}\n`, mtime: side === 'a' || i % 7 ? 1 : 2 });
  m.push({ path: 'etc/changed', content: side === 'a' ? 'one\n' : 'two\n' });
  // a hardlink swap: A stores p as the file, B stores q
  if (side === 'a') m.push({ path: 'usr/p', content: 'linked\n' }, { path: 'usr/q', type: 'hardlink', linkname: 'usr/p' });
  else m.push({ path: 'usr/q', content: 'linked\n' }, { path: 'usr/p', type: 'hardlink', linkname: 'usr/q' });
  // a hardlink whose target's content differs
  m.push({ path: 'usr/t', content: side === 'a' ? 'target a\n' : 'target b\n' }, { path: 'usr/l', type: 'hardlink', linkname: 'usr/t' });
  // a path stored twice: the later one wins (no version equal across sides: a match would release content)
  m.push({ path: 'etc/dup', content: `first ${side}\n` }, { path: 'etc/dup', content: `second ${side}\n` });
  m.push({ path: side === 'a' ? 'only-a' : 'only-b', content: 'x\n' }, { path: `opt/.wh.gone-${side}`, content: '' });
  return side === 'b' ? [m[0] as TestMember, ...m.slice(1).reverse()] : m;
}

test('the sorted-run path gives the same report as the in-memory path (threshold 1 and 3) on every labelled pair and a tricky one', { timeout: 10 * 60_000 }, async (t) => {
  const dir = await testDir(t);
  const inputs: [string, string][] = [];
  for (const name of PAIR_NAMES) {
    const p = await makePair(join(dir, name), name);
    inputs.push([p.a, p.b]);
  }
  for (const side of ['a', 'b'] as const) {
    await makeRootfsTar(join(dir, `tricky-${side}.tar`), tricky(side));
    await makeOciArchive(join(dir, `tricky-${side}.oci.tar`), { layers: [tricky(side), [{ path: 'etc/more', content: side }]] });
    await makeOciArchive(join(dir, `merged-${side}.oci.tar`), { layers: side === 'a' ? [tricky(side)] : [tricky(side), [{ path: 'etc/.wh.f1', content: '' }]] });
  }
  inputs.push(...(['tricky-%.tar', 'tricky-%.oci.tar', 'merged-%.oci.tar'].map((n) => [join(dir, n.replace('%', 'a')), join(dir, n.replace('%', 'b'))]) as [string, string][]));
  const before = process.env.REPRO_INDEX_SPILL_ENTRIES;
  try {
    for (const [a, b] of inputs) {
      delete process.env.REPRO_INDEX_SPILL_ENTRIES;
      const memory = await compareInputs(a, b);
      for (const threshold of ['1', '3']) {
        process.env.REPRO_INDEX_SPILL_ENTRIES = threshold;
        assert.deepEqual(await compareInputs(a, b), memory, `${a}: threshold ${threshold}`);
      }
    }
  } finally {
    if (before === undefined) delete process.env.REPRO_INDEX_SPILL_ENTRIES;
    else process.env.REPRO_INDEX_SPILL_ENTRIES = before;
  }
  // the tricky pair's findings are the right ones, not just the same ones
  const tr = await compareInputs(join(dir, 'tricky-a.tar'), join(dir, 'tricky-b.tar'));
  const seen = new Set(tr.findings.toArray().map((f) => `${f.path} ${f.category}`));
  for (const want of ['/usr/p ordering', '/etc/changed content', '/usr/l content', '/usr/t content', '/etc/dup content', '/only-a removed', '/only-b added', ' ordering']) {
    assert.ok(seen.has(want), `missing ${want} in ${[...seen].join(', ')}`);
  }
  assert.ok(!seen.has('/usr/q content') && !seen.has('/usr/p content'), 'a hardlink swap of equal content is one ordering finding');
});
