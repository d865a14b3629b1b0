import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryFrom } from '../../src/core/entry.js';
import { compareEntryMeta } from '../../src/compare/entry-meta.js';
import { ev } from '../helpers/evidence.js';

test('equal entries give no findings', () => {
  const a = entryFrom({ path: 'etc/x', type: 'file', mtime: 5 });
  assert.deepEqual(compareEntryMeta(a, { ...a }), []);
});

test('mtime-only difference is one mtime finding', () => {
  const a = entryFrom({ path: 'etc/x', type: 'file', mtime: 1700000000 });
  const b = { ...a, mtime: 1700259200 };
  const r = compareEntryMeta(a, b);
  assert.equal(r.length, 1);
  assert.equal(r[0]?.category, 'mtime');
  assert.match(ev(r[0]) ?? '', /mtime 1700000000 vs 1700259200/);
});

test('pax atime/ctime count as mtime-like', () => {
  const a = entryFrom({ path: 'x', type: 'file', pax: { atime: Buffer.from('1.5') } });
  const b = { ...a, pax: { atime: Buffer.from('2.5'), ctime: Buffer.from('3') } };
  const r = compareEntryMeta(a, b);
  assert.deepEqual(r.map((f) => f.category), ['mtime']);
  assert.match(ev(r[0]) ?? '', /pax atime/);
  assert.match(ev(r[0]) ?? '', /pax ctime/);
});

test('mode, owner, link target, xattrs and devices are metadata', () => {
  const a = entryFrom({ path: 'x', type: 'symlink', linkname: 'a', mode: 0o777 });
  const cases: [Partial<typeof a>, RegExp][] = [
    [{ mode: 0o755 }, /mode 0777 vs 0755/],
    [{ uid: 1000 }, /uid 0 vs 1000/],
    [{ gname: 'staff' }, /gname "" vs "staff"/],
    [{ linkname: 'b' }, /linkname "a" vs "b"/],
    [{ xattrs: { 'user.x': Buffer.from('1') } }, /xattr user\.x \(none\) vs 0x31/],
    [{ devmajor: 8 }, /devmajor/],
    [{ type: 'file' }, /type symlink vs file/],
    [{ pax: { 'SCHILY.fflags': Buffer.from('x') } }, /pax SCHILY\.fflags \(none\) vs "x"/],
  ];
  for (const [change, re] of cases) {
    const r = compareEntryMeta(a, { ...a, ...change });
    assert.deepEqual(r.map((f) => f.category), ['metadata'], JSON.stringify(change));
    assert.match(ev(r[0]) ?? '', re);
  }
});

test('metadata plus mtime yields both categories', () => {
  const a = entryFrom({ path: 'x', type: 'file', mtime: 1 });
  const r = compareEntryMeta(a, { ...a, mtime: 2, mode: 0o600 });
  assert.deepEqual(r.map((f) => f.category), ['metadata', 'mtime']);
});
