// Runs every test/**/*.test.ts with node's own test runner (tsx compiles on the fly).
// Node 20's --test takes no globs, so the file list is made here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? find(join(dir, d.name)) : d.name.endsWith('.test.ts') ? [join(dir, d.name)] : [],
  );
}
const filter = process.argv.slice(2);
const files = find('test').filter((f) => filter.length === 0 || filter.some((p) => f.includes(p))).sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
