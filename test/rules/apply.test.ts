import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import { openContent, type LayerSource } from '../../src/image/layer-items.js';
import { applyImageRules, applyAnnotationRules } from '../../src/rules/apply.js';
import { applyRulesToLayer } from '../helpers/layer-rules.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import type { RuleSet } from '../../src/rules/types.js';
import { testDir } from '../helpers/tmp.js';

function rules(yaml: string): RuleSet {
  return { rules: parseRuleFile(`version: 1\nrules:\n${yaml}`, 'test.yml'), files: ['test.yml'] };
}

function file(path: string, body: string | Buffer, extra: Partial<Entry> = {}): LayerSource {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { entry: entryFrom({ path, type: 'file', size: data.length, mtime: 2_000_000_000, ...extra }), content: () => Readable.from([data]) };
}

async function body(item: LayerSource | undefined): Promise<Buffer> {
  if (!item?.content) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of await openContent(item.content)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const byPath = (items: LayerSource[], p: string): LayerSource | undefined => items.find((i) => i.entry.path === p);

test('every matching rule applies in order; sizes follow rewritten content; others pass untouched', async () => {
  const set = rules(`  - match: /**
    action: clamp-mtime
  - match: /etc/machine-id
    action: truncate
  - match: /etc/group
    action: sort-lines
  - match: /etc/hostname
    action: replace
    content: "localhost\\n"
  - match: /etc/app.json
    action: sort-json-keys
  - match: /etc/shadow
    action: regex-replace
    pattern: '^([^:]*:[^:]*:)[0-9]*:'
    replacement: '$1:'
  - match: /etc/shadow
    action: set-mode
    mode: '0640'
  - match: /etc/shadow
    action: set-owner
    gid: 42
  - match: /doc/*.gz
    action: gzip-normalize
  - match: /etc/fixed
    action: set-mtime
    mtime: 7
`);
  const gz = gzipSync('changelog\n');
  gz.writeUInt32LE(1_234_567, 4);
  const untouched = file('usr/bin/tool', 'bin', { mtime: 5 });
  const out = await applyRulesToLayer([
    file('etc/machine-id', '0123456789abcdef0123456789abcdef\n', { mode: 0o444 }),
    file('etc/group', 'b:x:2:\na:x:1:\n'),
    file('etc/hostname', 'builder-7\n'),
    file('etc/app.json', '{"z":1,"a":2}'),
    file('etc/shadow', 'root:*:19700:0:99999:7:::\n', { mode: 0o600 }),
    file('doc/changelog.gz', gz),
    file('etc/fixed', 'x'),
    untouched,
  ], set, { epoch: 1_700_000_000, layer: 0 });
  assert.equal(out.length, 8);
  const mid = byPath(out, 'etc/machine-id');
  assert.equal(mid?.entry.size, 0);
  assert.equal(mid?.entry.mode, 0o444, 'mode kept');
  assert.equal(mid?.entry.mtime, 1_700_000_000, 'clamped');
  assert.equal((await body(byPath(out, 'etc/group'))).toString(), 'a:x:1:\nb:x:2:\n');
  assert.equal((await body(byPath(out, 'etc/hostname'))).toString(), 'localhost\n');
  assert.equal((await body(byPath(out, 'etc/app.json'))).toString(), '{"a":2,"z":1}');
  const shadow = byPath(out, 'etc/shadow');
  assert.equal((await body(shadow)).toString(), 'root:*::0:99999:7:::\n');
  assert.equal(shadow?.entry.size, 'root:*::0:99999:7:::\n'.length);
  assert.deepEqual([shadow?.entry.mode, shadow?.entry.uid, shadow?.entry.gid], [0o640, 0, 42]);
  const ngz = await body(byPath(out, 'doc/changelog.gz'));
  assert.equal(ngz.readUInt32LE(4), 0);
  assert.equal(gunzipSync(ngz).toString(), 'changelog\n');
  assert.equal(byPath(out, 'etc/fixed')?.entry.mtime, 7, 'set-mtime after clamp wins');
  assert.equal(byPath(out, 'usr/bin/tool')?.entry.mtime, 5, 'older than the epoch: kept');
  assert.equal(byPath(out, 'usr/bin/tool')?.content, untouched.content, 'metadata-only rules keep the content as given');
  const none = await applyRulesToLayer([untouched], rules('  - match: /etc/**\n    action: delete\n'), { epoch: 0, layer: 0 });
  assert.deepEqual(none[0]?.entry, untouched.entry, 'no matching rule → the same entry');
  assert.equal(none[0]?.content, untouched.content, 'and the same content');
});

test('delete drops a directory with everything under it, but never a whiteout', async () => {
  const set = rules(`  - match: [/var/lib/apt/lists, /var/log/old.log]
    action: delete
`);
  const out = await applyRulesToLayer([
    { entry: entryFrom({ path: 'var/lib/apt/lists', type: 'dir' }) },
    file('var/lib/apt/lists/deb.debian.org_InRelease', 'x'),
    { entry: entryFrom({ path: 'var/lib/apt/lists/partial', type: 'dir' }) },
    file('var/lib/apt/listsfoo', 'kept: only a name prefix'),
    { entry: entryFrom({ path: 'var/log/old.log', type: 'whiteout' }) },
  ], set, { epoch: 0, layer: 0 });
  assert.deepEqual(out.map((i) => i.entry.path), ['var/lib/apt/listsfoo', 'var/log/old.log']);
});

test('deleting the file of a hardlink group hands its content to the first remaining link', async () => {
  const set = rules(`  - match: /usr/bin/compress
    action: delete
`);
  const out = await applyRulesToLayer([
    file('usr/bin/compress', 'gzip!'),
    { entry: entryFrom({ path: 'usr/bin/gunzip', type: 'hardlink', linkname: 'usr/bin/compress' }) },
    { entry: entryFrom({ path: 'usr/bin/zcat', type: 'hardlink', linkname: 'usr/bin/compress' }) },
  ], set, { epoch: 0, layer: 0 });
  assert.equal(out.length, 2);
  assert.equal(out[0]?.entry.type, 'file');
  assert.equal(out[0]?.entry.path, 'usr/bin/gunzip');
  assert.equal((await body(out[0])).toString(), 'gzip!');
  assert.deepEqual([out[1]?.entry.type, out[1]?.entry.linkname], ['hardlink', 'usr/bin/gunzip']);
});

test('type and layer conditions restrict a rule; whiteouts are clamped but not rewritten', async () => {
  const set = rules(`  - match: /var/log/**
    type: file
    layer: 1
    action: truncate
  - match: /**
    action: clamp-mtime
`);
  const items = (): LayerSource[] => [
    file('var/log/a.log', 'line'),
    { entry: entryFrom({ path: 'var/log/gone.log', type: 'whiteout', mtime: 2_000_000_000 }) },
  ];
  const l0 = await applyRulesToLayer(items(), set, { epoch: 100, layer: 0 });
  assert.equal((await body(byPath(l0, 'var/log/a.log'))).toString(), 'line', 'layer 0 untouched by the layer-1 rule');
  const l1 = await applyRulesToLayer(items(), set, { epoch: 100, layer: 1 });
  assert.equal(byPath(l1, 'var/log/a.log')?.entry.size, 0);
  assert.equal(byPath(l1, 'var/log/gone.log')?.entry.type, 'whiteout');
  assert.equal(byPath(l1, 'var/log/gone.log')?.entry.mtime, 100);
});

test('a member over the content limit and a .gz that is not gzip give warnings, not failures', async () => {
  const set = rules(`  - match: /big
    action: sort-lines
  - match: /fake.gz
    action: gzip-normalize
`);
  const warnings: string[] = [];
  const out = await applyRulesToLayer([file('big', 'b\na\n'.repeat(100)), file('fake.gz', 'plain')], set,
    { epoch: 0, layer: 0, maxContentBytes: 50, warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /^\/big: 400 bytes is over the 50-byte limit/);
  assert.match(warnings[1] ?? '', /^\/fake\.gz: gzip-normalize \(test\.yml:5\) not applied: not a gzip/);
  assert.equal((await body(out[0])).toString(), 'b\na\n'.repeat(100));
  assert.equal((await body(out[1])).toString(), 'plain');
});

test('image-timestamps sets created, history and the created label/annotation to the epoch', () => {
  const set = rules(`  - action: image-timestamps
`);
  const config = {
    created: '2024-05-01T12:00:00Z',
    history: [{ created: '2024-05-01T12:00:00Z', created_by: 'x' }, { created_by: 'no time' }],
    config: { Labels: { 'org.opencontainers.image.created': 'now', other: 'kept' } },
  };
  const out = applyImageRules(config, set, 86_400);
  assert.equal(out.created, '1970-01-02T00:00:00Z');
  assert.deepEqual(out.history, [{ created: '1970-01-02T00:00:00Z', created_by: 'x' }, { created_by: 'no time' }]);
  assert.deepEqual(out.config?.Labels, { 'org.opencontainers.image.created': '1970-01-02T00:00:00Z', other: 'kept' });
  assert.equal(config.created, '2024-05-01T12:00:00Z', 'input not mutated');
  assert.deepEqual(applyAnnotationRules({ 'org.opencontainers.image.created': 'now' }, set, 0), { 'org.opencontainers.image.created': '1970-01-01T00:00:00Z' });
  assert.equal(applyImageRules(config, rules('  - match: /x\n    action: delete\n'), 0), config, 'no image rule → same config');
});

test('rewritten contents beyond maxHeldBytes are appended to one spool file named by the layer, not kept in memory', async (t) => {
  const dir = await testDir(t, 'apply-spool-');
  const set = rules('  - match: /data/*\n    action: sort-lines\n');
  const items = Array.from({ length: 5 }, (_, i) => file(`data/f${i}`, `b${i}\na${i}\n`));
  const out = await applyRulesToLayer(items, set, { epoch: 0, layer: 3, spoolDir: dir, maxHeldBytes: 12 });
  assert.deepEqual(await readdir(dir), ['rewritten-3']);
  assert.equal((await readFile(join(dir, 'rewritten-3'))).toString(), 'a2\nb2\na3\nb3\na4\nb4\n', 'the three that did not fit in 12 bytes');
  for (let i = 0; i < 5; i++) assert.equal((await body(out[i])).toString(), `a${i}\nb${i}\n`);
});
