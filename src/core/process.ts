// A general process runner: the builder's phases, its bases (debootstrap) and an external builder run
// their commands through it.
import { spawn } from 'node:child_process';
import { onCleanup } from './cleanup.js';

export interface RunResult {
  code: number;
  /** The last lines of combined stdout+stderr, for error messages. */
  tail: string[];
}

/** Run argv, keep the last lines of its output; never throws for a non-zero exit. */
export function runLogged(
  argv: string[],
  opts: {
    env: Record<string, string>;
    cwd?: string;
    onOutput?: (chunk: Buffer) => void;
    tailLines?: number;
    /** Lines the command writes to its file descriptor 3 (a pipe then), each as it arrives. */
    onStatus?: (line: string) => void;
  },
): Promise<RunResult> {
  const keep = opts.tailLines ?? 20;
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new Error('empty command'));
    // Its own process group, so an interrupted build can kill everything the command started (a shell's
    // background jobs, a daemon a postinst forked), not just the shell itself.
    const stdio: ('ignore' | 'pipe')[] = opts.onStatus ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio, detached: true });
    const forget = onCleanup(() => {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    let partial = '';
    const lines: string[] = [];
    const take = (chunk: Buffer): void => {
      opts.onOutput?.(chunk);
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > keep) lines.splice(0, lines.length - keep);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const status = opts.onStatus;
    let statusPartial = '';
    if (status) {
      child.stdio[3]?.on('data', (chunk: Buffer) => {
        const parts = (statusPartial + chunk.toString('utf8')).split('\n');
        statusPartial = parts.pop() ?? '';
        for (const line of parts) status(line);
      });
    }
    child.on('error', (err) => {
      forget();
      reject(err);
    });
    child.on('close', (code, signal) => {
      forget();
      if (partial) lines.push(partial);
      if (statusPartial) status?.(statusPartial);
      resolve({ code: code ?? (signal ? 128 + 9 : 1), tail: lines.slice(-keep) });
    });
  });
}
