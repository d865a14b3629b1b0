// Temporary directories for tests: every directory a test makes under $TMPDIR comes from here, and the
// runner removes it. testDir/testDirSync: after the test that asked for it (pass, fail or timeout, its
// subtests included), through the test's own `t.after`. fileDir: when the test file's process exits, for
// what outlives one test (fixtures shared by several tests, directories made in before() hooks).
// node:test's ambient `after()` is not used on purpose: called in a before() hook it runs at once, and at
// module scope it runs as soon as the tests declared so far are done (a top-level await in between splits them).
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What testDir needs of a test: node:test's TestContext (or a suite's), or anything with an `after`. */
export interface AfterHook {
  after: (fn: () => void | Promise<void>) => void;
}

/** A fresh directory under $TMPDIR, removed after the test `t`. */
export async function testDir(t: AfterHook, prefix = 'repro-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => removeDir(dir));
  return dir;
}

/** testDir for synchronous code. */
export function testDirSync(t: AfterHook, prefix = 'repro-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => removeDir(dir));
  return dir;
}

const fileScoped = new Set<string>();

/** A fresh directory under $TMPDIR, removed when the test file's process exits. */
export async function fileDir(prefix = 'repro-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (fileScoped.size === 0) {
    process.once('exit', () => {
      for (const d of fileScoped) {
        try {
          removeDir(d);
        } catch (e) {
          process.stderr.write(`${(e as Error).message}\n`);
        }
      }
    });
  }
  fileScoped.add(dir);
  return dir;
}

/** Mount points at or below `dir` (a failed chroot test could leave /proc or a bind mount there). */
function mountsBelow(dir: string): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(dir + '/'));
}

/**
 * Remove `dir` and everything below it. Refuses (throws, failing the test) while something is mounted
 * below: a recursive delete would go through the mount into the host. Directories a test left without
 * write or search permission are opened up first when the plain removal is refused (non-root runs).
 */
export function removeDir(dir: string): void {
  const mounts = mountsBelow(dir);
  if (mounts.length > 0) throw new Error(`not removing ${dir}: still mounted below it: ${mounts.join(', ')}`);
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EACCES' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    openUp(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function openUp(dir: string): void {
  chmodSync(dir, 0o700);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) openUp(p);
  }
}
