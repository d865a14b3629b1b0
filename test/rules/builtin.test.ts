// The built-in sets do what their comments say on a tree shaped like a debootstrap result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import { openContent, type LayerSource } from '../../src/image/layer-items.js';
import { applyImageRules } from '../../src/rules/apply.js';
import { applyRulesToLayer } from '../helpers/layer-rules.js';
import { loadRules } from '../../src/rules/load.js';

function file(path: string, body: string | Buffer, extra: Partial<Entry> = {}): LayerSource {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { entry: entryFrom({ path, type: 'file', size: data.length, mtime: 1_900_000_000, ...extra }), content: () => Readable.from([data]) };
}
const dir = (path: string): LayerSource => ({ entry: entryFrom({ path, type: 'dir', mtime: 1_900_000_000 }) });

async function text(item: LayerSource | undefined): Promise<string> {
  if (!item?.content) return '';
  const chunks: Buffer[] = [];
  for await (const c of await openContent(item.content)) chunks.push(c as Buffer);
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
    file('var/cache/debconf/config.dat', 'Name: tzdata/Areas\nValue: Etc\n\n'),
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
  // debconf's config.dat holds the answers given at install time: it is identical between builds (with every
  // variation) and must never be deleted; only its -old backup goes.
  for (const kept of ['var/lib/apt/lists', 'tmp', 'etc/passwd', 'var/cache/debconf/config.dat']) assert.ok(by.has(kept), `${kept} kept`);
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

test('debian: each rule from the public lists acts on its own files and leaves their neighbours alone', async () => {
  const rules = await loadRules(['debian']);
  const giomodules = 'libgvfsdbus.so: gio-vfs,gio-volume-monitor\nlibdconfsettings.so: gsettings-backend\nlibgiognutls.so: gio-tls-backend\n';
  const loaders = '"/usr/lib/x/loaders/libpixbufloader-png.so"\n"png" 5\n\n"/usr/lib/x/loaders/libpixbufloader-bmp.so"\n"bmp" 5\n';
  const items = [
    file('var/lib/systemd/random-seed', Buffer.alloc(512, 7)),
    file('var/lib/systemd/catalog/database', 'RHHHKSLP'),
    file('var/lib/systemd/deb-systemd-helper-enabled/ssh.service.dsh-also', '/etc/systemd/system/sshd.service\n'),
    file('etc/apt/apt.conf.d/01autoremove-kernels', 'APT::NeverAutoRemove { "^linux-image-6\\.1\\.0-host$"; };\n'),
    file('etc/apt/apt.conf.d/01autoremove', 'APT::NeverAutoRemove { };\n'),
    file('var/cache/debconf/templates.dat-old', 'old'),
    file('var/lib/dpkg/status-old', 'old'),
    file('var/lib/dpkg/diversions-old', 'old'),
    file('var/lib/ucf/hashfile.0', 'old'),
    file('var/lib/ucf/registry.3', 'old'),
    file('var/lib/ucf/hashfile', 'bbb  /etc/ssh/sshd_config\naaa  /etc/default/x\n'),
    file('var/lib/ucf/registry', 'openssh-server\t/etc/ssh/sshd_config\nfoo\t/etc/default/x\n'),
    file('var/cache/man/index.db', 'gdbm'),
    file('var/cache/man/de/index.db', 'gdbm'),
    file('var/cache/fontconfig/a1b2-le64.cache-8', 'cache'),
    file('usr/share/fonts/truetype/dejavu/.uuid', '6c3b7e2a-1f0e-4a5e-9b8f-0c2d7e4f5a6b'),
    file('usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 'font'),
    file('usr/lib/x86_64-linux-gnu/gio/modules/giomodule.cache', giomodules),
    file('usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache', loaders),
    file('etc/ssl/private/ssl-cert-snakeoil.key', 'key'),
    file('etc/ssl/certs/ssl-cert-snakeoil.pem', 'pem'),
    file('etc/ssl/certs/ca-certificates.crt', 'bundle'),
    file('usr/lib/python3/dist-packages/pkg/__pycache__/mod.cpython-311.pyc', 'pyc'),
    file('usr/lib/python3/dist-packages/pkg/mod.py', 'print(1)\n'),
    file('etc/shadow', 'root:*:20000:0:99999:7:::\nbuilder:!:20001:0:99999:7:::\n'),
  ];
  const out = await applyRulesToLayer(items, rules, { epoch: 0, layer: 0 });
  const by = new Map(out.map((i) => [i.entry.path, i]));
  for (const gone of [
    'var/lib/systemd/random-seed', 'var/lib/systemd/catalog/database', 'etc/apt/apt.conf.d/01autoremove-kernels',
    'var/cache/debconf/templates.dat-old', 'var/lib/dpkg/status-old', 'var/lib/dpkg/diversions-old', 'var/lib/ucf/hashfile.0',
    'var/lib/ucf/registry.3', 'var/cache/man/index.db', 'var/cache/man/de/index.db', 'var/cache/fontconfig/a1b2-le64.cache-8',
    'usr/share/fonts/truetype/dejavu/.uuid', 'etc/ssl/private/ssl-cert-snakeoil.key', 'etc/ssl/certs/ssl-cert-snakeoil.pem',
    'usr/lib/python3/dist-packages/pkg/__pycache__/mod.cpython-311.pyc',
  ]) {
    assert.ok(!by.has(gone), `${gone} deleted`);
  }
  // what those files are derived from, or sit next to, is kept as it was
  for (const [kept, body] of [
    ['var/lib/systemd/deb-systemd-helper-enabled/ssh.service.dsh-also', '/etc/systemd/system/sshd.service\n'],
    ['etc/apt/apt.conf.d/01autoremove', 'APT::NeverAutoRemove { };\n'],
    ['usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 'font'],
    ['etc/ssl/certs/ca-certificates.crt', 'bundle'],
    ['usr/lib/python3/dist-packages/pkg/mod.py', 'print(1)\n'],
    // loaders.cache: stanza order is loader precedence, so no rule touches it (a difference stays visible)
    ['usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache', loaders],
  ] as const) {
    assert.equal(await text(by.get(kept)), body, `${kept} unchanged`);
  }
  assert.equal(await text(by.get('usr/lib/x86_64-linux-gnu/gio/modules/giomodule.cache')), 'libdconfsettings.so: gsettings-backend\nlibgiognutls.so: gio-tls-backend\nlibgvfsdbus.so: gio-vfs,gio-volume-monitor\n');
  assert.equal(await text(by.get('var/lib/ucf/hashfile')), 'aaa  /etc/default/x\nbbb  /etc/ssh/sshd_config\n');
  assert.equal(await text(by.get('var/lib/ucf/registry')), 'foo\t/etc/default/x\nopenssh-server\t/etc/ssh/sshd_config\n');
  // /etc/shadow: only field 3 (the last password change day) goes; the password field and the rest stay
  assert.equal(await text(by.get('etc/shadow')), 'root:*::0:99999:7:::\nbuilder:!::0:99999:7:::\n');
  // every rule says why (the reason a report and --fix show)
  for (const r of rules.rules) assert.ok(r.reason?.category, `${JSON.stringify(r.match)} has a reason`);
});
