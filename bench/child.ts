// Measured in its own process so its peak RSS is repro's alone: compareInputs on two inputs, timed.
import { compareInputs } from '../src/compare/engine.js';
import { runCleanup } from '../src/core/cleanup.js';

const [a, b] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: child.ts A B');
const start = performance.now();
const report = await compareInputs(a, b);
const ms = performance.now() - start;
const categories: Record<string, number> = {};
const paths: string[] = [];
for (const f of report.findings) {
  categories[f.category] = (categories[f.category] ?? 0) + 1;
  if (f.category !== 'mtime') paths.push(`${f.path} ${f.category}`);
}
await runCleanup();
process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, findings: report.findings.length, categories, paths }) + '\n');
