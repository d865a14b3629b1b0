import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { commandLine, runInTree, type RunContext } from '../../src/builder/chroot.js';
import { runLogged } from '../../src/core/process.js';
import { testDir } from '../helpers/tmp.js';

const ctx = (over: Partial<RunContext> = {}): RunContext => ({ root: '/r', chroot: true, env: {}, umask: '0022', wrap: [], ...over });

test('chroot runs go through private mount, pid, uts and ipc namespaces; the wrap prefix comes first', () => {
  const argv = commandLine(ctx({ wrap: ['faketime', '+3d'], hostname: 'h' }), 'make');
  assert.deepEqual(argv.slice(0, 3), ['faketime', '+3d', 'unshare']);
  for (const flag of ['--mount', '--pid', '--fork', '--kill-child', '--uts', '--ipc']) assert.ok(argv.includes(flag), flag);
  assert.deepEqual(argv.slice(-7), ['/r', '0022', 'h', '', '', '', 'make']);
  const script = argv[argv.indexOf('-c') + 1]!;
  assert.match(script, /mount -t proc .*proc "\$R\/proc"/);
  assert.match(script, /mount -t sysfs -o ro,/);
  assert.match(script, /mount -t tmpfs .* "\$R\/dev"/);
  assert.deepEqual(script.match(/--r?bind [^;\n]*/g), ['--bind "$R" "$O"', '--bind -o ro,nosuid,nodev "$d" "$R$d"'], "nothing of the host is bound into the tree but the wrap's directories, read-only; the tree itself only onto disorderfs's lower directory");
  assert.match(script, /exec chroot "\$@" "\$R"/);
  assert.ok(commandLine(ctx(), 'x').includes('--uts'), 'a UTS namespace even without a hostname');
});

test("the wrap's directories are lent read-only after the private /dev/shm, and only from under /dev/shm", () => {
  const argv = commandLine(ctx({ wrapDirs: ['/dev/shm/repro-faketime-x'] }), 'make');
  assert.deepEqual(argv.slice(-2), ['make', '/dev/shm/repro-faketime-x']);
  const script = argv[argv.indexOf('-c') + 1]!;
  assert.ok(script.indexOf('mount --bind -o ro,') > script.indexOf('repro-shm "$R/dev/shm"'), 'bound after the tmpfs is mounted');
  for (const bad of ['/tmp/x', '/dev/shm', '/dev/shm/../../etc', '/dev/shm/a\nb']) {
    assert.throws(() => commandLine(ctx({ wrapDirs: [bad] }), 'make'), /outside \/dev\/shm/, bad);
  }
  assert.deepEqual(commandLine(ctx({ chroot: false, wrapDirs: ['/dev/shm/x'] }), 'make').slice(0, 2), ['/bin/sh', '-c'], 'host runs see the host path itself');
});

test('host runs (scratch) get $ROOTFS-relative cwd, the umask and only the given environment', async (t) => {
  const root = await testDir(t, 'repro-run-');
  const r = await runInTree(
    { root, chroot: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ONLY: 'this' }, umask: '0077', wrap: [] },
    'touch f && env | sort > env.txt && pwd',
  );
  assert.equal(r.code, 0);
  assert.deepEqual(r.tail, [root]);
  assert.equal((await stat(join(root, 'f'))).mode & 0o777, 0o600);
  const env = await readFile(join(root, 'env.txt'), 'utf8');
  assert.match(env, /^ONLY=this$/m);
  assert.doesNotMatch(env, /^HOME=/m, 'nothing inherited from the caller');
});

test('runLogged keeps the last lines and the exit code', async () => {
  const r = await runLogged(['/bin/sh', '-c', 'for i in $(seq 1 50); do echo line$i; done; exit 4'], { env: {}, tailLines: 3 });
  assert.equal(r.code, 4);
  assert.deepEqual(r.tail, ['line48', 'line49', 'line50']);
});
