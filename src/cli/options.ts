// Option value parsers shared by the commands, so "512M" means the same everywhere.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { FetchOptions } from '../image/reference.js';

/** "64G", "512M", "1048576" → bytes (powers of 1024). */
export function parseByteSize(text: string, option: string): number {
  const m = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  const n = m ? Number(m[1]) * 1024 ** 'BKMGT'.indexOf((m[2] || 'B').toUpperCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${option}: expected a size like 4G, 512M or 1048576, not "${text}"`);
  return n;
}

/** Registry access for image references (docker://, oci:DIR:TAG, ...), passed to skopeo. */
export interface FetchFlags {
  creds?: string;
  authfile?: string;
  tlsVerify?: string;
  certDir?: string;
}

export function addFetchOptions(cmd: Command): Command {
  return cmd
    .option('--creds <user[:password]>', 'registry credentials for image references (prefer --authfile: arguments are visible to other users)')
    .option('--authfile <file>', 'registry auth file for image references (as `skopeo login` writes it)')
    .option('--tls-verify <true|false>', 'false: a plain-HTTP registry or one whose certificate is not verified')
    .option('--cert-dir <dir>', 'certificates (*.crt, *.cert, *.key) for the registry');
}

export function fetchOptions(flags: FetchFlags): FetchOptions {
  const opts: FetchOptions = {};
  if (flags.creds !== undefined) opts.creds = flags.creds;
  if (flags.authfile !== undefined) opts.authfile = flags.authfile;
  if (flags.certDir !== undefined) opts.certDir = flags.certDir;
  if (flags.tlsVerify !== undefined) {
    if (flags.tlsVerify !== 'true' && flags.tlsVerify !== 'false') throw new UsageError(`--tls-verify: expected true or false, got "${flags.tlsVerify}"`);
    opts.tlsVerify = flags.tlsVerify === 'true';
  }
  return opts;
}
