// `repro check` end to end on the offline demo manifest: every planted category found (exit 1), the
// emitted rules make the next check reproducible (exit 0), --fix converges, and errors exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro, PROJECT_ROOT } from '../helpers/cli.js';
import { testDir, type AfterHook } from '../helpers/tmp.js';

const DEMO = join(PROJECT_ROOT, 'fixtures/demo/manifest.yml');

async function withDir(t: AfterHook, fn: (dir: string) => Promise<void>): Promise<void> {
  await fn(await testDir(t, 'repro-check-cli-'));
}

test('check demo: NOT REPRODUCIBLE with every planted category; reports written; emitted rules remove most of it', async (t) => {
  await withDir(t, async (dir) => {
    const json = join(dir, 'r.json');
    const md = join(dir, 'r.md');
    const html = join(dir, 'r.html');
    const rules = join(dir, 'rules.yml');
    const r = await runRepro(['check', DEMO, '--json', json, '--markdown', md, '--html', html, '--emit-rules', rules]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout.split('\n')[0] ?? '', /^NOT REPRODUCIBLE/, 'the verdict comes first');
    assert.match(r.stdout, /build A: sha256:[0-9a-f]{64}/);
    assert.match(r.stdout, /build B: sha256:[0-9a-f]{64}/);
    const report = JSON.parse(await readFile(json, 'utf8')) as {
      schema: string;
      reproducible: boolean;
      findings: { path: string; category: string; inner?: string }[];
      builds: { label: string; manifestDigest: string }[];
      variations: { applied: { name: string }[]; skipped: { name: string; reason: string }[] };
      phases: { phase: string; identical: boolean }[];
    };
    assert.equal(report.schema, 'repro-report/2');
    assert.equal(report.reproducible, false);
    assert.equal(report.builds.length, 2);
    assert.notEqual(report.builds[0]?.manifestDigest, report.builds[1]?.manifestDigest);
    assert.deepEqual(report.phases.map((p) => p.phase), ['layout', 'generate', 'config']);
    assert.ok(report.variations.applied.some((v) => v.name === 'hostname'), 'hostname variation applied');
    // Without libfaketime the two builds run at the real clock, seconds apart: gzip's header time (whole
    // seconds) may then be equal, so the compression-metadata finding is asked for only when the clock moved.
    const timeVaried = report.variations.applied.some((v) => v.name === 'time');
    if (!timeVaried) assert.match(report.variations.skipped.find((v) => v.name === 'time')?.reason ?? '', /faketime/, 'the time variation says why it was skipped');
    const cats = new Set(report.findings.map((f) => f.category));
    for (const c of ['metadata', 'ordering', 'timestamp', 'random-id', 'build-env', ...(timeVaried ? ['compression-metadata'] : [])]) {
      assert.ok(cats.has(c), `category ${c} reported (got ${[...cats].join(', ')})`);
    }
    const byPath = (p: string): string[] => report.findings.filter((f) => f.path === p && !f.inner).map((f) => f.category);
    assert.ok(byPath('/etc/machine-id').includes('random-id'), 'machine-id');
    assert.ok(byPath('/usr/share/demo/plugins.list').includes('ordering'), 'plugins.list');
    if (timeVaried) assert.ok(byPath('/usr/share/demo/changelog.gz').includes('compression-metadata'), `changelog.gz: ${byPath('/usr/share/demo/changelog.gz').join(', ')}`);
    assert.ok(byPath('/usr/share/demo/build-info.json').includes('build-env'), 'the other hostname is named as build-env');
    assert.match(await readFile(md, 'utf8'), /sha256:|NOT|not reproducible/i);
    assert.match(await readFile(html, 'utf8'), /^<!doctype html>/i);
    assert.match(await readFile(rules, 'utf8'), /rules:/);

    // The emitted rules remove the non-mtime findings (the next test asks for exit 0 outright).
    const again = await runRepro(['check', DEMO, '--rules', rules, '--json', json]);
    assert.ok(again.code === 0 || again.code === 1, again.stderr);
    const second = JSON.parse(await readFile(json, 'utf8')) as typeof report;
    const notMtime = (r: typeof report): number => r.findings.filter((f) => f.category !== 'mtime').length;
    assert.ok(notMtime(second) * 2 < notMtime(report), `with the rules ${notMtime(second)} of ${notMtime(report)} non-mtime findings remain`);
    assert.ok(!second.findings.some((f) => f.category === 'metadata' && !f.inner), 'the umask-dependent modes are fixed (members of archives aside)');
    assert.ok(!second.findings.some((f) => f.path === '/etc/machine-id'), 'the random id is gone');
  });
});

