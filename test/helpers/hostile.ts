// Shared pieces of the hostile-input suites (test/hostile, test/image/hostile-*, the fuzz tests): a sandbox
// with its own REPRO_TMPDIR and cwd, for a child process or for in-process code (inSandbox), tree snapshots
// to prove nothing was written where it should not be (assertNoStrayWrites), and a CLI runner that measures
// the child's wall time and peak RSS (GNU time's %M: the kernel's ru_maxrss of the child, not of the test).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './cli.js';
import { testDir, type AfterHook } from './tmp.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx by absolute URL: `--import tsx` resolves from the cwd, and the sandbox cwd has no node_modules. */
const TSX = import.meta.resolve('tsx');
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Sandbox {
  /** Parent of everything below: the snapshot covers it whole. */
  root: string;
  /** REPRO_TMPDIR for the child: must be empty again once the child exits. */
  tmp: string;
  /** The child's cwd: a member written under its own (relative) name would land here. */
  cwd: string;
  /** Inputs and outputs of the test. */
  work: string;
  env: Record<string, string>;
}

/** A fresh sandbox, removed after the test. */
export async function sandbox(t: AfterHook, prefix = 'hostile-'): Promise<Sandbox> {
  const root = await testDir(t, prefix);
  const box = { root, tmp: join(root, 'tmp'), cwd: join(root, 'cwd'), work: join(root, 'work') };
  for (const d of [box.tmp, box.cwd, box.work]) await mkdir(d);
  return { ...box, env: { REPRO_TMPDIR: box.tmp } };
}

/** Every path under `dir` (relative), sorted: compare before/after to catch a stray write. */
export async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(d.parentPath, d.name).slice(dir.length + 1) + (d.isDirectory() ? '/' : ''));
  }
  return out.sort();
}

/**
 * Asserts that the sandbox holds what `before` (listTree(box.root) taken earlier) held, plus the declared
 * `outputs` (paths relative to the root) and nothing else: no file appeared or vanished anywhere under it,
 * REPRO_TMPDIR is empty again, and nothing was written to the cwd.
 */
export async function assertNoStrayWrites(box: Sandbox, before: string[], outputs: string[] = []): Promise<void> {
  const declared = (p: string): boolean => outputs.some((o) => p === o || p === o + '/' || p.startsWith(o + '/'));
  const after = await listTree(box.root);
  const added = after.filter((p) => !before.includes(p) && !declared(p));
  const removed = before.filter((p) => !after.includes(p) && !declared(p));
  assert.deepEqual(added, [], 'nothing written besides the outputs');
  assert.deepEqual(removed, [], 'nothing removed from the sandbox');
  assert.deepEqual(await listTree(box.tmp), [], 'REPRO_TMPDIR empty after exit');
  assert.deepEqual(await listTree(box.cwd), [], 'nothing in the cwd');
}

/**
 * Runs in-process code the way the CLI runs in a sandbox: REPRO_TMPDIR is box.tmp and the cwd is box.cwd
 * (a member written under its own relative name would land there) until `fn` settles; both are restored.
 */
export async function inSandbox<T>(box: Sandbox, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.REPRO_TMPDIR;
  const cwd = process.cwd();
  process.env.REPRO_TMPDIR = box.tmp;
  process.chdir(box.cwd);
  try {
    return await fn();
  } finally {
    process.chdir(cwd);
    if (saved === undefined) delete process.env.REPRO_TMPDIR;
    else process.env.REPRO_TMPDIR = saved;
  }
}

export interface MeasuredResult extends CliResult {
  ms: number;
  /** Peak resident set of the child in MiB (GNU time %M), NaN when /usr/bin/time is absent. */
  rssMiB: number;
  /** CPU time of the child, user + system, in ms (GNU time %U %S), NaN when /usr/bin/time is absent. */
  cpuMs: number;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Called once the child is spawned (to signal it). */
  onSpawn?: (child: ChildProcess) => void;
}

const TIME = '/usr/bin/time';

/**
 * Run the CLI (node + tsx directly, no npm or shell in between, so signals reach repro itself) and measure
 * it. With GNU time present the child is `time -f ... -o FILE node ...`; time passes signals through
 * only by dying, so callers that signal get the node process via `onSpawn` when measurement is off.
 */
export function runMeasured(args: string[], opts: RunOptions & { measure?: boolean } = {}): Promise<MeasuredResult> {
  const measure = (opts.measure ?? true) && existsSync(TIME);
  const timeFile = join(tmpdir(), `repro-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const node = [process.execPath, '--import', TSX, MAIN, ...args];
  const argv = measure ? [TIME, '-f', '%M %e %U %S', '-o', timeFile, ...node] : node;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd ?? PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    opts.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      let rssMiB = NaN;
      let cpuMs = NaN;
      if (measure && existsSync(timeFile)) {
        const text = readFileSync(timeFile, 'utf8');
        const m = /(\d+) [\d.]+ ([\d.]+) ([\d.]+)\s*$/.exec(text);
        if (m) {
          rssMiB = Number(m[1]) / 1024;
          cpuMs = (Number(m[2]) + Number(m[3])) * 1000;
        }
        void rm(timeFile, { force: true });
        // GNU time reports "Command exited with non-zero status N" first: the exit code is ours to keep
      }
      resolve({ code: code ?? -1, stdout, stderr, ms, rssMiB, cpuMs, signal });
    });
  });
}

/** Lines of /proc/self/mountinfo that mention `path` (mounts left behind under a work dir). */
export function mountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(path));
}

/** Assert-friendly: stderr has exactly one line and no stack frame. */
export function oneLine(stderr: string): string | undefined {
  const lines = stderr.trimEnd().split('\n').filter((l) => l !== '');
  if (lines.length !== 1 || /\n\s+at /.test(stderr)) return undefined;
  return lines[0];
}
