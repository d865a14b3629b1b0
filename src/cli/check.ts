// `repro check MANIFEST`: build twice under variations, compare, say whether it is reproducible (exit 0)
// or not (exit 1), and help to fix it (--emit-rules, --rules, --fix). This file only declares the options;
// check-run.ts (loaded when the command runs) calls src/check, which does the work.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { addFetchOptions, type FetchFlags } from './options.js';

export interface CheckFlags extends FetchFlags {
  vary?: string;
  runs: number;
  jobs?: number;
  rules: string[];
  emitRules?: string;
  fix?: boolean;
  explain?: boolean;
  maxRounds: number;
  accept: string[];
  reason?: string;
  json?: string;
  markdown?: string;
  html?: string;
  keep?: string;
  exclude: string[];
  ignore: string[];
  maxDiffLines?: number;
  verbose?: boolean;
  quiet?: boolean;
  shard?: string;
  reports: string;
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

export function registerCheck(program: Command): void {
  const cmd = program
    .command('check')
    .description('build a manifest twice under variations, compare the images and say whether it is reproducible (0 yes, 1 no, 2 error)')
    .argument('<manifest>', 'the build manifest (manifest.yml)')
    .option('--vary <list>', 'variations for the second build: time,hostname,domain,timezone,locale,umask,build-path,environment,file-ordering,kernel,cpus,home,user,exec-path; "none"; "-time" to drop one (default: all)')
    .option('--runs <n>', 'builds in total (more catch what shows once in ten)', count('--runs', 2), 2)
    .option('--jobs <n>', 'builds at once (default: CPUs, at most --runs)', count('--jobs', 1))
    .option('--rules <file>', 'rule file added to the manifest\'s own for this check (repeatable)', collect, [])
    .option('--emit-rules <file>', 'write the rules that remove what was observed (with --fix: the converged rules; "-" = stdout)')
    .option('--fix', 'check, emit rules, rebuild with them, until the digests are identical')
    .option('--explain', 'when not reproducible: rebuild with no variation and with each variation alone, and say which variation causes each finding')
    .option('--max-rounds <n>', 'rounds of --fix before giving up', count('--max-rounds', 1), 4)
    .option('--accept <glob>', 'accept the differences of these paths (needs --reason; recorded as an accept rule, reported as accepted; repeatable)', collect, [])
    .option('--reason <text>', 'why the --accept paths may differ')
    .option('--json <file>', 'write the report as JSON (repro-report/2 plus builds, variations, phases, packages, --fix rounds; "-" = stdout)')
    .option('--markdown <file>', 'write a short Markdown summary (CI job page; "-" = stdout)')
    .option('--html <file>', 'write the self-contained HTML report ("-" = stdout)')
    .option('--keep <dir>', 'keep the built images in this directory')
    .option('--exclude <glob>', 'skip paths matching this glob when comparing (repeatable)', collect, [])
    .option('--ignore <category>', 'report this category but do not count it (repeatable)', collect, [])
    .option('--max-diff-lines <n>', 'detail lines per finding in the terminal (0 = all)', count('--max-diff-lines', 0))
    .option('-v, --verbose', 'show the output of the build commands and list every finding (mtime-only ones are otherwise one line per directory)')
    .option('-q, --quiet', 'print nothing; the exit code says it')
    .option('--shard <I/N>', 'MANIFEST is a list (a file, one manifest a line, or a quoted glob): check only the I-th of N shares (0 ≤ I < N), one JSON report per manifest in --reports')
    .option('--reports <dir>', 'with --shard: where the reports go, named after each manifest', 'repro-reports');
  // a base image from a registry (base: {image: docker://…}) is fetched by every build
  addFetchOptions(cmd).action(async (manifest: string, flags: CheckFlags) => {
      if (flags.shard !== undefined) return (await import('./check-shard.js')).runShardCommand(manifest, flags);
      return (await import('./check-run.js')).runCheckCommand(manifest, flags);
    });
}
