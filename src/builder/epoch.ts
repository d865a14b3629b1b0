// SOURCE_DATE_EPOCH for a build: the manifest's own value, else the environment's, else the last commit time
// of the manifest file (what reproducible-builds.org recommends for "the time of the source"), else 0.
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { ReproError } from '../core/errors.js';
import type { Manifest } from './manifest-types.js';

export type EpochSource = 'manifest' | 'environment' | 'git' | 'default';

export interface Epoch {
  epoch: number;
  source: EpochSource;
}

function gitCommitTime(file: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['log', '-1', '--format=%ct', '--', basename(file)],
      { cwd: dirname(file), timeout: 10_000 },
      (err, stdout) => {
        const t = Number.parseInt(String(stdout).trim(), 10);
        // No git, not a repository, or a file never committed: fall through to the next source.
        resolve(err || !Number.isFinite(t) ? undefined : t);
      },
    );
  });
}

export async function resolveEpoch(manifest: Manifest, env: NodeJS.ProcessEnv = process.env): Promise<Epoch> {
  if (manifest.epoch !== undefined) return { epoch: manifest.epoch, source: 'manifest' };
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv)) throw new ReproError(`expected a number of seconds, got "${fromEnv}"`, 'SOURCE_DATE_EPOCH');
    return { epoch: Number(fromEnv), source: 'environment' };
  }
  const fromGit = await gitCommitTime(manifest.path);
  if (fromGit !== undefined) return { epoch: fromGit, source: 'git' };
  return { epoch: 0, source: 'default' };
}

export function describeEpoch(e: Epoch): string {
  const when = new Date(e.epoch * 1000).toISOString().replace('.000Z', 'Z');
  const from = {
    manifest: 'from the manifest',
    environment: 'from SOURCE_DATE_EPOCH',
    git: "from the manifest's last git commit",
    default: 'default: no manifest epoch, SOURCE_DATE_EPOCH or git history',
  }[e.source];
  return `epoch ${e.epoch} (${when}, ${from})`;
}
