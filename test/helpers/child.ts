// A child node with a capped heap (`--max-old-space-size`), for the bounded-memory tests: it runs the CLI
// (`cli`) or a module snippet (`script`, with the arguments after it), through tsx, with NODE_OPTIONS
// cleared so the cap is the only limit. Not timed: speed lives in `npm run bench:scale`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TSX = import.meta.resolve('tsx');
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCapped(
  heapMb: number,
  what: { cli: string[] } | { script: string; args: string[] },
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const argv = 'cli' in what ? [MAIN, ...what.cli] : ['--input-type=module', '-e', what.script, ...what.args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', TSX, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
