// `repro normalize IMAGE --rules FILE... -o OUT`: rewrite an image through rule files and the canonical
// writer, so two builds that differ only in what the rules cover become bit-for-bit identical.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { ImageFormat } from '../image/image-writer.js';
import type { Compression } from '../core/image.js';
import { imageTarget } from './image-output.js';
import { addFetchOptions, fetchOptions, type FetchFlags } from './options.js';
import { EXIT_SAME, setExitCode } from './run.js';

interface NormalizeFlags extends FetchFlags {
  rules: string[];
  epoch?: string;
  output: string;
  format: string;
  compression: string;
  platform?: string;
  quiet?: boolean;
}

const FORMATS: ImageFormat[] = ['oci', 'oci-dir', 'docker'];
const COMPRESSIONS: Compression[] = ['gzip', 'zstd', 'none'];

/** --epoch wins over SOURCE_DATE_EPOCH; without either the epoch is 0 (1970-01-01). */
export function epochFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [text, where] = flag !== undefined ? [flag, '--epoch'] : [env.SOURCE_DATE_EPOCH, 'SOURCE_DATE_EPOCH'];
  if (text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) throw new UsageError(`${where} needs whole seconds since 1970, got "${text}"`);
  return Number(text);
}

async function runNormalize(image: string, flags: NormalizeFlags): Promise<void> {
  if (!FORMATS.includes(flags.format as ImageFormat)) throw new UsageError(`--format: "${flags.format}" is not one of ${FORMATS.join(', ')}`);
  if (!COMPRESSIONS.includes(flags.compression as Compression)) throw new UsageError(`--compression: "${flags.compression}" is not one of ${COMPRESSIONS.join(', ')}`);
  if (flags.rules.length === 0) throw new UsageError('normalize needs at least one --rules FILE (or a built-in set: common, debian)');
  const epoch = epochFrom(flags.epoch);
  const target = await imageTarget(flags.output, flags.format);
  const [{ loadRules }, { normalizeImage }] = await Promise.all([import('../rules/load.js'), import('../rules/normalize-image.js')]);
  const rules = await loadRules(flags.rules);
  const warn = (m: string): void => void process.stderr.write(`repro: warning: ${m}\n`);
  const result = await normalizeImage(image, rules, {
    epoch,
    format: flags.format as ImageFormat,
    out: target.path,
    compression: flags.compression as Compression,
    ...(flags.platform ? { platform: flags.platform } : {}),
    fetch: fetchOptions(flags),
    warn,
  });
  await target.finish();
  if (!flags.quiet) {
    (target.toStdout ? process.stderr : process.stdout).write(`${flags.output}: ${result.manifestDigest} (${result.layers.length} layers, ${rules.rules.length} rules, ${result.deleted} entries deleted, epoch ${epoch})\n`);
  }
  setExitCode(EXIT_SAME);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerNormalize(program: Command): void {
  const cmd = program
    .command('normalize')
    .description('rewrite an image through rule files and the canonical layer writer (streaming, atomic)')
    .argument('<image>', 'OCI layout dir or archive, docker save archive, rootfs tarball, directory or image reference (docker://...)')
    .requiredOption('-o, --output <out>', 'where to write the normalized image ("-" = stdout, oci or docker form)')
    .option('--rules <file>', 'rule file or built-in set (common, debian); repeatable, applied in order', collect, [])
    .option('--epoch <seconds>', 'SOURCE_DATE_EPOCH for clamp-mtime and image timestamps (default: $SOURCE_DATE_EPOCH, else 0)')
    .option('--format <format>', `output form: ${FORMATS.join(', ')}`, 'oci')
    .option('--compression <c>', `layer compression: ${COMPRESSIONS.join(', ')}`, 'gzip')
    .option('--platform <os/arch>', 'image to normalize from a multi-platform index')
    .option('-q, --quiet', 'print nothing on success');
  addFetchOptions(cmd).action((image: string, flags: NormalizeFlags) => runNormalize(image, flags));
}
