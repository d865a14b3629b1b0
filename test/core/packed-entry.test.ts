import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Entry, EntryType } from '../../src/core/entry.js';
import { nameFromBytes } from '../../src/core/name-bytes.js';
import { packEntry, unpackEntry } from '../../src/core/packed-entry.js';

const TYPES: EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'whiteout', 'opaque'];

/** Names as the reader gives them: any text, lone surrogates, and bytes that are not UTF-8 (name-bytes.ts). */
const name = fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 24 }).map((b) => nameFromBytes(b)), fc.constantFrom('', '\n', '"', '\\', '\u2028'));
/** Whatever a hostile header or a careless reader can leave in a number field. */
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53 + 2));
/** Binary values, under keys that are not plain identifiers ("__proto__" must stay an own key). */
const bytes = fc
  .array(fc.tuple(fc.oneof(name, fc.constantFrom('__proto__', 'constructor', 'security.capability', 'user.x')), fc.uint8Array({ maxLength: 40 })))
  .map((pairs) => Object.fromEntries(pairs.map(([k, v]) => [k, Buffer.from(v)])));

const entry: fc.Arbitrary<Entry> = fc
  .record({
    path: name,
    name: fc.option(name),
    type: fc.constantFrom(...TYPES),
    mode: number,
    uid: number,
    gid: number,
    uname: name,
    gname: name,
    mtime: number,
    size: number,
    linkname: fc.option(name, { nil: undefined }),
    dev: fc.option(fc.tuple(number, number), { nil: undefined }),
    xattrs: bytes,
    pax: bytes,
    digest: fc.option(fc.string(), { nil: undefined }),
  })
  .map(({ name: n, linkname, dev, digest, ...rest }) => {
    const e: Entry = { ...rest, name: n ?? rest.path };
    if (linkname !== undefined) e.linkname = linkname;
    if (dev) [e.devmajor, e.devminor] = dev;
    if (digest !== undefined) e.digest = digest;
    return e;
  });

test('an entry packed and unpacked is the same entry: NaN and -0, non-UTF-8 names, binary xattrs and PAX records', () => {
  fc.assert(
    fc.property(entry, (e) => {
      const text = packEntry(e);
      assert.ok(!text.includes('\n'), 'one line');
      assert.deepStrictEqual(unpackEntry(e.path, text), e);
    }),
    { numRuns: 3000 },
  );
});

test('equal entries pack to equal text, and any field that differs changes it', () => {
  const base: Entry = {
    path: 'usr/bin/x', name: './usr/bin/x', type: 'file', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root',
    mtime: 1.5, size: NaN, xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0x80]) }, pax: { 'LIBARCHIVE.creationtime': Buffer.from('1') },
    digest: 'sha256:00',
  };
  assert.equal(packEntry({ ...base, xattrs: { ...base.xattrs } }), packEntry(base));
  const changed: Partial<Entry>[] = [
    { size: 0 }, { mtime: 1 }, { mode: 0o644 }, { name: 'usr/bin/x' }, { uname: 'r\u00f6ot' },
    { xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0x81]) } }, { pax: {} }, { digest: 'sha256:01' }, { linkname: '' },
  ];
  for (const c of changed) assert.notEqual(packEntry({ ...base, ...c }), packEntry(base), JSON.stringify(Object.keys(c)));
});
