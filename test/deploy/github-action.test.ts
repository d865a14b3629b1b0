// The GitHub Action: action.yml and the example workflow parse, and name only inputs, outputs, steps,
// jobs and files that exist; the entry script (src/cli/github-action.ts) runs here as the action's step
// runs it, with GITHUB_STEP_SUMMARY and GITHUB_OUTPUT pointed at temp files, for a reproducible manifest,
// one that is not, one that fails, and the merge of their reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { RANDOM_MANIFEST, SAME_MANIFEST } from '../helpers/repro-shim.js';
import { testDir } from '../helpers/tmp.js';

interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; run: string; if?: string; env?: Record<string, string> }[] };
}
interface Workflow { jobs: Record<string, { needs?: string; strategy?: { matrix: { manifest: string[] } }; steps: { id?: string; uses?: string; with?: Record<string, string> }[] }> }

const ENTRY = join(PROJECT_ROOT, 'src/cli/github-action.ts');
const TSX = import.meta.resolve('tsx');

/** What the entry script writes to GITHUB_OUTPUT, by name. */
const ENTRY_OUTPUTS = ['verdict', 'dir', 'json', 'markdown', 'html', 'rules'];

const refs = (text: string, re: RegExp): string[][] => [...text.matchAll(re)].map((m) => m.slice(1));

test('action.yml: composite, every input it reads is declared and every declared one is read, outputs come from its step', async () => {
  const text = await readFile(join(PROJECT_ROOT, 'action.yml'), 'utf8');
  const action = parse(text) as Action;
  assert.equal(action.runs.using, 'composite');
  for (const k of ['manifest', 'rules', 'fix', 'vary', 'explain']) assert.ok(action.inputs[k], `input ${k}`);
  const used = new Set(refs(text, /inputs\.([\w-]+)/g).map(([n]) => n!));
  assert.deepEqual([...used].sort(), Object.keys(action.inputs).sort());
  const ids = action.runs.steps.map((s) => s.id).filter(Boolean);
  for (const [name, o] of Object.entries(action.outputs)) {
    const m = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(o.value);
    assert.ok(m, `output ${name}`);
    assert.ok(ids.includes(m[1]), `output ${name}: step ${m[1]} exists`);
    assert.ok(ENTRY_OUTPUTS.includes(m[2]!), `output ${name}: the entry script writes ${m[2]}`);
  }
  // each INPUT_ variable the step sets is one the entry script reads, and the files the steps run exist
  const entry = await readFile(ENTRY, 'utf8');
  const read = refs(entry, /input\('([\w-]+)'\)|flag\('([\w-]+)'\)/g).map(([a, b]) => (a ?? b)!.toUpperCase());
  const step = action.runs.steps.find((s) => s.id === 'repro')!;
  assert.deepEqual(Object.keys(step.env!).map((k) => k.replace(/^INPUT_/, '')).sort(), [...new Set(read)].sort());
  assert.match(step.run, /"\$GITHUB_ACTION_PATH\/dist\/src\/cli\/github-action\.js"/);
  await access(join(PROJECT_ROOT, 'scripts/install-system-deps.sh'));
  assert.ok(action.runs.steps.some((s) => s.run.includes('scripts/install-system-deps.sh')));
});