// The loop: emit rules from one check, and a fresh check with them is reproducible.
test('check demo --rules with the emitted rules exits 0', async (t) => {
  await withDir(t, async (dir) => {
    const rules = join(dir, 'rules.yml');
    await runRepro(['check', DEMO, '--emit-rules', rules, '--quiet']);
    const again = await runRepro(['check', DEMO, '--rules', rules]);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout.split('\n')[0] ?? '', /^REPRODUCIBLE/);
  });
});

test('check --fix converges on the demo and writes the rules it converged to, which then reproduce', async (t) => {
  await withDir(t, async (dir) => {
    const rules = join(dir, 'fixed.yml');
    const r = await runRepro(['check', DEMO, '--fix', '--emit-rules', rules, '--max-rounds', '4']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /converged/);
    const lines = r.stdout.split('\n');
    const a = /build A: (sha256:\S+)/.exec(r.stdout)?.[1];
    const b = /build B: (sha256:\S+)/.exec(r.stdout)?.[1];
    assert.ok(a && a === b, `final digests identical: ${lines.slice(0, 3).join(' | ')}`);
    assert.match(await readFile(rules, 'utf8'), /version: 1/);
    const again = await runRepro(['check', DEMO, '--rules', rules, '--quiet']);
    assert.equal(again.code, 0, 'the converged rules make a fresh check reproducible');
  });
});

test('check --fix: rounds shrink the findings; what is left is listed with why; the rules file is written', async (t) => {
  await withDir(t, async (dir) => {
    const rules = join(dir, 'fixed.yml');
    const r = await runRepro(['check', DEMO, '--fix', '--emit-rules', rules, '--max-rounds', '3']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const rounds = /rounds: (.*)/.exec(r.stdout)?.[1] ?? '';
    const counts = [...rounds.matchAll(/(\d+): (\d+) findings/g)].map((m) => Number(m[2]));
    assert.ok(counts.length >= 1, r.stdout);
    if (r.code === 1) {
      assert.ok(counts.length >= 2 && counts.at(-1)! < counts[0]!, `findings shrink over the rounds: ${rounds}`);
      assert.match(r.stdout, /not converged: .+/);
      assert.match(r.stdout, /finding\(s\) (need a person|remain)/);
    } else assert.match(r.stdout, /converged/);
    const text = await readFile(rules, 'utf8');
    assert.match(text, /version: 1/);
    assert.match(text, /action: truncate/, 'the machine-id rule is part of what was accumulated');
  });
});

test('check --vary none --runs 3: a plain triple build, three digests', async (t) => {
  await withDir(t, async (dir) => {
    const json = join(dir, 'r.json');
    const r = await runRepro(['check', DEMO, '--vary', 'none', '--runs', '3', '--json', json, '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '', '--quiet prints nothing');
    const report = JSON.parse(await readFile(json, 'utf8')) as { builds: unknown[]; variations: { applied: unknown[] }; findings: { category: string }[] };
    assert.equal(report.builds.length, 3);
    assert.deepEqual(report.variations.applied, []);
    assert.ok(report.findings.some((f) => f.category === 'random-id'), 'the random id differs without any variation');
  });
});

test('check --json - writes the report alone on stdout', async () => {
  const r = await runRepro(['check', DEMO, '--vary', 'umask', '--json', '-']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { schema: string; variations: { applied: { name: string }[] } };
  assert.equal(report.schema, 'repro-report/2');
  assert.deepEqual(report.variations.applied.map((v) => v.name), ['umask']);
});

test('check --emit-rules - writes the rules alone on stdout (no file named "-"); two outputs on stdout are a usage error', async (t) => {
  const dir = await testDir(t, 'repro-check-cli-');
  const r = await runRepro(['check', DEMO, '--vary', 'umask', '--emit-rules', '-'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^# .*\n(#.*\n)*version: 1\nrules:\n/);
  assert.doesNotMatch(r.stdout, /NOT REPRODUCIBLE/, 'the terminal view is left out');
  assert.deepEqual(await readdir(dir), [], 'no file named "-"');
  const both = await runRepro(['check', DEMO, '--json', '-', '--emit-rules', '-'], { cwd: dir });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /only one of .* can be "-"/);
});

test('check errors exit 2 with one line', async (t) => {
  await withDir(t, async (dir) => {
    const missing = await runRepro(['check', join(dir, 'nope.yml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yml: no such manifest file/);
    const runs = await runRepro(['check', DEMO, '--runs', '1']);
    assert.equal(runs.code, 2);
    const vary = await runRepro(['check', DEMO, '--vary', 'moon']);
    assert.equal(vary.code, 2);
    assert.match(vary.stderr, /unknown variation "moon"/);
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'version: 1\nname: x\nbase: scratch\nphases:\n  - name: boom\n    run:\n      - exit 3\n');
    const failing = await runRepro(['check', bad, '--vary', 'none']);
    assert.equal(failing.code, 2);
    assert.match(failing.stderr, /exit|code 3/);
  });
});
