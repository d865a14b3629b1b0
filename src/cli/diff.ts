// `repro diff A B`: what differs between two inputs and why. The command only parses options, calls
// compareInputs and hands the Report to the renderers; each file output is one row of OUTPUTS.
import type { Command } from 'commander';
import { formatBytes } from '../core/format.js';
import { printableData } from '../core/printable.js';
import type { ScanProgress } from '../compare/side-scan.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_ENTRIES, type ContentLimits } from '../compare/limits.js';
import { UsageError } from '../core/errors.js';
import { CATEGORIES, isCategory, type Category, type Report } from '../core/finding.js';
import type { PackageAttribution } from '../packages/dpkg.js';
import { addFetchOptions, fetchOptions, parseByteSize, type FetchFlags } from './options.js';
import { EXIT_DIFFERENT, EXIT_SAME, setExitCode } from './run.js';

interface DiffFlags extends FetchFlags {
  exclude: string[];
  ignore: string[];
  maxDepth?: number;
  maxDiffLines?: number;
  maxMemberBytes?: number;
  maxTotalBytes?: number;
  maxLayerBytes?: number;
  maxEntries?: number;
  platform?: string;
  allPlatforms?: boolean;
  quiet?: boolean;
  packages?: boolean;
  verbose?: boolean;
  json?: string;
  emitRules?: string;
  [output: string]: unknown;
}

