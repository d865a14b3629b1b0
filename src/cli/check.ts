// `repro check MANIFEST`: build twice under variations, compare, say whether it is reproducible (exit 0)
// or not (exit 1), and help to fix it (--emit-rules, --rules, --fix). The command only parses options;
// src/check does the work.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { UsageError } from '../core/errors.js';
import { CATEGORIES, isCategory, type Category } from '../core/finding.js';
import type { CheckReport } from '../check/check-report.js';
import { NEEDS_A_PERSON, runFixLoop } from '../check/fix-loop.js';
import { renderCheck, verdictLines } from '../check/render.js';
import { runCheck, type CheckOptions } from '../check/run-check.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { generateRules } from '../rules/generate.js';
import { style } from '../report/style.js';
import { EXIT_DIFFERENT, EXIT_SAME, setExitCode } from './run.js';

interface CheckFlags {
  vary?: string;
  runs: number;
  jobs?: number;
  rules: string[];
  emitRules?: string;
  fix?: boolean;
  maxRounds: number;
  json?: string;
  markdown?: string;
  html?: string;
  keep?: string;
  exclude: string[];
  ignore: string[];
  maxDiffLines?: number;
  verbose?: boolean;
  quiet?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function count(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} needs a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
}

function categories(values: string[]): Category[] {
  return values.map((v) => {
    if (!isCategory(v)) throw new UsageError(`--ignore: unknown category "${v}" (one of: ${CATEGORIES.join(', ')})`);
    return v;
  });
}

/** "-" is stdout (for a program: the terminal view is then left out), anything else a file. */
async function put(dest: string, text: string): Promise<void> {
  if (dest === '-') await new Promise<void>((ok, fail) => process.stdout.write(text, (err) => (err ? fail(err) : ok())));
  else await writeFileAtomic(dest, text);
}

function toStdout(flags: CheckFlags): boolean {
  return flags.json === '-' || flags.markdown === '-' || flags.html === '-';
}

async function writeOutputs(report: CheckReport, flags: CheckFlags): Promise<void> {
  if (flags.json) await put(flags.json, renderJson(report));
  if (flags.markdown) await put(flags.markdown, renderMarkdown(report, { title: 'repro check' }));
  if (flags.html) await put(flags.html, renderHtml(report));
}

function leftovers(report: CheckReport): string[] {
  const person = report.findings.filter((f) => NEEDS_A_PERSON.includes(f.category));
  const other = report.findings.filter((f) => !NEEDS_A_PERSON.includes(f.category));
  const lines: string[] = [];
  if (person.length) {
    lines.push(`${person.length} finding(s) need a person (content or binary differences no rule removes safely):`);
    for (const f of person.slice(0, 20)) lines.push(`  ${f.path || '(image)'}${f.inner ? ' → ' + f.inner : ''}  ${f.category}: ${f.evidence}`);
  }
  if (other.length) {
    lines.push(`${other.length} other finding(s) remain:`);
    for (const f of other.slice(0, 20)) lines.push(`  ${f.path || '(image)'}  ${f.category}: ${f.evidence}`);
  }
  return lines;
}

async function runCheckCommand(manifest: string, flags: CheckFlags): Promise<void> {
  const out = (s: string): void => {
    if (!flags.quiet && !toStdout(flags)) process.stdout.write(s);
  };
  const log = flags.quiet ? undefined : (line: string): void => void process.stderr.write(style.dim(`repro: ${line}`) + '\n');
  const opts: CheckOptions = {
    runs: flags.runs,
    rules: flags.rules,
    exclude: flags.exclude,
    ignore: categories(flags.ignore),
    ...(flags.vary !== undefined ? { vary: flags.vary } : {}),
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    ...(flags.keep ? { keep: flags.keep } : {}),
    ...(log ? { log } : {}),
    ...(flags.verbose ? { onOutput: (label: string, c: Buffer) => void process.stderr.write(`[${label}] ${c.toString()}`) } : {}),
  };

  if (!flags.fix) {
    const report = await runCheck(manifest, opts);
    await writeOutputs(report, flags);
    if (flags.emitRules) {
      await writeFileAtomic(flags.emitRules, generateRules(report));
      log?.(`rules written to ${flags.emitRules}`);
    }
    out(renderCheck(report, { ...(flags.maxDiffLines !== undefined ? { maxDiffLines: flags.maxDiffLines } : {}) }));
    setExitCode(report.reproducible ? EXIT_SAME : EXIT_DIFFERENT);
    return;
  }

  const rulesFile = resolve(flags.emitRules ?? 'repro-rules.yml');
  const result = await runFixLoop(manifest, {
    ...opts,
    maxRounds: flags.maxRounds,
    rulesFile,
    onRound: (r) => log?.(`round ${r.round}: ${r.reproducible ? 'reproducible' : `${r.findings} findings, ${r.rules} rules so far`}`),
  });
  await writeOutputs(result.final, flags);
  const lines = [...verdictLines(result.final), ''];
  lines.push(`rounds: ${result.rounds.map((r) => `${r.round}: ${r.reproducible ? 'identical' : `${r.findings} findings`}`).join(', ')}`);
  if (result.converged) {
    lines.push(style.green(`converged: the digests are identical with the rules in ${result.rulesFile}`), '', result.rulesText.trimEnd());
  } else {
    lines.push(style.red(`not converged: ${result.stopReason ?? 'differences remain'}`), `rules so far: ${result.rulesFile}`, ...leftovers(result.final));
  }
  out(lines.join('\n') + '\n');
  setExitCode(result.converged ? EXIT_SAME : EXIT_DIFFERENT);
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('build a manifest twice under variations, compare the images and say whether it is reproducible (0 yes, 1 no, 2 error)')
    .argument('<manifest>', 'the build manifest (manifest.yml)')
    .option('--vary <list>', 'variations for the second build: time,hostname,timezone,locale,umask,build-path,environment; "none"; "-time" to drop one (default: all)')
    .option('--runs <n>', 'builds in total (more catch what shows once in ten)', count('--runs', 2), 2)
    .option('--jobs <n>', 'builds at once (default: CPUs, at most --runs)', count('--jobs', 1))
    .option('--rules <file>', 'rule file added to the manifest\'s own for this check (repeatable)', collect, [])
    .option('--emit-rules <file>', 'write the rules that remove what was observed (with --fix: the converged rules)')
    .option('--fix', 'check, emit rules, rebuild with them, until the digests are identical')
    .option('--max-rounds <n>', 'rounds of --fix before giving up', count('--max-rounds', 1), 4)
    .option('--json <file>', 'write the report as JSON (repro-report/1 plus builds, variations, phases, packages; "-" = stdout)')
    .option('--markdown <file>', 'write a short Markdown summary (CI job page)')
    .option('--html <file>', 'write the self-contained HTML report')
    .option('--keep <dir>', 'keep the built images in this directory')
    .option('--exclude <glob>', 'skip paths matching this glob when comparing (repeatable)', collect, [])
    .option('--ignore <category>', 'report this category but do not count it (repeatable)', collect, [])
    .option('--max-diff-lines <n>', 'detail lines per finding in the terminal (0 = all)', count('--max-diff-lines', 0))
    .option('-v, --verbose', 'show the output of the build commands')
    .option('-q, --quiet', 'print nothing; the exit code says it')
    .action((manifest: string, flags: CheckFlags) => runCheckCommand(manifest, flags));
}
