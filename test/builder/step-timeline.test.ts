import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildManifest } from '../../src/builder/builder.js';
import { debootstrapStep, dpkgStatusStep, ownFileStep, StepTimeline, TICK_NS } from '../../src/builder/step-timeline.js';
import { stepText } from '../../src/core/step.js';
import { layerTar } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';

// Lines as dpkg wrote them on --status-fd during `apt-get install systemd dbus openssh-server` on bookworm,
// with the time (ms after the apt step began) the builder read each one.
const RECORDED = `
0 repro-step: install
4000 processing: install: libssl3:amd64
4002 status: libc-bin: triggers-pending
4006 status: libssl3:amd64: half-installed
4328 status: libssl3:amd64: unpacked
12692 processing: configure: dbus-daemon
12744 processing: configure: dbus
16421 processing: configure: systemd
16660 processing: trigproc: libc-bin
16676 status: libc-bin: installed
`;

function recorded(slackMs: number): StepTimeline {
  const t = new StepTimeline('packages');
  for (const line of RECORDED.trim().split('\n')) {
    const [ms, ...rest] = line.split(' ');
    const text = rest.join(' ');
    const marker = /^repro-step: (\S+)$/.exec(text);
    const step = marker ? { action: 'apt-get' as const, detail: marker[1]! } : dpkgStatusStep(text);
    if (step) t.add({ atNs: BigInt(Number(ms)) * 1_000_000n, slackNs: BigInt(slackMs) * 1_000_000n, ...step });
  }
  return t;
}

const ms = (n: number): bigint => BigInt(Math.round(n * 1_000_000));

test('dpkg status lines: processing stages are steps (install → unpack, trigproc → trigger), status changes are not', () => {
  assert.deepEqual(dpkgStatusStep('processing: install: libssl3:amd64'), { action: 'unpack', package: 'libssl3' });
  assert.deepEqual(dpkgStatusStep('processing: upgrade: dpkg'), { action: 'unpack', package: 'dpkg' });
  assert.deepEqual(dpkgStatusStep('processing: configure: systemd'), { action: 'configure', package: 'systemd' });
  assert.deepEqual(dpkgStatusStep('processing: trigproc: man-db:amd64'), { action: 'trigger', package: 'man-db' });
  assert.deepEqual(dpkgStatusStep('processing: purge: foo'), { action: 'purge', package: 'foo' });
  assert.equal(dpkgStatusStep('status: libc-bin: triggers-pending'), undefined);
  assert.equal(dpkgStatusStep('status: /etc/x : conffile-prompt : a b 0 0'), undefined);
  assert.equal(dpkgStatusStep('processing: frobnicate: foo'), undefined, 'an unknown stage is not guessed');
});

test('debootstrap progress lines: per-package stages, and its own stages', () => {
  assert.deepEqual(debootstrapStep('I: Configuring libc-bin...'), { action: 'configure', package: 'libc-bin' });
  assert.deepEqual(debootstrapStep('I: Unpacking libc6:amd64...'), { action: 'unpack', package: 'libc6' });
  assert.deepEqual(debootstrapStep('I: Extracting zlib1g...'), { action: 'extract', package: 'zlib1g' });
  assert.deepEqual(debootstrapStep('I: Unpacking the base system...'), { action: 'base', detail: 'debootstrap: Unpacking the base system' });
  assert.equal(debootstrapStep('Selecting previously unselected package x.'), undefined);
});

