// Merged mode (layer counts differ) streams: the merged view is a filter over one sorted index of every
// layer's entries (src/compare/merged-view.ts). Random small layer stacks give the same merged filesystem as
// the in-memory reference merge (test/helpers/merge-layers.ts), from memory and from spilled runs; a merged
// diff whose differing content did not fit in the store reads it again and reports the same findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { compareInputs } from '../../src/compare/engine.js';
import { EntryIndex } from '../../src/compare/entry-index.js';
import { MergedCuts, mergedView } from '../../src/compare/merged-view.js';
import { keyOf, keyPath } from '../../src/compare/side-scan.js';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import { mergeLayers } from '../helpers/merge-layers.js';
import { makeOciArchive, type TestMember } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';

/** Names that sort between a directory and its children ("a" < "a-b" < "a.c" < "a/x"), nested, and the root. */
const PATHS = ['', 'a', 'a-b', 'a.c', 'a/x', 'a/x/y', 'a/x-y', 'a/x/y/z', 'a-b/x', 'b', 'b/a', 'b/a/x'];
const TYPES = ['file', 'dir', 'dir', 'symlink', 'whiteout', 'opaque'] as const;

const stack = fc.array(fc.array(fc.record({ path: fc.constantFrom(...PATHS), type: fc.constantFrom(...TYPES) }), { maxLength: 12 }), { minLength: 1, maxLength: 5 });

/** The entries of each layer; mtime numbers every entry, so which version won is visible. */
function entries(layers: { path: string; type: (typeof TYPES)[number] }[][]): Entry[][] {
  let n = 0;
  return layers.map((l) => l.map((m) => entryFrom({ path: m.path, type: m.type, mtime: ++n })));
}

/** What scanMerged does per layer, minus the reading: cuts for the markers, every entry into one index. */
async function streamed(layers: Entry[][], threshold: number): Promise<string[][]> {
  const index = new EntryIndex(keyPath, threshold);
  const cuts = new MergedCuts();
  for (const [k, layer] of layers.entries()) {
    cuts.startLayer(k, index.count);
    for (const e of layer) {
      if (e.type === 'whiteout' || e.type === 'opaque') cuts.marker(e, k);
      await index.add(keyOf(e), k, e);
    }
  }
  try {
    const runs: string[][] = [];
    // read twice: the diff reads a side again for hardlink targets
    for (let i = 0; i < 2; i++) {
      const out: string[] = [];
      for await (const e of mergedView(index, cuts)) out.push(`${e.key} ${e.entry.type} layer ${e.layer} #${e.entry.mtime}`);
      runs.push(out);
    }
    return runs;
  } finally {
    await index.close();
  }
}

function reference(layers: Entry[][]): string[] {
  const merged = mergeLayers(layers);
  return [...merged.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map((p) => {
    const m = merged.get(p) as { entry: Entry; layer: number };
    return `${p} ${m.entry.type} layer ${m.layer} #${m.entry.mtime}`;
  });
}

test('the streamed merged view is the reference merge, for random layer stacks, from memory and from spilled runs', async () => {
  await fc.assert(
    fc.asyncProperty(stack, fc.constantFrom(1, 3, 1000), async (layers, threshold) => {
      const es = entries(layers);
      const want = reference(es);
      const [first, second] = await streamed(es, threshold);
      assert.deepEqual(first, want);
      assert.deepEqual(second, want);
    }),
    { numRuns: 200 },
  );
});

test('the cases the rules name', async () => {
  const e = (path: string, type: Entry['type']): { path: string; type: (typeof TYPES)[number] } => ({ path, type: type as (typeof TYPES)[number] });
  const cases: [string, { path: string; type: (typeof TYPES)[number] }[][], string[]][] = [
    ['a whiteout deletes the path and what is below it, in lower layers only', [[e('a', 'dir'), e('a/x', 'file'), e('a-b', 'file')], [e('a', 'whiteout')]], ['a-b file layer 0 #3']],
    ['an entry of the whiteout\'s own layer stays, before or after it', [[e('a', 'file')], [e('a/x', 'file'), e('a', 'whiteout'), e('b', 'file')], [e('b', 'whiteout')]], ['a/x file layer 1 #2']],
    ['an opaque marker applies before its layer\'s entries, whatever the tar order', [[e('a', 'dir'), e('a/x', 'file'), e('a/x-y', 'file')], [e('a/x', 'file'), e('a', 'opaque')]], ['a dir layer 0 #1', 'a/x file layer 1 #4']],
    ['a file over a directory removes what was below it, not what comes after', [[e('a', 'dir'), e('a/x', 'file'), e('a-b', 'dir'), e('a-b/x', 'file')], [e('a', 'symlink'), e('a/x/y', 'file')]], ['a symlink layer 1 #5', 'a-b dir layer 0 #3', 'a-b/x file layer 0 #4', 'a/x/y file layer 1 #6']],
    ['a directory whited out first is not replaced', [[e('a', 'dir'), e('a/x', 'file')], [e('a', 'whiteout'), e('b', 'file')], [e('a', 'file'), e('a/x/y', 'file')]], ['a file layer 2 #5', 'a/x/y file layer 2 #6', 'b file layer 1 #4']],
  ];
  for (const [name, layers, want] of cases) {
    const es = entries(layers);
    assert.deepEqual(reference(es), want, `reference: ${name}`);
    assert.deepEqual((await streamed(es, 1000))[0], want, name);
  }
});

test('a merged diff whose differing content did not fit in the store reads it again: the same findings', async (t) => {
  const dir = await testDir(t);
  const base: TestMember[] = [{ path: 'etc/', type: 'dir' }];
  for (let i = 0; i < 40; i++) base.push({ path: `etc/f${i}`, content: `file ${i}\n`.repeat(20) });
  const changed = (m: TestMember[], path: string, content: string): TestMember[] => m.map((x) => (x.path === path ? { ...x, content } : x));
  // B = A's base with one file changed, a whiteout, and a layer that replaces files (one a hardlink in A)
  const aLayers = [base, [{ path: 'etc/f3', content: 'replaced in A\n' }, { path: 'etc/h', type: 'hardlink' as const, linkname: 'etc/f20' }]];
  const bLayers = [changed(base, 'etc/f7', 'changed in B\n'), [{ path: 'etc/.wh.f9', content: '' }], [{ path: 'etc/f3', content: 'replaced in B\n' }, { path: 'etc/f12', content: 'new 12\n' }, { path: 'etc/h', content: 'h in B\n' }]];
  await makeOciArchive(join(dir, 'a.tar'), { layers: aLayers });
  await makeOciArchive(join(dir, 'b.tar'), { layers: bLayers });
  const roomy = await compareInputs(join(dir, 'a.tar'), join(dir, 'b.tar'));
  const brief = (r: typeof roomy): string[] => r.findings.toArray().map((f) => `${f.path} ${f.category} ${f.detail.length > 0}`);
  assert.deepEqual(brief(roomy).filter((f) => !f.startsWith(' ')), ['/etc/f12 content true', '/etc/f3 content true', '/etc/f7 content true', '/etc/f9 removed false', '/etc/h metadata true', '/etc/h content true']);
  // a store of 300 bytes keeps (almost) nothing: every differing file is read again from its layer
  const tight = await compareInputs(join(dir, 'a.tar'), join(dir, 'b.tar'), { memoryBudget: 300 });
  assert.deepEqual(tight.findings.toArray(), roomy.findings.toArray());
  assert.ok(!tight.findings.toArray().some((f) => f.warning), 'no finding lacks its content');
});
