import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { attributePackages, attributeWith, DpkgLists, ownerIndex, readDpkgLists } from '../../src/packages/dpkg.js';
import { compareInputs } from '../../src/compare/engine.js';
import type { Finding } from '../../src/core/finding.js';
import { makeOciArchive } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';
import { Findings } from '../../src/core/findings.js';

function finding(path: string, category: Finding['category']): Finding {
  return { path, category, code: 'legacy', facts: [{ note: 'x' }], detail: '' };
}

test('ownerIndex: arch qualifiers dropped, usrmerge aliases, shared directories keep every owner', () => {
  const owners = ownerIndex(
    new Map([
      ['libc-bin', '/.\n/sbin\n/sbin/ldconfig\n/usr/share/doc\n'],
      ['libc6:amd64', '/.\n/usr/share/doc\n/usr/lib/x86_64-linux-gnu/libc.so.6\n'],
    ]),
  );
  assert.deepEqual(owners.get('/usr/sbin/ldconfig'), ['libc-bin']);
  assert.deepEqual(owners.get('/sbin/ldconfig'), ['libc-bin']);
  assert.deepEqual(owners.get('/usr/share/doc'), ['libc-bin', 'libc6']);
  assert.deepEqual(owners.get('/usr/lib/x86_64-linux-gnu/libc.so.6'), ['libc6']);
  assert.equal(owners.get('/.'), undefined);
});

test('attributeWith: package → files → categories, unowned and shared paths apart, image metadata skipped', () => {
  const owners = new Map([['/usr/bin/gzip', ['gzip']], ['/usr/share/doc/gzip/changelog.gz', ['gzip']], ['/etc/passwd', ['base-passwd']], ['/usr/bin', ['gzip', 'coreutils']]]);
  const findings = [
    finding('/usr/bin/gzip', 'mtime'),
    finding('/usr/share/doc/gzip/changelog.gz', 'compression-metadata'),
    finding('/usr/share/doc/gzip/changelog.gz', 'mtime'),
    finding('/etc/machine-id', 'random-id'),
    finding('/var/log/dpkg.log', 'timestamp'),
    finding('', 'image-metadata'),
    finding('/usr/bin', 'mtime'),
  ];
  const r = attributeWith(owners, Findings.from(findings));
  assert.deepEqual(r.packages, [
    // the file with more than an mtime difference first: it is what a maintainer can fix
    { name: 'gzip', files: [{ path: '/usr/share/doc/gzip/changelog.gz', categories: ['compression-metadata', 'mtime'] }, { path: '/usr/bin/gzip', categories: ['mtime'] }] },
  ]);
  assert.deepEqual(r.shared, [{ path: '/usr/bin', categories: ['mtime'], owners: ['gzip', 'coreutils'] }]);
  assert.equal(findings[6]?.package, 'gzip +1');
  assert.deepEqual(r.unowned, [
    { path: '/etc/machine-id', categories: ['random-id'] },
    { path: '/var/log/dpkg.log', categories: ['timestamp'] },
  ]);
  assert.equal(findings[0]?.package, 'gzip');
  assert.equal(findings[3]?.package, undefined);
});

test('attributePackages reads the dpkg database from the image layers, whiteouts applied', async (t) => {
  const dir = await testDir(t, 'repro-pkg-test-');
  const image = join(dir, 'img.tar');
  await makeOciArchive(image, {
    layers: [
      [
        { path: 'var/lib/dpkg/info/', type: 'dir' },
        { path: 'var/lib/dpkg/info/dash.list', content: '/.\n/bin\n/bin/dash\n' },
        { path: 'var/lib/dpkg/info/dash.md5sums', content: 'abc  bin/dash\n' },
        { path: 'var/lib/dpkg/info/old.list', content: '/etc/old.conf\n' },
        { path: 'usr/bin/dash', content: 'ELF' },
      ],
      [
        { path: 'var/lib/dpkg/info/.wh.old.list', content: '' },
        { path: 'var/lib/dpkg/info/tzdata.list', content: '/usr/share/zoneinfo\n/usr/share/zoneinfo/UTC\n' },
      ],
    ],
  });
  const findings = Findings.from([finding('/usr/bin/dash', 'mtime'), finding('/etc/old.conf', 'content'), finding('/usr/share/zoneinfo/UTC', 'binary')]);
  const r = await attributePackages(image, findings);
  assert.ok(r);
  assert.deepEqual(r.packages.map((p) => p.name).sort(), ['dash', 'tzdata']);
  assert.deepEqual(r.unowned.map((f) => f.path), ['/etc/old.conf'], 'a whited-out list no longer owns its files');
  assert.equal(findings.toArray()[2]?.package, 'tzdata');

  const plain = join(dir, 'plain.tar');
  await makeOciArchive(plain, { layers: [[{ path: 'etc/hostname', content: 'x\n' }]] });
  assert.equal(await attributePackages(plain, Findings.from([finding('/etc/hostname', 'content')])), undefined, 'no dpkg database: no attribution');
});

test('DpkgLists rides along a comparison: the same lists as reading the image, and "incomplete" when layers were skipped', async (t) => {
  const dir = await testDir(t, 'repro-pkg-tap-');
  const base = [
    { path: 'var/lib/dpkg/info/', type: 'dir' as const },
    { path: 'var/lib/dpkg/info/dash.list', content: '/.\n/bin\n/bin/dash\n' },
    { path: 'var/lib/dpkg/info/old.list', content: '/etc/old.conf\n' },
  ];
  const top = (id: string): Parameters<typeof makeOciArchive>[1]['layers'][number] => [
    { path: 'var/lib/dpkg/info/.wh.old.list', content: '' },
    { path: 'var/lib/dpkg/info/tzdata.list', content: '/usr/share/zoneinfo/UTC\n' },
    { path: 'etc/id', content: `${id}\n` },
  ];
  // the base layer is byte-identical on both sides (skipped), the top one differs
  await makeOciArchive(join(dir, 'a.tar'), { layers: [base, top('a')] });
  await makeOciArchive(join(dir, 'b.tar'), { layers: [base, top('b')] });
  const tap = new DpkgLists();
  const report = await compareInputs(join(dir, 'a.tar'), join(dir, 'b.tar'), { tapB: tap });
  assert.equal(report.identical, false);
  assert.equal(tap.complete, false, 'layer 0 was not read: the tap cannot know its lists');
  assert.deepEqual([...tap.lists.keys()], ['tzdata']);
  const findings = Findings.from([finding('/bin/dash', 'mtime'), finding('/usr/share/zoneinfo/UTC', 'binary')]);
  const r = await attributePackages(join(dir, 'b.tar'), findings, tap);
  assert.deepEqual(r?.packages.map((p) => p.name).sort(), ['dash', 'tzdata'], 'incomplete: read from the image instead');

  // every layer differs: the tap saw everything, and agrees with reading the image
  await makeOciArchive(join(dir, 'c.tar'), { layers: [[...base, { path: 'etc/c', content: 'c' }], top('c')] });
  const full = new DpkgLists();
  await compareInputs(join(dir, 'a.tar'), join(dir, 'c.tar'), { tapB: full });
  assert.equal(full.complete, true);
  assert.deepEqual(full.lists, (await readDpkgLists(join(dir, 'c.tar'))).lists);
  assert.deepEqual([...full.lists.keys()].sort(), ['dash', 'tzdata'], 'the whiteout in layer 1 removed old.list');
});
