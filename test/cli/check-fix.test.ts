// `repro check --fix` is safe by construction: a real one-byte difference in a binary is never hidden
// (exit 1, the binary named with why no rule applies), and only --accept with a reason makes the check
// pass, recorded in the rules file and shown as accepted in the report. Every round stays in the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runRepro } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';

// A scratch image (offline, a second): a fresh machine-id, and a 4 KiB binary whose one byte at 0x800 is
// the length of the build's root path — the build-path variation makes it differ, deterministically. The
// mtimes are clamped (rules/common.yml): two concurrent builds that straddle a second boundary in one round
// and not in the other would otherwise add mtime findings to one round only.
const MANIFEST = `version: 1
name: one-byte
base: scratch
normalize: [common]
phases:
  - name: files
    run:
      - mkdir -p "$ROOTFS/etc" "$ROOTFS/opt"
      - od -An -tx1 -N16 /dev/urandom | tr -d ' \\n' > "$ROOTFS/etc/machine-id"
      - >-
        { head -c 2048 /dev/zero; printf "\\\\$(printf '%03o' $((\${#ROOTFS} % 256)))"; head -c 2047 /dev/zero; } > "$ROOTFS/opt/blob.bin"
`;

interface FixReport {
  reproducible: boolean;
  findings: { path: string; category: string; evidence: string; accepted?: string }[];
  fix: {
    converged: boolean;
    rounds: { round: number; categories: Record<string, number>; added: { rule: { match?: string; action: string }; explains: { path: string }[] }[] }[];
    remaining: { path: string; category: string; why: string }[];
  };
}

test('check --fix: a real one-byte binary difference is never hidden: exit 1, the binary named, every round kept', async (t) => {
  const dir = await testDir(t, 'repro-check-fix-');
  const manifest = join(dir, 'manifest.yml');
  await writeFile(manifest, MANIFEST);
  const json = join(dir, 'r.json');
  const md = join(dir, 'r.md');
  const rules = join(dir, 'rules.yml');
  const r = await runRepro(['check', manifest, '--fix', '--vary', 'build-path', '--emit-rules', rules, '--json', json, '--markdown', md]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^REPRODUCIBLE/m);
  assert.match(r.stdout, /\/opt\/blob\.bin {2}binary: /);
  assert.match(r.stdout, /no rule applied: .*binary difference may be real/);
  const report = JSON.parse(await readFile(json, 'utf8')) as FixReport;
  assert.equal(report.fix.converged, false);
  assert.deepEqual(report.fix.remaining.map((f) => `${f.path} ${f.category}`), ['/opt/blob.bin binary']);
  // Round 1 saw the machine-id and the binary and added the machine-id rule; round 2 saw the binary only.
  const [one, two] = report.fix.rounds;
  assert.ok(one && two, JSON.stringify(report.fix.rounds));
  assert.equal(one.categories['random-id'], 1);
  assert.equal(one.categories.binary, 1);
  const machineId = one.added.find((a) => a.rule.match === '/etc/machine-id');
  assert.equal(machineId?.rule.action, 'truncate');
  assert.deepEqual(machineId?.explains.map((f) => f.path), ['/etc/machine-id']);
  assert.ok(!one.added.some((a) => a.rule.match === '/opt/blob.bin'), 'no rule touches the binary');
  assert.deepEqual(two.categories, { binary: 1 });
  const written = parse(await readFile(rules, 'utf8')) as { rules: { match?: string; action: string; review?: boolean }[] };
  assert.ok(!written.rules.some((x) => x.match === '/opt/blob.bin' || x.review), 'the rules file neither deletes the binary nor holds review rules');
  const markdown = await readFile(md, 'utf8');
  assert.match(markdown, /Round 1/);
  assert.match(markdown, /\/etc\/machine-id/);
});

test('check --fix --accept GLOB --reason TEXT: exit 0, the accept rule recorded, the finding shown as accepted', async (t) => {
  const dir = await testDir(t, 'repro-check-fix-');
  const manifest = join(dir, 'manifest.yml');
  await writeFile(manifest, MANIFEST);
  const json = join(dir, 'r.json');
  const rules = join(dir, 'rules.yml');
  const r = await runRepro(['check', manifest, '--fix', '--vary', 'build-path', '--accept', '/opt/blob.bin', '--reason', 'vendor blob, checked by hand', '--emit-rules', rules, '--json', json]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(await readFile(json, 'utf8')) as FixReport;
  assert.equal(report.reproducible, true);
  // Builds that straddle a second also differ in the blob's mtime (no clamp rule when round 1 saw none):
  // that finding is accepted with the path too, so look for the content one.
  const blob = report.findings.find((f) => f.path === '/opt/blob.bin' && f.category === 'binary');
  assert.ok(blob, `still a binary difference: accepted, not fixed (${JSON.stringify(report.findings.filter((f) => f.path === '/opt/blob.bin'))})`);
  assert.equal(blob?.accepted, 'vendor blob, checked by hand');
  assert.match(blob?.evidence ?? '', /^accepted \(vendor blob, checked by hand\): /);
  const written = parse(await readFile(rules, 'utf8')) as { rules: { match?: string; action: string; because?: string }[] };
  assert.deepEqual(written.rules.filter((x) => x.action === 'accept'), [{ match: '/opt/blob.bin', action: 'accept', because: 'vendor blob, checked by hand' }]);
  // --accept without a reason is a usage error
  const bare = await runRepro(['check', manifest, '--accept', '/opt/blob.bin']);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /--accept needs --reason/);
});
