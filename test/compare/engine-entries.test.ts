// Entry-level categories on OCI images built in code: one image pair per planted difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareInputs } from '../../src/compare/engine.js';
import type { Finding } from '../../src/core/finding.js';
import { makeOciImage, makeRootfsTar, type TestMember } from '../helpers/images.js';
import { fileDir } from '../helpers/tmp.js';
import { ev } from '../helpers/evidence.js';

const base: TestMember[] = [
  { path: 'etc/', type: 'dir' },
  { path: 'etc/hostname', content: 'box\n' },
  { path: 'etc/motd', content: 'hello\nworld\n' },
  { path: 'usr/', type: 'dir' },
  { path: 'usr/bin/', type: 'dir' },
  { path: 'usr/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
];

async function pair(a: TestMember[][], b: TestMember[][], opts: Parameters<typeof compareInputs>[2] = {}) {
  const dir = await fileDir('repro-engine-');
  await makeOciImage(join(dir, 'a'), { layers: a });
  await makeOciImage(join(dir, 'b'), { layers: b });
  return compareInputs(join(dir, 'a'), join(dir, 'b'), opts);
}

function brief(findings: Iterable<Finding>): string[] {
  return [...findings].map((f) => `${f.path} ${f.category}`);
}

function edit(members: TestMember[], path: string, change: Partial<TestMember>): TestMember[] {
  return members.map((m) => (m.path === path ? { ...m, ...change } : m));
}

test('identical images: no findings, identical', async () => {
  const r = await pair([base], [base]);
  assert.deepEqual(r.findings.toArray(), []);
  assert.equal(r.identical, true);
  assert.equal(r.schema, 'repro-report/2');
});

test('mtime only → one mtime finding with the layer and the absolute path', async () => {
  const r = await pair([base], [edit(base, 'etc/motd', { mtime: 1_700_000_999 })]);
  assert.deepEqual(brief(r.findings), ['/etc/motd mtime']);
  assert.equal(r.findings.toArray()[0]?.layer, 0);
  assert.match(ev(r.findings.toArray()[0]) ?? '', /1700000000 vs 1700000999/);
  assert.equal(r.identical, false);
});

test('mode, owner, symlink target and PAX records → metadata', async () => {
  const a = [...base, { path: 'etc/link', type: 'symlink' as const, linkname: 'motd' }];
  let b = edit(a, 'usr/bin/tool', { mode: 0o700, uid: 1000, uname: 'builder' });
  b = edit(b, 'etc/link', { linkname: 'hostname' });
  b = edit(b, 'etc/hostname', { pax: { 'SCHILY.xattr.user.x': '1' } });
  const r = await pair([a], [b]);
  assert.deepEqual(brief(r.findings).sort(), ['/etc/hostname metadata', '/etc/link metadata', '/usr/bin/tool metadata']);
  assert.match(ev(r.findings.toArray().find((f) => f.path === '/usr/bin/tool')), /mode 0755 vs 0700/);
});

test('content difference goes to the content engine', async () => {
  const r = await pair([base], [edit(base, 'etc/motd', { content: 'hello\nthere\n' })]);
  const f = r.findings.toArray().find((x) => x.path === '/etc/motd');
  if (!f) throw new Error('no finding on /etc/motd');
  assert.ok(!['mtime', 'metadata', 'added', 'removed'].includes(f.category), f.category);
  assert.match(f.detail, /there/);
});

test('only in A → removed, only in B → added', async () => {
  const r = await pair([base], [[...base.filter((m) => m.path !== 'etc/motd'), { path: 'etc/new', content: 'x' }]]);
  assert.deepEqual(brief(r.findings), ['/etc/motd removed', '/etc/new added']);
});

test('same members in another order → one ordering finding for the layer', async () => {
  const reordered = [...base.slice(0, 1), base[2]!, base[1]!, ...base.slice(3)];
  const r = await pair([base], [reordered]);
  assert.deepEqual(brief(r.findings), [' ordering']);
  assert.equal(ev(r.findings.toArray()[0]), `same ${base.length} members in another order`);
  assert.equal(r.findings.toArray()[0]?.layer, 0);
});

test('hardlink pair stored the other way round → one ordering finding on the pair', async () => {
  const a = [...base, { path: 'usr/bin/gunzip', content: 'gz' }, { path: 'usr/bin/uncompress', type: 'hardlink' as const, linkname: 'usr/bin/gunzip' }];
  const b = [...base, { path: 'usr/bin/uncompress', content: 'gz' }, { path: 'usr/bin/gunzip', type: 'hardlink' as const, linkname: 'usr/bin/uncompress' }];
  const r = await pair([a], [b]);
  assert.deepEqual(brief(r.findings), ['/usr/bin/gunzip ordering']);
  assert.equal(ev(r.findings.toArray()[0]), 'hardlink pair stored the other way round: /usr/bin/gunzip ↔ /usr/bin/uncompress');
});

test('hardlink pair swapped and content changed → ordering plus a content finding', async () => {
  const a = [...base, { path: 'usr/bin/gunzip', content: 'gz1' }, { path: 'usr/bin/uncompress', type: 'hardlink' as const, linkname: 'usr/bin/gunzip' }];
  const b = [...base, { path: 'usr/bin/uncompress', content: 'gz2' }, { path: 'usr/bin/gunzip', type: 'hardlink' as const, linkname: 'usr/bin/uncompress' }];
  const r = await pair([a], [b]);
  assert.equal(r.findings.toArray()[0]?.category, 'ordering');
  assert.equal(r.findings.length, 2);
  assert.equal(r.findings.toArray()[1]?.path, '/usr/bin/gunzip');
});

test('whiteout on one side only: the path it deletes is removed, evidence names the layer', async () => {
  const top: TestMember[] = [{ path: 'etc/', type: 'dir' }, { path: 'etc/.wh.motd' }];
  const r = await pair([base, [{ path: 'etc/', type: 'dir' }]], [base, top]);
  assert.deepEqual(brief(r.findings), ['/etc/motd removed']);
  assert.equal(r.findings.toArray()[0]?.layer, 1);
  assert.match(ev(r.findings.toArray()[0]) ?? '', /deleted by whiteout in layer 1/);
  const back = await pair([base, top], [base, [{ path: 'etc/', type: 'dir' }]]);
  assert.deepEqual(brief(back.findings), ['/etc/motd added']);
});

test('layer counts differ → merged filesystems compared, with a warning', async () => {
  const top: TestMember[] = [{ path: 'etc/', type: 'dir' }, { path: 'etc/.wh.motd' }, { path: 'etc/extra', content: 'e' }];
  const r = await pair([base], [base, top]);
  assert.ok(r.warnings.some((w) => /layer counts differ \(A: 1, B: 2\)/.test(w)), r.warnings.join('; '));
  const files = r.findings.toArray().filter((f) => f.category !== 'image-metadata');
  assert.deepEqual(brief(files), ['/etc/extra added', '/etc/motd removed']);
  assert.match(ev(files[1]) ?? '', /deleted by whiteout in layer 1 of B/);
  assert.equal(files[0]?.layer, 1);
});

test('--exclude skips matching paths; --ignore keeps findings but the report counts as identical', async () => {
  const b = edit(edit(base, 'etc/motd', { mtime: 5 }), 'etc/hostname', { content: 'other\n' });
  const r = await pair([base], [b], { exclude: ['/etc/hostname'], ignore: ['mtime'] });
  assert.deepEqual(brief(r.findings), ['/etc/motd mtime']);
  assert.equal(r.identical, true);
  assert.deepEqual(r.ignored, ['mtime']);
});

test('image config differences → image-metadata findings naming the field', async () => {
  const dir = await fileDir('repro-engine-');
  await makeOciImage(join(dir, 'a'), { layers: [base], config: { created: '2024-01-01T00:00:00Z', config: { Env: ['A=1'], Labels: { v: '1' } } } });
  await makeOciImage(join(dir, 'b'), { layers: [base], config: { created: '2024-01-04T10:00:00Z', config: { Env: ['A=2'], Labels: { v: '1' } } } });
  const r = await compareInputs(join(dir, 'a'), join(dir, 'b'));
  assert.deepEqual(r.findings.toArray().map((f) => [f.path, f.category, ev(f)]), [
    ['', 'image-metadata', 'config.created 2024-01-01T00:00:00Z vs 2024-01-04T10:00:00Z'],
    ['', 'image-metadata', 'config.config.Env[0] A=1 vs A=2'],
  ]);
});

test('same layer tar compressed differently → compression-metadata on the layer, no entry findings', async () => {
  const dir = await fileDir('repro-engine-');
  const big: TestMember[] = [...base, { path: 'etc/words', content: Array.from({ length: 3000 }, (_, i) => `word${i % 97} ${i}`).join('\n') }];
  await makeOciImage(join(dir, 'a'), { layers: [big], gzipLevel: 9 });
  await makeOciImage(join(dir, 'b'), { layers: [big], gzipLevel: 1 });
  const r = await compareInputs(join(dir, 'a'), join(dir, 'b'));
  const files = r.findings.toArray().filter((f) => !/^manifest\./.test(ev(f)));
  assert.deepEqual(files.map((f) => [f.path, f.layer, f.category]), [['', 0, 'compression-metadata']]);
  assert.match(ev(files[0]) ?? '', /same tar \(diff_id [0-9a-f]{12}\), compressed differently/);
});

test('rootfs tarballs: the same tar gzipped differently is compression-metadata (diff_ids computed only then)', async () => {
  const dir = await fileDir('repro-engine-');
  const big: TestMember[] = [...base, { path: 'etc/words', content: Array.from({ length: 3000 }, (_, i) => `word${i % 97} ${i}`).join('\n') }];
  await makeRootfsTar(join(dir, 'a.tar.gz'), big, { gzip: true, gzipLevel: 9 });
  await makeRootfsTar(join(dir, 'b.tar.gz'), big, { gzip: true, gzipLevel: 1 });
  await makeRootfsTar(join(dir, 'c.tar.gz'), big, { gzip: true, gzipLevel: 9 });
  const r = await compareInputs(join(dir, 'a.tar.gz'), join(dir, 'b.tar.gz'));
  assert.deepEqual(r.findings.toArray().map((f) => [f.path, f.category]), [['', 'compression-metadata']]);
  assert.match(ev(r.findings.toArray()[0]) ?? '', /same tar \(diff_id [0-9a-f]{12}\), compressed differently/);
  const same = await compareInputs(join(dir, 'a.tar.gz'), join(dir, 'c.tar.gz'));
  assert.equal(same.identical, true);
  assert.deepEqual(same.findings.toArray(), []);
});

test("a layer's findings come in path order: a content difference is not listed after the later paths' entry differences", async () => {
  // /etc/motd's content differs (found once both bodies are read), /usr/bin/tool's mode (found at the join)
  const b = edit(edit(base, 'etc/motd', { content: 'hello\nthere\n' }), 'usr/bin/tool', { mode: 0o700 });
  const r = await pair([base, [{ path: 'srv/', type: 'dir' }]], [b, [{ path: 'srv/', type: 'dir', mode: 0o700 }]]);
  assert.deepEqual(brief(r.findings), ['/etc/motd content', '/usr/bin/tool metadata', '/srv metadata']);
  assert.deepEqual([...r.findings].map((f) => f.layer), [0, 0, 1]);
});