test('the example workflow: a matrix of existing manifests through the action, then a merge job that needs it', async () => {
  const action = parse(await readFile(join(PROJECT_ROOT, 'action.yml'), 'utf8')) as Action;
  const text = await readFile(join(PROJECT_ROOT, 'examples/github/reproducibility.yml'), 'utf8');
  const wf = parse(text) as Workflow;
  assert.deepEqual(Object.keys(wf.jobs), ['check', 'merge']);
  assert.equal(wf.jobs.merge!.needs, 'check');
  for (const m of wf.jobs.check!.strategy!.matrix.manifest) await access(join(PROJECT_ROOT, m));
  for (const job of Object.values(wf.jobs)) {
    const ids = job.steps.map((s) => s.id).filter(Boolean);
    for (const s of job.steps.filter((x) => x.uses === './')) {
      for (const k of Object.keys(s.with ?? {})) assert.ok(action.inputs[k], `with: ${k} is an input of action.yml`);
    }
    for (const [id, out] of refs(JSON.stringify(job), /steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      assert.ok(ids.includes(id), `step ${id} exists in its job`);
      assert.ok(action.outputs[out!], `${out} is an output of action.yml`);
    }
  }
});

function runEntry(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, ENTRY], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const outputsOf = async (file: string): Promise<Record<string, string>> =>
  Object.fromEntries((await readFile(file, 'utf8')).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

test('the entry script: summary and outputs for a reproducible, a non-reproducible and a failing manifest, then the merge', { timeout: 180_000 }, async (t) => {
  const ws = await testDir(t, 'gha-');
  await mkdir(join(ws, 'images/same'), { recursive: true });
  await mkdir(join(ws, 'images/rand'), { recursive: true });
  await writeFile(join(ws, 'images/same/manifest.yml'), SAME_MANIFEST);
  await writeFile(join(ws, 'images/rand/manifest.yml'), RANDOM_MANIFEST);
  const cases = [
    ['images/same/manifest.yml', 0, 'reproducible', /^## ✅ repro check: reproducible/m],
    ['images/rand/manifest.yml', 1, 'not-reproducible', /^## ❌ repro check: not reproducible/m],
    ['images/gone/manifest.yml', 2, 'error', /^## ⚠️ repro check: error\n\n`images\/gone\/manifest\.yml`: images\/gone\/manifest\.yml: no such manifest file$/m],
  ] as const;
  for (const [manifest, code, verdict, heading] of cases) {
    const summary = join(ws, `summary-${verdict}.md`);
    const output = join(ws, `output-${verdict}.txt`);
    await writeFile(summary, '');
    await writeFile(output, '');
    // explain on the image that differs: the cause reaches the merged summary below
    const explain = code === 1 ? 'true' : 'false';
    const r = await runEntry({ INPUT_MANIFEST: manifest, INPUT_VARY: 'hostname', INPUT_FIX: 'false', INPUT_EXPLAIN: explain, INPUT_RULES: '', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output }, ws);
    assert.equal(r.code, code, r.stderr);
    assert.match(await readFile(summary, 'utf8'), heading);
    const out = await outputsOf(output);
    const base = `repro-reports/${manifest.replace(/\.yml$/, '')}`;
    assert.equal(out.verdict, verdict);
    assert.equal(out.dir, 'repro-reports');
    assert.equal(out.json, `${base}.json`);
    if (code < 2) {
      assert.deepEqual(out, { verdict, dir: 'repro-reports', json: `${base}.json`, markdown: `${base}.md`, html: `${base}.html` });
      assert.match(await readFile(join(ws, out.html!), 'utf8'), /^<!doctype html>/i);
    }
    const json = JSON.parse(await readFile(join(ws, out.json!), 'utf8')) as { schema: string };
    assert.equal(json.schema, code < 2 ? 'repro-report/2' : 'repro-check-error/1');
  }
  const summary = join(ws, 'summary-merge.md');
  const output = join(ws, 'output-merge.txt');
  const r = await runEntry({ INPUT_MERGE: 'repro-reports', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output }, ws);
  assert.equal(r.code, 2, r.stderr);
  const merged = await readFile(summary, 'utf8');
  assert.match(merged, /^## ❌ repro fleet: 3 images: 1 reproducible, 1 not reproducible, 1 error$/m);
  // the random id differs with no variation at all: that is what --explain found
  assert.match(merged, /^\| no variation \| 1 \| 1 \|$/m);
  assert.deepEqual(await outputsOf(output), { verdict: 'error', dir: 'repro-fleet', json: 'repro-fleet/fleet.json', markdown: 'repro-fleet/fleet.md', html: 'repro-fleet/fleet.html' });
});
