// Issue 13, reproduction 2: a chrooted phase reaches no host file. It writes /etc/resolv.conf (its own
// change lands in its layer, the host's file keeps its bytes and time), tries /sys (read-only there) and
// writes under /dev (a private tmpfs with only the usual devices), in its own mount, PID, UTS and IPC
// namespaces. The tree is a busybox-static base image made in code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { findCommand } from '../../src/core/find-command.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { assertNoStrayWrites, listTree, mountsUnder, runMeasured, sandbox } from '../helpers/hostile.js';
import { makeOciImage, type TestMember } from '../helpers/images.js';
import { firstSkip, requireRoot, requireTool } from '../helpers/tools.js';

const skip = firstSkip(requireRoot('chroot and mounts'), requireTool('busybox', 'busybox-static'), requireTool('getfattr', 'attr'));

const APPLETS = ['sh', 'cat', 'ls', 'readlink', 'grep', 'rm', 'ln', 'mkdir'];

async function busyboxBase(): Promise<TestMember[]> {
  const busybox = await readFile(findCommand('busybox')!);
  return [
    ...['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'run'].map((d): TestMember => ({ path: `${d}/`, type: 'dir' })),
    { path: 'bin/busybox', content: busybox, mode: 0o755 },
    ...APPLETS.map((a): TestMember => ({ path: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { path: 'etc/resolv.conf', content: 'nameserver 192.0.2.1\n' },
  ];
}

/** path → content (files), "-> target" (symlinks) or the type, per layer. */
async function layers(out: string): Promise<Map<string, string>[]> {
  const image = await openImage(out);
  const result: Map<string, string>[] = [];
  for (const layer of image.layers) {
    const m = new Map<string, string>();
    for await (const { entry, body } of readLayer(image, layer)) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      m.set(entry.path, entry.type === 'file' ? Buffer.concat(chunks).toString() : entry.type === 'symlink' ? `-> ${entry.linkname}` : entry.type);
    }
    result.push(m);
  }
  return result;
}

test('a chrooted phase writes /etc/resolv.conf, /sys and /dev: its layer has its own change, the host nothing', { skip }, async (t) => {
  const box = await sandbox(t, 'hostile-chroot-');
  const hostResolv = await readFile('/etc/resolv.conf').catch(() => undefined);
  const hostResolvTime = hostResolv ? (await stat('/etc/resolv.conf', { bigint: true })).mtimeNs : undefined;
  // Should the jail fail (it did: the file was bind-mounted read-write), the host gets its file back.
  t.after(async () => {
    if (hostResolv && !(await readFile('/etc/resolv.conf')).equals(hostResolv)) await writeFile('/etc/resolv.conf', hostResolv);
  });
  const devProbe = `/dev/repro-jail-${randomBytes(6).toString('hex')}`;
  t.after(() => rm(devProbe, { force: true }));
  const hostNs = Object.fromEntries(['mnt', 'pid', 'uts', 'ipc'].map((n) => [n, readlinkSync(`/proc/self/ns/${n}`)]));

  await makeOciImage(join(box.work, 'base'), { layers: [await busyboxBase()], compression: 'none' });
  const manifest = [
    'version: 1', 'name: chroot', 'epoch: 0', 'base: {image: base}', 'phases:',
    '  - name: writes',
    '    run:',
    '      - cat /etc/resolv.conf > /tmp/lent',
    '      - echo "nameserver 192.0.2.99" > /etc/resolv.conf',
    // the same value back: harmless on the host, refused on a read-only /sys
    '      - if echo "$(cat /sys/class/net/lo/tx_queue_len)" > /sys/class/net/lo/tx_queue_len 2>/dev/null; then echo writable; else echo refused; fi > /tmp/sys',
    '      - grep " /sys " /proc/mounts > /tmp/sys-mount',
    `      - echo probe > ${devProbe} && ls /dev > /tmp/dev`,
    '      - for n in mnt pid uts ipc; do readlink /proc/self/ns/$n; done > /tmp/ns',
    '  - name: leaves-it',
    '    run: ["mkdir /srv"]',
    '  - name: replaces-it',
    '    run: ["rm /etc/resolv.conf && ln -s ../run/resolv.conf /etc/resolv.conf"]',
  ].join('\n');
  await writeFile(join(box.work, 'm.yml'), manifest + '\n');
  const before = await listTree(box.root);
  const out = join(box.work, 'out.tar');
  const r = await runMeasured(['build', join(box.work, 'm.yml'), '-o', out], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 0, r.stderr);

  if (hostResolv) {
    assert.deepEqual(await readFile('/etc/resolv.conf'), hostResolv, 'the host resolv.conf keeps its bytes');
    assert.equal((await stat('/etc/resolv.conf', { bigint: true })).mtimeNs, hostResolvTime, '... and its time');
  }
  assert.equal(existsSync(devProbe), false, 'nothing written to the host /dev');
  assert.deepEqual(mountsUnder(box.root), [], 'no mount left');
  await assertNoStrayWrites(box, before, ['work/out.tar']);

  const [, writes, leaves, replaces] = await layers(out);
  assert.equal(writes!.get('etc/resolv.conf'), 'nameserver 192.0.2.99\n', "the phase's own resolv.conf is in its layer");
  assert.equal(writes!.get('tmp/lent'), hostResolv ? hostResolv.toString() : 'nameserver 192.0.2.1\n', 'the phase resolved names with the host content');
  assert.equal(writes!.get('tmp/sys'), 'refused\n');
  assert.match(writes!.get('tmp/sys-mount')!, /^sysfs \/sys sysfs ro,/);
  assert.deepEqual(writes!.get('tmp/dev')!.trim().split('\n').sort(), [
    'fd', 'full', 'null', 'ptmx', 'pts', 'random', devProbe.slice('/dev/'.length), 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero',
  ].sort());
  const ns = writes!.get('tmp/ns')!.trim().split('\n');
  ['mnt', 'pid', 'uts', 'ipc'].forEach((n, i) => assert.notEqual(ns[i], hostNs[n], `own ${n} namespace`));
  assert.deepEqual([...writes!.keys()].filter((p) => /^(dev|sys|proc)\//.test(p)), [], 'nothing of /dev, /sys or /proc in the layer');
  assert.deepEqual([...leaves!.keys()], ['srv'], 'a phase that leaves resolv.conf alone does not have it in its layer');
  assert.equal(replaces!.get('etc/resolv.conf'), '-> ../run/resolv.conf', 'a phase may replace the file: the symlink is in its layer');
});
