// Bounded memory for `repro normalize` (issue: any size): a layer's items wait as packed records in sorted
// runs (image/layer-items.ts), not as entry objects. A 30,000-file image normalizes in a child node whose
// heap is capped at 64 MB, its runs spilling every 2,000 records (the old writer held ~6 KB per entry:
// ~180 MB here; checked on 3dce2dd^, it dies in that heap; the new one peaks near 20 MB of live heap) to
// the digest of the unconstrained run, and the spilled-runs path writes the very bytes the in-memory one
// does: the digests pinned below were written by the writer that held every item in memory. Not timed:
// speed lives in `npm run bench:scale`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeImage } from '../../src/rules/normalize-image.js';
import { loadRules } from '../../src/rules/load.js';
import { makeOciArchive } from '../helpers/images.js';
import { paxBytes, rawTar, type RawMember } from '../helpers/images-extra.js';
import { smallFilesPair } from '../helpers/scale-pairs.js';
import { runCapped } from '../helpers/child.js';
import { testDir } from '../helpers/tmp.js';

const EPOCH = 1_700_000_000;

/** Hardlink chains and groups, a deleted group file, a deleted directory with a link out of it, duplicates,
 * whiteouts, xattrs and PAX records, a Latin-1 name. */
const TRICKY: RawMember[] = [
  { name: 'etc/', flag: '5' },
  { name: 'etc/z-target', body: 'zzz\n', mtime: 5 },
  { name: 'etc/a-link', flag: '1', linkname: 'etc/z-target' },
  { name: 'etc/m-link', flag: '1', linkname: 'etc/a-link' },
  { name: 'usr/bin/compress', body: 'gzip!' },
  { name: 'usr/bin/gunzip', flag: '1', linkname: 'usr/bin/compress' },
  { name: 'usr/bin/zcat', flag: '1', linkname: 'usr/bin/compress' },
  { name: 'var/lib/apt/lists/', flag: '5' },
  { name: 'var/lib/apt/lists/x_InRelease', body: 'x' },
  { name: 'var/lib/apt/listsfoo', body: 'kept' },
  { name: 'var/log/.wh.old.log', body: '' },
  { name: 'opt/.wh..wh..opq', body: '' },
  { name: 'etc/group', body: 'b:x:2:\na:x:1:\n' },
  { name: 'etc/group', body: 'c:x:3:\nb:x:2:\na:x:1:\n' },
  { name: 'PaxHeader', flag: 'x', body: paxBytes([['SCHILY.xattr.user.k', Buffer.from([0, 0x80, 0xff])], ['SCHILY.xattr.security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex')], ['atime', Buffer.from('123.5')], ['comment', Buffer.from('hi')]]) },
  { name: 'usr/bin/ping', body: 'ping' },
  { name: Buffer.from('caf\xe9/na\xefve', 'latin1'), body: 'latin1' },
  { name: 'var/log/dpkg.log', body: 'log\n' },
  { name: 'var/cache/deep/', flag: '5' },
  { name: 'var/cache/deep/f', body: 'f' },
  { name: 'var/cache/deep/l', flag: '1', linkname: 'etc/z-target' },
];

const RULES = `version: 1
rules:
  - match: [/var/lib/apt/lists, /usr/bin/compress, /var/cache/deep]
    action: delete
  - match: /etc/group
    action: sort-lines
  - match: /etc/y
    action: sort-lines
  - match: /var/log/*.log
    action: truncate
  - match: /**
    action: clamp-mtime
`;

test('the spilled-runs path writes the bytes the in-memory writer wrote (pinned digests), at thresholds 1, 3 and the default', async (t) => {
  const dir = await testDir(t, 'norm-bounded-');
  await writeFile(join(dir, 'tricky.tar'), rawTar(TRICKY));
  await makeOciArchive(join(dir, 'tricky.oci.tar'), { layers: [[{ path: 'etc/x', content: 'x' }, { path: 'etc/h', type: 'hardlink', linkname: 'etc/x' }], [{ path: 'etc/.wh.x', content: '' }, { path: 'etc/y', content: 'b\na\n' }]] });
  await writeFile(join(dir, 'rules.yml'), RULES);
  const sets = { mine: await loadRules([join(dir, 'rules.yml')]), debian: await loadRules(['common', 'debian']) };
  const pinned: [string, keyof typeof sets, string, number][] = [
    ['tricky.tar', 'mine', 'sha256:0d7509bcec593c706ab2f81980c8501df50c3c60ca6ef88695f07be3cf6ba887', 6],
    ['tricky.tar', 'debian', 'sha256:196dea0d7f5b90356e3b71c02694acaf3a886bf71b9a279f30688c901df8d1a4', 1],
    ['tricky.oci.tar', 'mine', 'sha256:4041687e5cfb2570329487f63a0ad46882136c29c526db7f73d55c2bc36afa93', 0],
    ['tricky.oci.tar', 'debian', 'sha256:54fb81d87147c235e3172c17cd54c380faf39463682c7edc887cf1e12d1b196e', 0],
  ];
  const before = process.env.REPRO_SORT_SPILL_RECORDS;
  try {
    for (const threshold of ['1', '3', '']) {
      process.env.REPRO_SORT_SPILL_RECORDS = threshold;
      for (const [input, set, digest, deleted] of pinned) {
        const r = await normalizeImage(join(dir, input), sets[set], { epoch: EPOCH, format: 'oci', out: join(dir, 'out.tar'), ...(input.endsWith('.oci.tar') ? {} : { platform: 'linux/amd64' }) });
        assert.deepEqual([r.manifestDigest, r.deleted], [digest, deleted], `${input} with ${set} rules, threshold ${threshold || 'default'}`);
      }
    }
  } finally {
    if (before === undefined) delete process.env.REPRO_SORT_SPILL_RECORDS;
    else process.env.REPRO_SORT_SPILL_RECORDS = before;
  }
});

// 30,000 files, not 150,000: the same proof at a fifth of the CI time (~200 s before, under load).
test('a 30,000-file image normalizes in a 64 MB heap with small sorted runs to the digest of the unconstrained run', { timeout: 20 * 60_000 }, async (t) => {
  const dir = await testDir(t, 'norm-bounded-big-');
  const p = smallFilesPair(dir, 30_000, 0);
  const capped = await runCapped(64, { cli: ['normalize', p.a, '--rules', 'common', '--epoch', String(EPOCH), '--platform', 'linux/amd64', '-o', join(dir, 'capped.tar')] }, { REPRO_TMPDIR: dir, REPRO_SORT_SPILL_RECORDS: '2000' });
  assert.equal(capped.code, 0, capped.stderr);
  const free = await normalizeImage(p.a, await loadRules(['common']), { epoch: EPOCH, format: 'oci', out: join(dir, 'free.tar'), platform: 'linux/amd64' });
  assert.equal(capped.stdout.trim().split(' ')[1], free.manifestDigest, capped.stdout);
});