/** File outputs: flag, the Report key commander gives it, renderer name. */
const OUTPUTS: { flag: string; key: string; renderer: string; help: string }[] = [
  { flag: '--json <file>', key: 'json', renderer: 'json', help: 'write the full report as JSON ("-" = stdout)' },
  { flag: '--html <file>', key: 'html', renderer: 'html', help: 'write a self-contained HTML report (opens offline; "-" = stdout)' },
  { flag: '--markdown <file>', key: 'markdown', renderer: 'markdown', help: 'write a short Markdown summary for a CI job page ("-" = stdout)' },
];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function count(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} needs a whole number ≥ 0, got "${value}"`);
    return n;
  };
}

function size(name: string): (value: string) => number {
  return (value) => parseByteSize(value, name);
}

function categories(values: string[]): Category[] {
  return values.map((v) => {
    if (!isCategory(v)) throw new UsageError(`--ignore: unknown category "${v}" (one of: ${CATEGORIES.join(', ')})`);
    return v;
  });
}

/** A one-line progress meter on stderr, only for a person watching (TTY, not --quiet). */
function progressMeter(enabled: boolean): { onProgress?: (p: ScanProgress) => void; done: () => void } {
  if (!enabled) return { done: () => undefined };
  // called once per entry: the line is formatted only when it is shown
  const sides: [ScanProgress | undefined, ScanProgress | undefined] = [undefined, undefined];
  let last = 0;
  return {
    onProgress: (p) => {
      sides[p.side] = p;
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      const line = sides.flatMap((q) => (q ? [`${'AB'[q.side]}: layer ${q.layer}, ${q.entries} entries, ${formatBytes(q.bytes)}`] : []));
      process.stderr.write(`\r\x1b[K${line.join('   ')}`);
    },
    done: () => {
      if (last > 0) process.stderr.write('\r\x1b[K');
    },
  };
}

async function runDiff(a: string, b: string, flags: DiffFlags): Promise<void> {
  // loaded here, not at start-up: every command pays only for its own modules
  if (flags.allPlatforms && flags.platform) throw new UsageError('--all-platforms and --platform: choose one');
  const [{ compareInputs }, { compareAllPlatforms }, { writeRendered }, { writeOutput }, { generateRules }, { attributePackages, DpkgLists }, { packageLines }] = await Promise.all([
    import('../compare/engine.js'),
    import('../compare/platforms.js'),
    import('../report/index.js'),
    import('../core/atomic.js'),
    import('../rules/generate.js'),
    import('../packages/dpkg.js'),
    import('../report/packages.js'),
  ]);
  const ignore = categories(flags.ignore);
  if ([flags.emitRules, ...OUTPUTS.map((o) => flags[o.key])].filter((d) => d === '-').length > 1) {
    throw new UsageError('only one of --json, --html, --markdown and --emit-rules can be "-" (stdout)');
  }
  const limits: Partial<ContentLimits> = {};
  if (flags.maxDepth !== undefined) limits.maxDepth = flags.maxDepth;
  if (flags.maxMemberBytes !== undefined) limits.maxMemberBytes = flags.maxMemberBytes;
  if (flags.maxTotalBytes !== undefined) limits.maxTotalBytes = flags.maxTotalBytes;
  // through the environment, as inspect does: every layer reader of this process obeys it
  if (flags.maxLayerBytes !== undefined) process.env.REPRO_MAX_LAYER_BYTES = String(flags.maxLayerBytes);
  // The report keeps at least the engine's default detail; the terminal cuts it to --max-diff-lines.
  if (flags.maxDiffLines !== undefined) {
    limits.maxDiffLines = flags.maxDiffLines === 0 ? Number.MAX_SAFE_INTEGER : Math.max(flags.maxDiffLines, DEFAULT_LIMITS.maxDiffLines);
  }
  const meter = progressMeter(!flags.quiet && Boolean(process.stderr.isTTY));
  // B's dpkg package lists are collected while B is compared, so attribution needs no second read
  // (not per platform: with --all-platforms the findings of several root filesystems share one report)
  const dpkg = flags.packages === false || flags.allPlatforms ? undefined : new DpkgLists();
  let report: Report;
  try {
    report = await (flags.allPlatforms ? compareAllPlatforms : compareInputs)(a, b, {
      exclude: flags.exclude,
      ignore,
      limits,
      ...(flags.maxEntries !== undefined ? { maxEntries: flags.maxEntries } : {}),
      ...(flags.platform ? { platform: flags.platform } : {}),
      fetch: fetchOptions(flags),
      ...(meter.onProgress ? { onProgress: meter.onProgress } : {}),
      ...(dpkg ? { tapB: dpkg } : {}),
    });
  } finally {
    meter.done();
  }
  // Debian images: which package owns each differing path, from B's dpkg lists (collected during the
  // comparison; read again only when identical layers were skipped). By default only when the dpkg database
  // itself differs — as it does between two Debian builds; --packages forces it, --no-packages skips it.
  let packages: PackageAttribution | undefined;
  const dpkgDiffers = report.findings.some((f) => f.path.startsWith('/var/lib/dpkg/'));
  if (!flags.allPlatforms && (flags.packages === true || (flags.packages === undefined && dpkgDiffers))) {
    packages = await attributePackages(b, report.findings, dpkg);
    if (packages) report.packages = packages;
  }
  if (flags.emitRules) await writeOutput(flags.emitRules, generateRules(report));
  const toStdout = flags.emitRules === '-' || OUTPUTS.some((o) => flags[o.key] === '-');
  for (const o of OUTPUTS) {
    const dest = flags[o.key];
    if (typeof dest === 'string') await writeRendered(o.renderer, report, dest, { maxDiffLines: flags.maxDiffLines });
  }
  // A report on stdout is for a program: the human view would corrupt it.
  if (!flags.quiet && !toStdout) {
    await writeRendered('terminal', report, '-', { maxDiffLines: flags.maxDiffLines, verbose: flags.verbose === true });
    if (packages) process.stdout.write('\n' + packageLines(printableData(packages)).join('\n') + '\n');
  }
  setExitCode(report.identical ? EXIT_SAME : EXIT_DIFFERENT);
}

export function registerDiff(program: Command): void {
  const cmd = program
    .command('diff')
    .description('compare two images, archives, directories or files and say what differs and why')
    .argument('<a>', 'first input: OCI layout dir or archive, docker save archive, rootfs tarball, directory, file, or image reference (docker://, oci:DIR:TAG, containers-storage:, docker-daemon:)')
    .argument('<b>', 'second input, same forms')
    .option('--exclude <glob>', 'skip paths matching this glob (absolute path, repeatable)', collect, [])
    .option('--ignore <category>', 'report this category but do not fail on it (repeatable)', collect, [])
    .option('--max-depth <n>', 'nesting depth inside archives before comparing bytes only', count('--max-depth'))
    .option('--max-diff-lines <n>', 'detail lines per finding (0 = all)', count('--max-diff-lines'))
    .option('--max-member-bytes <size>', `members (or decompressed payloads) above this are compared by digest only (default ${DEFAULT_LIMITS.maxMemberBytes / 2 ** 20}M)`, size('--max-member-bytes'))
    .option('--max-total-bytes <size>', `decompressed bytes allowed over the whole comparison; a bomb stops here with a warning (default ${DEFAULT_LIMITS.maxTotalBytes / 2 ** 30}G)`, size('--max-total-bytes'))
    .option('--max-entries <n>', `entries per layer and side before giving up (default ${DEFAULT_MAX_ENTRIES})`, count('--max-entries'))
    .option('--max-layer-bytes <size>', 'stop reading a layer after this many uncompressed bytes (default 64G)', size('--max-layer-bytes'))
    .option('--platform <os/arch>', 'image to compare from a multi-platform index')
    .option('--all-platforms', 'compare every platform of two multi-platform indexes, paired by platform (one present on one side only is a finding)')
    .option('--emit-rules <file>', 'write the normalization rules that remove what was found (as repro rules does; "-" = stdout)')
    .option('--packages', 'attribute differing paths to Debian packages (default: when the dpkg database differs)')
    .option('--no-packages', 'never attribute to packages (saves one read of B)')
    .option('-v, --verbose', 'list every finding (mtime-only differences are otherwise one line per directory)')
    .option('-q, --quiet', 'print nothing; the exit code says it (0 identical, 1 different)');
  for (const o of OUTPUTS) cmd.option(o.flag, o.help);
  addFetchOptions(cmd);
  cmd.action((a: string, b: string, flags: DiffFlags) => runDiff(a, b, flags));
}
