// `repro report merge REPORT.json… -o OUT`: one fleet view of many check or diff reports (src/report/fleet.ts).
// Arguments are report files or directories (every *.json below, in name order: what `check --shard`
// writes). Exit as for one check: 0 every image reproducible, 1 some differ, 2 some error or bad usage.
import type { Command } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ReproError, UsageError } from '../core/errors.js';
import { EXIT_DIFFERENT, EXIT_ERROR, EXIT_SAME, setExitCode } from './run.js';

interface MergeFlags {
  output?: string;
  json?: string;
  markdown?: string;
  html?: string;
  top: number;
  quiet?: boolean;
}

const FORMAT_OF_EXT: Record<string, 'json' | 'markdown' | 'html'> = { '.json': 'json', '.md': 'markdown', '.markdown': 'markdown', '.html': 'html', '.htm': 'html' };

/** Report files in argument order; a directory gives every *.json below it, sorted by path. */
async function reportFiles(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const st = await stat(arg).catch(() => {
      throw new ReproError('no such file or directory', arg);
    });
    if (!st.isDirectory()) {
      files.push(arg);
      continue;
    }
    const below = (await readdir(arg, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile() && d.name.endsWith('.json') && !d.name.startsWith('.'))
      .map((d) => join(d.parentPath, d.name))
      .sort();
    files.push(...below);
  }
  if (files.length === 0) throw new UsageError(`no report in ${args.join(', ')} (a directory is searched for *.json)`);
  return files;
}

async function runMerge(args: string[], flags: MergeFlags): Promise<void> {
  const outputs: { format: 'json' | 'markdown' | 'html'; target: string }[] = [];
  if (flags.output) {
    const format = FORMAT_OF_EXT[extname(flags.output).toLowerCase()];
    if (!format) throw new UsageError(`-o ${flags.output}: the format comes from the extension (.json, .md, .html); or use --json/--markdown/--html FILE`);
    outputs.push({ format, target: flags.output });
  }
  if (flags.json) outputs.push({ format: 'json', target: flags.json });
  if (flags.markdown) outputs.push({ format: 'markdown', target: flags.markdown });
  if (flags.html) outputs.push({ format: 'html', target: flags.html });
  if (outputs.filter((o) => o.target === '-').length > 1) throw new UsageError('only one output can be "-" (stdout)');

  const files = await reportFiles(args);
  const [{ mergeReports, fleetExit }, { renderFleetMarkdown, verdictHeadline }, { renderFleetHtml }, { writeOutput }] = await Promise.all([
    import('../report/fleet.js'),
    import('../report/fleet-markdown.js'),
    import('../report/fleet-html.js'),
    import('../core/atomic.js'),
  ]);
  const fleet = await mergeReports(files, { top: flags.top });
  for (const o of outputs) {
    const text = o.format === 'json' ? JSON.stringify(fleet, null, 2) + '\n' : o.format === 'markdown' ? renderFleetMarkdown(fleet) : renderFleetHtml(fleet);
    await writeOutput(o.target, text);
  }
  if (!flags.quiet && !outputs.some((o) => o.target === '-')) {
    const { printable } = await import('../core/printable.js');
    const lines = [verdictHeadline(fleet)];
    for (const row of fleet.images.filter((r) => r.verdict !== 'reproducible')) {
      lines.push(`  ${row.verdict === 'error' ? 'error' : 'not reproducible'}  ${printable(row.image)}  ${row.error !== undefined ? printable(row.error) : `${row.findings} findings`}`);
    }
    for (const o of outputs) lines.push(`fleet report (${o.format}) written to ${o.target}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  const code = fleetExit(fleet);
  setExitCode(code === 0 ? EXIT_SAME : code === 1 ? EXIT_DIFFERENT : EXIT_ERROR);
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--top needs a whole number ≥ 1, got "${value}"`);
  return n;
}

export function registerReport(program: Command): void {
  const report = program.command('report').description('work with saved reports');
  report
    .command('merge')
    .description('one fleet view of many check or diff reports: a verdict per image, what differs across images, the rules that fix most (0 all reproducible, 1 some differ, 2 some error)')
    .argument('<reports...>', 'report JSON files, or directories holding them (every *.json below)')
    .option('-o, --output <file>', 'write the fleet report; the format from the extension (.json, .md, .html)')
    .option('--json <file>', 'write the fleet report as JSON (repro-fleet/1; "-" = stdout)')
    .option('--markdown <file>', 'write the fleet summary as Markdown (CI job page; "-" = stdout)')
    .option('--html <file>', 'write the fleet report as a self-contained HTML page ("-" = stdout)')
    .option('--top <n>', 'entries per ranking (paths, packages, rules, causes)', count, 25)
    .option('-q, --quiet', 'print nothing; the exit code says it')
    .action((reports: string[], flags: MergeFlags) => runMerge(reports, flags));
}
