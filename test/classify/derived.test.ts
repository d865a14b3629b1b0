// The derived-digest pass: a checksum list whose new token is the digest of another differing file is
// 'content' naming that file, not a random id; it runs as a second pass over the findings store, so it
// must hold when the store has spilled to disk too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DigestIndex } from '../../src/classify/derived.js';
import { compareInputs } from '../../src/compare/engine.js';
import { makeOciArchive } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';

const digest = (algo: string, s: string, enc: 'hex' | 'base64' | 'base64url'): string => createHash(algo).update(s).digest(enc);

test('DigestIndex finds a differing file by any digest form, on its own side only', () => {
  const index = new DigestIndex();
  index.add('/usr/bin/x', 'a', Buffer.from('one'));
  index.add('/usr/bin/x', 'b', Buffer.from('two'));
  index.add('/etc/y', 'a', Buffer.from('three'));
  index.add('/etc/y', 'b', Buffer.from('four'));
  assert.deepEqual(index.source(digest('md5', 'one', 'hex'), digest('md5', 'two', 'hex').toUpperCase()), { path: '/usr/bin/x', algo: 'md5' });
  assert.deepEqual(index.source(`sha256-${digest('sha256', 'three', 'base64')}`, `sha256-${digest('sha256', 'four', 'base64')}`), { path: '/etc/y', algo: 'sha256' });
  assert.deepEqual(index.source(digest('sha512', 'one', 'base64url'), digest('sha512', 'two', 'base64url')), { path: '/usr/bin/x', algo: 'sha512' });
  assert.equal(index.source(digest('md5', 'two', 'hex'), digest('md5', 'one', 'hex')), undefined, 'sides swapped');
  assert.equal(index.source(digest('md5', 'one', 'hex'), digest('md5', 'four', 'hex')), undefined, 'two different files');
  assert.equal(index.source(digest('sha1', 'one', 'hex').slice(0, 32), digest('sha1', 'two', 'hex').slice(0, 32)), undefined, 'a cut sha1 is no md5');
});

for (const spill of ['0', '']) {
  test(`md5sums listing a changed file is content derived from it${spill === '0' ? ' (findings spilled)' : ''}`, async (t) => {
    const before = process.env.REPRO_FINDINGS_SPILL;
    process.env.REPRO_FINDINGS_SPILL = spill;
    t.after(() => {
      if (before === undefined) delete process.env.REPRO_FINDINGS_SPILL;
      else process.env.REPRO_FINDINGS_SPILL = before;
    });
    const dir = await testDir(t, 'derived-');
    const side = (body: string) => [
      { path: 'usr/bin/x', content: body, mtime: 1_700_000_000 },
      { path: 'var/lib/dpkg/info/x.md5sums', content: `${digest('md5', body, 'hex')}  usr/bin/x\n`, mtime: 1_700_000_000 },
    ];
    await makeOciArchive(join(dir, 'a.tar'), { layers: [side('#!/bin/sh\necho one\n')] });
    await makeOciArchive(join(dir, 'b.tar'), { layers: [side('#!/bin/sh\necho two\n')] });
    const r = await compareInputs(join(dir, 'a.tar'), join(dir, 'b.tar'));
    assert.equal(r.findings.spilled, spill === '0');
    const sums = r.findings.toArray().find((f) => f.path === '/var/lib/dpkg/info/x.md5sums');
    assert.equal(sums?.category, 'content');
    assert.equal(sums?.code, 'derived');
    assert.deepEqual(sums?.facts[0], { derivedFrom: '/usr/bin/x', algo: 'md5', line: 1 });
  });
}
