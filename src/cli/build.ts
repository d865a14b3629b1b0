// `repro build MANIFEST -o OUT`: parse options, call buildManifest, print the result.
import type { Command } from 'commander';
import type { BuildOptions } from '../builder/index.js';
import { UsageError } from '../core/errors.js';
import { imageTarget } from './image-output.js';
import { formatBytes, formatMs } from '../core/format.js';
import { addFetchOptions, fetchOptions, type FetchFlags } from './options.js';

interface Flags extends FetchFlags {
  output?: string;
  format?: string;
  compression?: string;
  workDir?: string;
  rules: string[];
  env: string[];
  umask?: string;
  hostname?: string;
  cacheDir?: string;
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function parseEnv(list: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--env expects NAME=value, got "${kv}"`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

export function registerBuild(program: Command): void {
  const cmd = program
    .command('build')
    .description('build an image from a manifest: base, then one layer per phase, normalized by its rules')
    .argument('<manifest>', 'build manifest (YAML, schema version 1)')
    .option('-o, --output <path>', 'output image (default: ./<name>.tar, or ./<name> for oci-dir; "-" = stdout)')
    .option('--format <format>', 'oci | oci-dir | docker (default: the manifest\'s output.format, else oci)')
    .option('--compression <c>', 'gzip | zstd | none (default: the manifest\'s output.compression, else gzip)')
    .option('--work-dir <dir>', 'where the build tree lives (default: a private temp dir)')
    .option('--rules <file>', 'extra rule file applied after the manifest\'s (repeatable)', collect, [])
    .option('--env <NAME=value>', 'extra environment for phase commands (repeatable)', collect, [])
    .option('--umask <octal>', 'umask for phase commands (default 0022)')
    .option('--hostname <name>', 'hostname seen by phase commands (private UTS namespace)')
    .option('--cache-dir <dir>', 'package download cache (default ~/.cache/repro)')
    .option('-v, --verbose', 'show the output of phase commands')
    .option('-q, --quiet', 'print nothing but errors; the exit code says it')
    .option('--json', 'print the result as JSON on stdout');
  addFetchOptions(cmd).action(async (manifest: string, flags: Flags) => {
      if (flags.format && !['oci', 'oci-dir', 'docker'].includes(flags.format)) throw new UsageError(`--format: expected oci, oci-dir or docker, got "${flags.format}"`);
      if (flags.compression && !['gzip', 'zstd', 'none'].includes(flags.compression)) throw new UsageError(`--compression: expected gzip, zstd or none, got "${flags.compression}"`);
      if (flags.umask && !/^0?[0-7]{3}$/.test(flags.umask)) throw new UsageError(`--umask: expected an octal umask such as 022, got "${flags.umask}"`);
      const [{ buildManifest, loadManifest }, { progressPrinter }] = await Promise.all([
        import('../builder/index.js'),
        import('../builder/progress.js'),
      ]);
      const m = await loadManifest(manifest);
      const format = (flags.format ?? m.output.format) as NonNullable<BuildOptions['format']>;
      const out = flags.output ?? (format === 'oci-dir' ? m.name : `${m.name}.tar`);
      if (format === 'oci-dir') await (await import('../image/image-writer.js')).checkOutputDir(out);
      if (out === '-' && flags.json) throw new UsageError('-o - and --json both write to stdout: choose one');
      const target = await imageTarget(out, format);
      const result = await buildManifest(manifest, {
        out: target.path,
        format,
        ...(flags.compression ? { compression: flags.compression as NonNullable<BuildOptions['compression']> } : {}),
        ...(flags.workDir ? { workDir: flags.workDir } : {}),
        extraRules: flags.rules,
        env: parseEnv(flags.env),
        ...(flags.umask ? { umask: flags.umask.padStart(4, '0') } : {}),
        ...(flags.hostname ? { hostname: flags.hostname } : {}),
        ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
        fetch: fetchOptions(flags),
        ...(flags.quiet ? {} : { onProgress: progressPrinter(process.stderr) }),
        warn: (m: string) => void process.stderr.write(`repro: warning: ${m}\n`),
        ...(flags.verbose ? { onOutput: (c: Buffer) => process.stderr.write(c) } : {}),
      });
      await target.finish();
      if (flags.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      if (flags.quiet) return;
      const total = result.layers.reduce((s, l) => s + l.size, 0);
      (target.toStdout ? process.stderr : process.stdout).write(
        `${target.toStdout ? '-' : result.out}\n  manifest ${result.manifestDigest}\n  ${result.layers.length} layers, ${formatBytes(total)}, built in ${formatMs(result.durationMs)}\n`,
      );
    });
}
