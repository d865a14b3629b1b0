// `repro verify MANIFEST --against REF`: rebuild once and compare with a published image (a registry
// reference or an archive). Exit 0 when identical (with --rules: identical once the published image went
// through the same rules, which the output says), 1 with the classified report otherwise, 2 on error.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { CATEGORIES, type Finding } from '../core/finding.js';
import type { VerifySection } from '../check/verify.js';
import { addFetchOptions, fetchOptions, type FetchFlags } from './options.js';
import { EXIT_DIFFERENT, EXIT_SAME, setExitCode } from './run.js';

interface VerifyFlags extends FetchFlags {
  against: string;
  rules: string[];
  platform?: string;
  exclude: string[];
  json?: string;
  markdown?: string;
  html?: string;
  cacheDir?: string;
  verbose?: boolean;
  quiet?: boolean;
}

const OUTPUTS = [
  { key: 'json', renderer: 'json' },
  { key: 'markdown', renderer: 'markdown' },
  { key: 'html', renderer: 'html' },
] as const;

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** "3 (mtime 2, timestamp 1)" */
function byCategory(findings: Finding[]): string {
  const counts = CATEGORIES.map((c) => [c, findings.filter((f) => f.category === c).length] as const).filter(([, n]) => n > 0);
  return `${findings.length}${counts.length ? ` (${counts.map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`;
}

/** The verdict lines: what was rebuilt, what it was compared with, and what the rules did. */
export function verdictLines(v: VerifySection, identical: boolean): string[] {
  const lines = [`rebuilt    ${v.manifest}: ${v.rebuiltDigest}`, `published  ${v.against}: ${v.publishedDigest ?? '(no manifest digest)'}`];
  if (v.bitIdentical) {
    lines.push('VERIFIED: the rebuild is the published image, bit for bit');
    return lines;
  }
  if (v.normalizedPublished) {
    lines.push(`the published image was normalized by the same rules (${v.rules.join(', ')}) before comparing: they explain ${byCategory(v.explained)} of the differences`);
    lines.push(identical ? 'VERIFIED MODULO RULES: identical once both sides went through the rules (not bit for bit)' : 'NOT VERIFIED: differences remain after the rules (below)');
    return lines;
  }
  lines.push(identical ? 'VERIFIED: the images differ only in ignored categories' : 'NOT VERIFIED: the rebuild differs from the published image (below)');
  return lines;
}

async function runVerify(manifest: string, flags: VerifyFlags): Promise<void> {
  if (OUTPUTS.filter((o) => flags[o.key] === '-').length > 1) throw new UsageError('only one of --json, --html and --markdown can be "-" (stdout)');
  const [{ verifyManifest }, { writeRendered }, { progressPrinter }, { printable }] = await Promise.all([
    import('../check/verify.js'),
    import('../report/index.js'),
    import('../builder/progress.js'),
    import('../core/printable.js'),
  ]);
  const warn = (m: string): void => void process.stderr.write(`repro: warning: ${m}\n`);
  const { report, verify } = await verifyManifest(manifest, flags.against, {
    rules: flags.rules,
    compare: { exclude: flags.exclude, fetch: fetchOptions(flags), ...(flags.platform ? { platform: flags.platform } : {}) },
    build: {
      warn,
      ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
      ...(flags.quiet ? {} : { onProgress: progressPrinter(process.stderr) }),
      ...(flags.verbose ? { onOutput: (c: Buffer) => process.stderr.write(c) } : {}),
    },
  });
  for (const o of OUTPUTS) {
    const dest = flags[o.key];
    if (dest) await writeRendered(o.renderer, report, dest);
  }
  const toStdout = OUTPUTS.some((o) => flags[o.key] === '-');
  if (!flags.quiet && !toStdout) {
    process.stdout.write(verdictLines(verify, report.identical).map((l) => printable(l)).join('\n') + '\n');
    if (!report.identical) {
      process.stdout.write('\n');
      await writeRendered('terminal', report, '-', { verbose: flags.verbose === true });
    }
  }
  setExitCode(report.identical ? EXIT_SAME : EXIT_DIFFERENT);
}

export function registerVerify(program: Command): void {
  const cmd = program
    .command('verify')
    .description('rebuild a manifest once and compare it with a published image: independent rebuild verification (0 identical, 1 not, 2 error)')
    .argument('<manifest>', 'the build manifest the image was published from')
    .requiredOption('--against <image>', 'the published image: a registry reference (docker://...), oci:DIR:TAG, or an image archive or layout')
    .option('--rules <file>', 'rule file added to the manifest\'s own, applied to the rebuild and to the published image (repeatable)', collect, [])
    .option('--platform <os/arch>', 'image to compare from a multi-platform published index')
    .option('--exclude <glob>', 'skip paths matching this glob when comparing (repeatable)', collect, [])
    .option('--json <file>', 'write the report as JSON, with a "verify" section ("-" = stdout)')
    .option('--markdown <file>', 'write a short Markdown summary ("-" = stdout)')
    .option('--html <file>', 'write the self-contained HTML report ("-" = stdout)')
    .option('--cache-dir <dir>', 'package download cache (default ~/.cache/repro)')
    .option('-v, --verbose', 'show the output of the build commands and list every finding')
    .option('-q, --quiet', 'print nothing; the exit code says it');
  addFetchOptions(cmd).action((manifest: string, flags: VerifyFlags) => runVerify(manifest, flags));
}
