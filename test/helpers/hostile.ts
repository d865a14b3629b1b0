// Shared pieces of the hostile-input suite (test/hostile): a sandbox with its own REPRO_TMPDIR and cwd,
// tree snapshots to prove nothing was written where it should not be, and a CLI runner that measures the
// child's wall time and peak RSS (GNU time's %M: the kernel's ru_maxrss of the child, not of the test).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './cli.js';

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
export async function sandbox(t: { after: (fn: () => Promise<void>) => void }, prefix = 'hostile-'): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(root, { recursive: true, force: true }));
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

export interface MeasuredResult extends CliResult {
  ms: number;
  /** Peak resident set of the child in MiB (GNU time %M), NaN when /usr/bin/time is absent. */
  rssMiB: number;
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
  const argv = measure ? [TIME, '-f', '%M %e', '-o', timeFile, ...node] : node;
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
      if (measure && existsSync(timeFile)) {
        const text = readFileSync(timeFile, 'utf8');
        const m = /(\d+) [\d.]+\s*$/.exec(text);
        if (m) rssMiB = Number(m[1]) / 1024;
        void rm(timeFile, { force: true });
        // GNU time reports "Command exited with non-zero status N" first: the exit code is ours to keep
      }
      resolve({ code: code ?? -1, stdout, stderr, ms, rssMiB, signal });
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
