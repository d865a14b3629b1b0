import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import { nameFromBytes } from '../../src/core/name-bytes.js';
import { EntryIndex } from '../../src/compare/entry-index.js';
import { keyPath, WHITEOUT_KEY } from '../../src/compare/side-scan.js';

async function read(index: EntryIndex): Promise<{ key: string; layer: number; entry: Entry }[]> {
  const out: { key: string; layer: number; entry: Entry }[] = [];
  for await (const e of index.sorted()) out.push({ key: e.key, layer: e.layer, entry: e.entry });
  return out;
}

function entries(): { key: string; entry: Entry }[] {
  const out: { key: string; entry: Entry }[] = [];
  // names of two- and three-byte characters, so a 1 MiB read block of a run ends inside one of them
  for (let i = 0; i < 12_000; i++) {
    const path = `d${i % 7}/${'\u00fc'.repeat(150)}${'\u20ac'.repeat(i % 5)}/${(i * 7919) % 12_000}`;
    out.push({ key: path, entry: entryFrom({ path, type: 'file', size: i, uname: '\u00e9'.repeat(i % 3) }) });
  }
  const odd = nameFromBytes(Buffer.from([0x66, 0xff, 0x0a, 0xc3]));
  const hostile = entryFrom({ path: odd, type: 'file', size: NaN, mtime: -0 });
  hostile.xattrs = { 'security.capability': Buffer.from([0, 0x80, 0xff]), __proto__x: Buffer.alloc(0) };
  hostile.pax = { 'SCHILY.acl.access': Buffer.from('user::rw-\n', 'latin1'), atime: Buffer.from([0xe9]) };
  out.push({ key: odd, entry: hostile }, { key: WHITEOUT_KEY + odd, entry: { ...hostile, type: 'whiteout' as const, size: 0 } });
  out.push({ key: 'd0', entry: entryFrom({ path: 'd0', type: 'dir' }) }, { key: 'd0', entry: entryFrom({ path: 'd0', type: 'dir', mode: 0o700 }) });
  return out;
}

test('an index spilled to runs gives what one in memory gives, every byte of every entry (names cut by read blocks too)', async () => {
  const spilled = new EntryIndex(keyPath, 5_000);
  const memory = new EntryIndex(keyPath, 1_000_000);
  try {
    const all = entries();
    for (const [i, { key, entry }] of all.entries()) {
      await spilled.add(key, i % 3, entry);
      await memory.add(key, i % 3, entry);
    }
    assert.equal(memory.spilledRuns, 0);
    assert.ok(spilled.spilledRuns >= 2, `runs: ${spilled.spilledRuns}`);
    const [a, b] = [await read(spilled), await read(memory)];
    assert.equal(a.length, all.length);
    // element by element: a failure message over 12,000 entries would take minutes to write
    for (const [i, e] of a.entries()) assert.deepStrictEqual(e, b[i], e.key);
    const byKey = new Map(all.map((e) => [e.key, e.entry]));
    for (const e of a) if (e.key !== 'd0') assert.deepStrictEqual(e.entry, byKey.get(e.key), e.key);
    // by path, then key (a whiteout beside its path); one key twice in stream order
    const odd = all[12_000]!.key;
    const at = a.findIndex((e) => e.key === WHITEOUT_KEY + odd);
    assert.equal(a[at + 1]?.key, odd);
    assert.deepEqual(a.filter((e) => e.key === 'd0').map((e) => e.entry.mode), [0o755, 0o700]);
  } finally {
    await spilled.close();
    await memory.close();
  }
});
