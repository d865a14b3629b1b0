// The real thing, slow (two debootstraps per check, ~5 minutes each on 2 cores) and needing root and a
// Debian mirror: runs only with REPRO_DEBIAN_TESTS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro, PROJECT_ROOT } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTool } from '../helpers/tools.js';

const DEBIAN = join(PROJECT_ROOT, 'fixtures/debian/manifest.yml');
const skip = firstSkip(
  process.env.REPRO_DEBIAN_TESTS === '1' ? false : 'slow (minutes, two debootstraps per round): set REPRO_DEBIAN_TESTS=1 to run it (.ci/run does)',
  requireRoot('debootstrap'),
  requireTool('debootstrap', 'debootstrap'),
);

interface Json {
  reproducible: boolean;
  findings: { path: string; category: string; package?: string }[];
  packages: { packages: { name: string; files: { path: string }[] }[]; unowned: { path: string; categories: string[] }[] } | null;
}

test('debian: check finds the known sources, attributes them to packages, and --fix converges', { skip, timeout: 60 * 60 * 1000 }, async (t) => {
  const dir = await testDir(t, 'repro-debian-check-');
  const json = join(dir, 'r.json');
  const first = await runRepro(['check', DEBIAN, '--json', json]);
  assert.equal(first.code, 1, first.stderr);
  // The first screen: host keys, machine id, logs and the ldconfig cache are listed before any mtime line,
  // and mtime-only differences are summarised per directory, not listed one by one.
  const screen = first.stdout.slice(first.stdout.indexOf('\nto act on\n'));
  const summary = screen.search(/\d+ mtime-only differences? in \d+ director/);
  assert.ok(summary > 0, 'mtime-only differences are summarised');
  assert.doesNotMatch(screen, /^\s+\S+\s+mtime \d+ vs \d+$/m, 'no mtime-only path listed one by one');
  for (const p of [/\/etc\/ssh\/ssh_host_\w+_key/, /\/etc\/machine-id/, /\/var\/log\/dpkg\.log/, /\/var\/cache\/ldconfig\/aux-cache/]) {
    const at = screen.search(p);
    assert.ok(at >= 0 && at < summary, `${p} is listed before the mtime summary`);
  }
  const r = JSON.parse(await readFile(json, 'utf8')) as Json;
  const cats = (p: string): string[] => r.findings.filter((f) => f.path === p).map((f) => f.category);
  assert.ok(cats('/etc/machine-id').includes('random-id'));
  assert.ok(cats('/var/log/dpkg.log').includes('timestamp'));
  assert.ok(r.packages, 'a Debian image gets package attribution');
  assert.ok(r.packages.unowned.some((f) => f.path === '/etc/machine-id'), 'machine-id is made by a maintainer script, not shipped');
  assert.ok(r.packages.packages.length > 10);
  assert.ok(r.findings.some((f) => f.package), 'findings carry their package');

  const rules = join(dir, 'fixed.yml');
  const fix = await runRepro(['check', DEBIAN, '--fix', '--max-rounds', '3', '--emit-rules', rules]);
  assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  assert.match(fix.stdout, /^REPRODUCIBLE/);
  const again = await runRepro(['check', DEBIAN, '--rules', rules, '--quiet']);
  assert.equal(again.code, 0, 'the converged rules reproduce on their own');
});

interface ExplainJson {
  findings: { path: string; category: string; package?: string; cause?: { variations: string[]; withoutVariation: boolean }; step?: { phase: string; action: string; package?: string } }[];
  packages: { identical: number; unowned: { path: string; step?: { action: string; package?: string } }[] } | null;
}

test('debian: check --explain attributes every finding to a cause, and each unowned file to its build step', { skip, timeout: 90 * 60 * 1000 }, async (t) => {
  const dir = await testDir(t, 'repro-debian-explain-');
  const json = join(dir, 'r.json');
  // mtimes clamped, so what is left is content; two variations keep the rebuilds to three (none, time,
  // hostname) besides the two builds. The README's walk-through is this run.
  const run = await runRepro(['check', DEBIAN, '--rules', 'common', '--vary', 'time,hostname', '--explain', '--json', json]);
  assert.equal(run.code, 1, run.stderr);
  const r = JSON.parse(await readFile(json, 'utf8')) as ExplainJson;
  const unexplained = r.findings.filter((f) => !f.cause);
  assert.deepEqual(unexplained.map((f) => f.path), [], 'every finding has a cause');
  const step = (p: string): { phase: string; action: string; package?: string } | undefined => r.findings.find((f) => f.path === p)?.step;
  // (a placement near the next step's start also names that step as a heuristic: `orNext`)
  assert.equal(step('/etc/machine-id')?.package, 'systemd');
  assert.equal(step('/etc/machine-id')?.action, 'configure');
  for (const key of ['rsa', 'ecdsa', 'ed25519']) {
    const s = step(`/etc/ssh/ssh_host_${key}_key`);
    assert.equal(s?.package, 'openssh-server', key);
    assert.equal(s?.action, 'configure', key);
  }
  // bookworm splits dbus: the postinst of dbus-daemon (or dbus) runs dbus-uuidgen
  assert.match(step('/var/lib/dbus/machine-id')?.package ?? '', /^dbus/);
  assert.equal(step('/var/log/dpkg.log')?.action, 'dpkg');
  assert.equal(step('/var/log/apt/history.log')?.action, 'apt');
  assert.ok(r.packages && r.packages.identical > 100, 'with mtimes clamped, nearly every package is identical');
  const unowned = r.packages.unowned.filter((u) => !u.step).map((u) => u.path);
  assert.deepEqual(unowned, [], 'every unowned differing path has its step');
});
