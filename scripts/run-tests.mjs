// Runs every test/**/*.test.ts with node's own test runner (tsx compiles on the fly).
// Node 20's --test takes no globs, so the file list is made here. After the run it prints how many tests
// were skipped and why (a missing tool names its Debian package; scripts/install-system-deps.sh installs
// them all). With REPRO_REQUIRE_ALL=1 (set by .ci/run) any skip fails the run.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? find(join(dir, d.name)) : d.name.endsWith('.test.ts') ? [join(dir, d.name)] : [],
  );
}
const filter = process.argv.slice(2);
const files = find('test').filter((f) => filter.length === 0 || filter.some((p) => f.includes(p))).sort();
const scratch = mkdtempSync(join(tmpdir(), 'repro-run-tests-'));
const skipsFile = join(scratch, 'skips.jsonl');
const reporter = join(dirname(fileURLToPath(import.meta.url)), 'skip-reporter.mjs');
const r = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`, '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${skipsFile}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
let skips = [];
try {
  skips = readFileSync(skipsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // no skip file: the runner died before reporting; its exit status says so
}
rmSync(scratch, { recursive: true, force: true });
const requireAll = process.env.REPRO_REQUIRE_ALL === '1';
console.log(`\n${skips.length} test(s) skipped${skips.length ? ':' : ''}`);
for (const s of skips) console.log(`  ${s.file ? relative(process.cwd(), s.file) + ': ' : ''}${s.name} — ${s.reason}`);
let status = r.status ?? 1;
if (requireAll && skips.length > 0) {
  console.log('REPRO_REQUIRE_ALL=1: a skipped test counts as a failure (install what the reasons name: scripts/install-system-deps.sh)');
  if (status === 0) status = 1;
}
process.exit(status);
