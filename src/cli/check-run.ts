// The work of `repro check` once its options are parsed (check.ts declares them): run the check or the
// --fix loop, write the outputs, print the verdict, set the exit code.
import { join, resolve } from 'node:path';
import { writeOutput } from '../core/atomic.js';
import { tempDir } from '../core/temp.js';
import { UsageError } from '../core/errors.js';
import { CATEGORIES, isCategory, type Category } from '../core/finding.js';
import type { CheckReport } from '../check/check-report.js';
import type { Acceptance } from '../check/accept.js';
import { NEEDS_A_PERSON, runFixLoop, type Remaining } from '../check/fix-loop.js';
import { renderCheck, verdictLines } from '../check/render.js';
import { runCheck, type CheckOptions } from '../check/run-check.js';
import { htmlChunks } from '../report/html.js';
import { jsonChunks } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { generateRules } from '../rules/generate.js';
import { style } from '../report/style.js';
import type { CheckFlags } from './check.js';
import { fetchOptions } from './options.js';
import { EXIT_DIFFERENT, EXIT_SAME, setExitCode } from './run.js';

function categories(values: string[]): Category[] {
  return values.map((v) => {
    if (!isCategory(v)) throw new UsageError(`--ignore: unknown category "${v}" (one of: ${CATEGORIES.join(', ')})`);
    return v;
  });
}

/** The output options; "-" is stdout for each (for a program: the terminal view is then left out). */
function outputs(flags: CheckFlags): (string | undefined)[] {
  return [flags.json, flags.markdown, flags.html, flags.emitRules];
}

function toStdout(flags: CheckFlags): boolean {
  return outputs(flags).includes('-');
}

async function writeOutputs(report: CheckReport, flags: CheckFlags): Promise<void> {
  if (flags.json) await writeOutput(flags.json, jsonChunks(report));
  if (flags.markdown) await writeOutput(flags.markdown, renderMarkdown(report, { title: 'repro check' }));
  if (flags.html) await writeOutput(flags.html, htmlChunks(report));
}

/** Every difference --fix left, each with why no rule it may apply removes it (a person's, first). */
function leftovers(remaining: Iterable<Remaining>): string[] {
  const show = (f: Remaining): string[] => [`  ${f.path || '(image)'}${f.inner ? ' → ' + f.inner : ''}  ${f.category}: ${f.evidence}`, `    no rule applied: ${f.why}`];
  // one pass per group over the history's list (it may be spilled to disk): those needing a person first
  const group = (person: boolean): { n: number; lines: string[] } => {
    const out = { n: 0, lines: [] as string[] };
    for (const f of remaining) {
      if (NEEDS_A_PERSON.includes(f.category) !== person) continue;
      out.n++;
      out.lines.push(...show(f));
    }
    return out;
  };
  const person = group(true);
  const other = group(false);
  // concat, not push(...): a spread of 100,000+ lines overflows the call stack
  return [
    ...(person.n ? [`${person.n} difference(s) need a person (content or binary: --fix never removes them; --accept GLOB --reason TEXT if they do not matter):`] : []),
  ].concat(person.lines, other.n ? [`${other.n} other difference(s) remain:`] : [], other.lines);
}

function acceptances(flags: CheckFlags): Acceptance[] {
  if (flags.accept.length === 0) {
    if (flags.reason !== undefined) throw new UsageError('--reason goes with --accept GLOB');
    return [];
  }
  if (!flags.reason?.trim()) throw new UsageError('--accept needs --reason TEXT: why these paths may differ');
  for (const g of flags.accept) if (!g.startsWith('/')) throw new UsageError(`--accept: "${g}" is not an absolute path glob (start with "/")`);
  return flags.accept.map((g) => ({ globs: [g], because: flags.reason ?? '' }));
}

/** What runCheck needs from the command line (shared with --shard, which runs it once per manifest). */
export function checkOptions(flags: CheckFlags, log: ((line: string) => void) | undefined): CheckOptions {
  return {
    runs: flags.runs,
    rules: flags.rules,
    exclude: flags.exclude,
    ignore: categories(flags.ignore),
    accept: acceptances(flags),
    ...(flags.vary !== undefined ? { vary: flags.vary } : {}),
    ...(flags.explain ? { explain: true } : {}),
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    ...(flags.keep ? { keep: flags.keep } : {}),
    fetch: fetchOptions(flags),
    ...(log ? { log } : {}),
    ...(flags.verbose ? { onOutput: (label: string, c: Buffer) => void process.stderr.write(`[${label}] ${c.toString()}`) } : {}),
  };
}

export async function runCheckCommand(manifest: string, flags: CheckFlags): Promise<void> {
  if (outputs(flags).filter((o) => o === '-').length > 1) throw new UsageError('only one of --json, --markdown, --html and --emit-rules can be "-" (stdout)');
  const out = (s: string): void => {
    if (!flags.quiet && !toStdout(flags)) process.stdout.write(s);
  };
  const log = flags.quiet ? undefined : (line: string): void => void process.stderr.write(style.dim(`repro: ${line}`) + '\n');
  const opts = checkOptions(flags, log);

  if (flags.explain && flags.fix) throw new UsageError('--explain goes without --fix: explain a check first, then fix it');
  if (!flags.fix) {
    const report = await runCheck(manifest, opts);
    await writeOutputs(report, flags);
    if (flags.emitRules) {
      await writeOutput(flags.emitRules, generateRules(report));
      if (flags.emitRules !== '-') log?.(`rules written to ${flags.emitRules}`);
    }
    out(renderCheck(report, { verbose: flags.verbose === true, ...(flags.maxDiffLines !== undefined ? { maxDiffLines: flags.maxDiffLines } : {}) }));
    setExitCode(report.reproducible ? EXIT_SAME : EXIT_DIFFERENT);
    return;
  }

  // --emit-rules -: the rounds keep their rules in the private temp area; the converged rules go to stdout
  const rulesFile = flags.emitRules === '-' ? join(await tempDir('fix-'), 'rules.yml') : resolve(flags.emitRules ?? 'repro-rules.yml');
  const result = await runFixLoop(manifest, {
    ...opts,
    maxRounds: flags.maxRounds,
    rulesFile,
    onRound: (r) => log?.(`round ${r.round}: ${r.reproducible ? 'reproducible' : `${r.findings} findings, ${r.rules} rules so far`}`),
  });
  await writeOutputs(result.final, flags);
  if (flags.emitRules === '-') await writeOutput('-', result.rulesText);
  const lines = [...verdictLines(result.final), ''];
  lines.push(`rounds: ${result.rounds.map((r) => `${r.round}: ${r.reproducible ? 'identical' : `${r.findings} findings`}`).join(', ')}`);
  if (result.converged) {
    const accepted = new Set<string>();
    for (const f of result.final.findings) if (f.accepted !== undefined) accepted.add(f.path);
    const how = accepted.size > 0
      ? `what still differs was accepted (${[...accepted].join(', ')}), with the rules in ${result.rulesFile}`
      : `the digests are identical with the rules in ${result.rulesFile}`;
    lines.push(style.green(`converged: ${how}`), '', result.rulesText.trimEnd());
  } else {
    lines.push(style.red(`not converged: ${result.stopReason ?? 'differences remain'}`), `rules so far: ${result.rulesFile}`);
  }
  out(lines.concat(result.converged ? [] : leftovers(result.remaining)).join('\n') + '\n');
  setExitCode(result.converged ? EXIT_SAME : EXIT_DIFFERENT);
}