test('a change time is placed in the step that began last before it; near the next start it is a heuristic', () => {
  const t = recorded(30);
  // /etc/machine-id: 76 ms into systemd's configure, 163 ms before the trigger
  assert.deepEqual(t.place('etc/machine-id', ms(16421 + 76.3)), { phase: 'packages', action: 'configure', package: 'systemd', method: 'change-time' });
  // /var/lib/dbus/machine-id: 7 ms into dbus-daemon's configure, 45 ms before dbus's: outside the 30 ms slack
  assert.equal(t.place('var/lib/dbus/machine-id', ms(12692 + 7))?.package, 'dbus-daemon');
  assert.equal(t.place('var/lib/dbus/machine-id', ms(12692 + 7))?.orNext, undefined);
  // 20 ms before dbus's configure was read: it may already be dbus's (the line came late, the tick is coarse)
  const near = t.place('etc/x', ms(12744 - 20));
  assert.equal(near?.package, 'dbus-daemon');
  assert.deepEqual(near?.orNext, { action: 'configure', package: 'dbus' });
  assert.match(stepText(near!), /^dbus-daemon \(configure\), phase packages \(heuristic: .*dbus \(configure\)/);
  // with a smaller slack (a quiet event loop) the same change is placed for sure
  assert.equal(recorded(10).place('etc/x', ms(12744 - 20))?.orNext, undefined);
  // status lines other than stage starts are not steps: the trigger is the last one
  assert.deepEqual(t.place('etc/ld.so.cache', ms(16660 + 6)), { phase: 'packages', action: 'trigger', package: 'libc-bin', method: 'change-time' });
  // before the first step of the phase: not placed
  assert.equal(t.place('etc/early', -1n), undefined);
  // the apt-get script's own marker
  assert.deepEqual(t.place('var/lib/ucf/x', ms(100)), { phase: 'packages', action: 'apt-get', detail: 'install', method: 'change-time' });
});

test('dpkg and apt own their database, caches and logs, whatever step last wrote them', () => {
  const t = recorded(30);
  const late = ms(16660 + 13);
  assert.deepEqual(t.place('var/log/dpkg.log', late), { phase: 'packages', action: 'dpkg', method: 'own-file' });
  assert.deepEqual(t.place('var/lib/dpkg/status-old', late), { phase: 'packages', action: 'dpkg', method: 'own-file' });
  assert.deepEqual(t.place('var/lib/dpkg/triggers/File', late), { phase: 'packages', action: 'dpkg', method: 'own-file' });
  assert.deepEqual(t.place('var/lib/dpkg/info/libdevmapper1.02.1:amd64.list', late), { phase: 'packages', action: 'dpkg', package: 'libdevmapper1.02.1', method: 'own-file' });
  for (const p of ['var/log/apt/history.log', 'var/log/apt/eipp.log.xz', 'var/cache/apt/pkgcache.bin', 'var/lib/apt/extended_states']) {
    assert.equal(ownFileStep(p, 'packages')?.action, 'apt', p);
  }
  // update-alternatives and dpkg-statoverride run from maintainer scripts: placed by time, not dpkg's own
  assert.equal(ownFileStep('var/lib/dpkg/alternatives/editor', 'packages'), undefined);
  assert.equal(ownFileStep('var/log/alternatives.log', 'packages'), undefined);
  assert.equal(stepText({ phase: 'packages', action: 'dpkg', method: 'own-file' }), 'dpkg itself (its database and log), phase packages');
});

test('builder: each unowned path of a layer gets the run command or files step that made it; owned paths none', async (t) => {
  const dir = await testDir(t, 'repro-steps-');
  // A tree with a dpkg database that lists /usr/bin/tool (and its directories), and no shell: phases run
  // on the host with $ROOTFS.
  await writeFile(
    join(dir, 'root.tar'),
    await layerTar([
      { path: 'etc/', type: 'dir' },
      { path: 'usr/', type: 'dir' },
      { path: 'usr/bin/', type: 'dir' },
      { path: 'usr/bin/tool', content: 'v1' },
      { path: 'var/', type: 'dir' },
      { path: 'var/lib/', type: 'dir' },
      { path: 'var/lib/dpkg/', type: 'dir' },
      { path: 'var/lib/dpkg/info/', type: 'dir' },
      { path: 'var/lib/dpkg/info/tool.list', content: '/.\n/usr\n/usr/bin\n/usr/bin/tool\n' },
    ]),
  );
  await mkdir(join(dir, 'x'));
  const manifest = [
    'name: steps',
    'epoch: 0',
    'base: {tarball: root.tar}',
    'phases:',
    '  - name: setup',
    '    files: [{dest: /etc/hostname, content: "h\\n"}]',
    '    run:',
    '      - \'head -c 16 /dev/urandom | od -An -tx1 > "$ROOTFS/etc/machine-id"\'',
    '      - \'echo v2 > "$ROOTFS/usr/bin/tool"; echo log >> "$ROOTFS/var/lib/dpkg/status"\'',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), manifest + '\n');
  const r = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'out.tar') });
  const steps = r.steps?.[1];
  assert.ok(steps, 'the phase layer has a step record');
  const text = Object.fromEntries([...steps].map(([p, s]) => [p, stepText(s)]));
  assert.equal(text['/etc/hostname'], 'files: /etc/hostname, phase setup');
  assert.match(text['/etc/machine-id'] ?? '', /^run: head -c 16 .*, phase setup$/);
  assert.equal(text['/var/lib/dpkg/status'], 'dpkg itself (its database and log), phase setup');
  assert.equal(text['/usr/bin/tool'], undefined, 'a path a package lists has its package, not a step');
  // the base tarball: no timeline of its own (not debootstrap), so nothing is placed there
  assert.equal(r.steps?.[0]?.size ?? 0, 0);
  // steps the builder runs itself are a clock tick apart: their boundaries are exact, never a heuristic
  for (const [p, s] of steps) assert.equal(s.orNext, undefined, p);
  assert.ok(TICK_NS > 0n);
});

test('debootstrap: an unowned file changed while debootstrap extracts packages is debootstrap\'s own', () => {
  const t = new StepTimeline('base');
  t.add({ atNs: 0n, slackNs: 0n, action: 'extract', package: 'zlib1g' });
  t.add({ atNs: ms(500), slackNs: 0n, action: 'base', detail: 'debootstrap: Installing core packages' });
  t.add({ atNs: ms(600), slackNs: 0n, action: 'configure', package: 'base-files' });
  assert.equal(stepText(t.place('etc/hostname', ms(100))!), 'debootstrap, phase base');
  assert.equal(stepText(t.place('etc/motd', ms(700))!), 'base-files (configure), phase base');
});
