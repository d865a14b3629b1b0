// repro's own temp area: one private directory per process (mode 0700), removed on every exit path.
// Nothing read from an input is ever written outside it, and never under a member's own name.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

let root: string | undefined;

/** The process's private temp root, created on first use. */
export function tempRoot(): string {
  if (!root) {
    const dir = mkdtempSync(join(process.env.REPRO_TMPDIR ?? tmpdir(), 'repro-'));
    root = dir;
    // Once removed (a cleanup run ends the work that used it), the next use makes a new one.
    onCleanup(() => {
      rmSync(dir, { recursive: true, force: true });
      if (root === dir) root = undefined;
    });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return root;
}

/** A fresh directory inside the temp root. */
export async function tempDir(prefix = 'work-'): Promise<string> {
  return mkdtemp(join(tempRoot(), prefix));
}
