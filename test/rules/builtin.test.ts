// The built-in sets do what their comments say on a tree shaped like a debootstrap result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import type { LayerSource } from '../../src/image/layer-writer.js';
import { applyRulesToLayer, applyImageRules } from '../../src/rules/apply.js';
import { loadRules } from '../../src/rules/load.js';

function file(path: string, body: string | Buffer, extra: Partial<Entry> = {}): LayerSource {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { entry: entryFrom({ path, type: 'file', size: data.length, mtime: 1_900_000_000, ...extra }), content: () => Readable.from([data]) };
}
const dir = (path: string): LayerSource => ({ entry: entryFrom({ path, type: 'dir', mtime: 1_900_000_000 }) });

async function text(item: LayerSource | undefined): Promise<string> {
  if (!item?.content) return '';
  const chunks: Buffer[] = [];
  for await (const c of await item.content()) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

test('common + debian on a debootstrap-like layer', async () => {
  const rules = await loadRules(['common', 'debian']);
  const changelog = gzipSync('changes\n');
  changelog.writeUInt32LE(1_900_000_000, 4);
  const items = [
    dir('etc'), dir('var/lib/apt/lists'), dir('tmp'),
    file('etc/machine-id', 'f'.repeat(32) + '\n', { mode: 0o444 }),
    file('var/lib/dbus/machine-id', 'a'.repeat(32) + '\n'),
    file('var/cache/ldconfig/aux-cache', 'binary'),
    file('var/log/dpkg.log', '2024-01-01 00:00:00 install x\n'),
    file('var/log/apt/eipp.log.xz', 'xz'),
    file('var/cache/debconf/config.dat-old', 'old'),
    file('etc/passwd-', 'old'),
    file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
    file('var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 'lists'),
    file('etc/ssh/ssh_host_ed25519_key', 'secret'),
    file('etc/shadow', 'root:*:19800:0:99999:7:::\nbin:*:19800:0:99999:7:::\n', { mode: 0o640 }),
    file('etc/group', 'root:x:0:\nadm:x:4:\n'),
    file('etc/hostname', 'buildhost\n'),
    file('tmp/leftover', 'x'),
    file('usr/share/doc/pkg/changelog.Debian.gz', changelog),
    file('usr/lib/python3/__pycache__/m.cpython-311.pyc', 'pyc'),
  ];
  const out = await applyRulesToLayer(items, rules, { epoch: 1_700_000_000, layer: 0 });
  const by = new Map(out.map((i) => [i.entry.path, i]));
  for (const gone of ['var/lib/dbus/machine-id', 'var/cache/ldconfig/aux-cache', 'var/log/apt/eipp.log.xz', 'var/cache/debconf/config.dat-old',
    'etc/passwd-', 'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 'etc/ssh/ssh_host_ed25519_key', 'tmp/leftover',
    'usr/lib/python3/__pycache__/m.cpython-311.pyc']) {
    assert.ok(!by.has(gone), `${gone} deleted`);
  }
  for (const kept of ['var/lib/apt/lists', 'tmp', 'etc/passwd']) assert.ok(by.has(kept), `${kept} kept`);
  assert.equal(by.get('etc/machine-id')?.entry.size, 0);
  assert.equal(by.get('etc/machine-id')?.entry.mode, 0o444);
  assert.equal(by.get('var/log/dpkg.log')?.entry.size, 0);
  assert.equal(await text(by.get('etc/shadow')), 'root:*::0:99999:7:::\nbin:*::0:99999:7:::\n');
  assert.equal(await text(by.get('etc/group')), 'adm:x:4:\nroot:x:0:\n');
  assert.equal(await text(by.get('etc/hostname')), 'localhost\n');
  const gz = Buffer.from(await text(by.get('usr/share/doc/pkg/changelog.Debian.gz')), 'latin1');
  assert.equal(gz.readUInt32LE(4), 0, 'gzip header mtime cleared');
  assert.ok(out.every((i) => i.entry.mtime <= 1_700_000_000), 'every mtime clamped to the epoch');
  const config = applyImageRules({ created: '2030-01-01T00:00:00Z', history: [{ created: '2030-01-01T00:00:00Z' }] }, rules, 1_700_000_000);
  assert.equal(config.created, '2023-11-14T22:13:20Z');
});
