// The builds of one check: the control build and the variant builds, each in its own work directory, run
// concurrently up to `jobs` at a time through the builder's one API (buildManifest). They share only the
// package download cache; when that cache is still empty the variant builds wait until the control build's
// base is done, so a cold cache is filled once instead of raced by two downloaders.
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildManifest } from '../builder/builder.js';
import type { Manifest } from '../builder/manifest-types.js';
import type { BuildResult, ProgressEvent } from '../builder/options.js';
import type { FetchOptions } from '../image/reference.js';
import type { BuildSetup } from './variations.js';
import { mapLimited } from '../core/map-limited.js';

export interface BuildRun {
  setup: BuildSetup;
  result: BuildResult;
  /** When the build started (seconds since the epoch, real time); unknown for runs made up by hand. */
  startedAt?: number;
}

export interface BuildsOptions {
  /** Where each build's image goes: `${outDir}/image-<label>.tar` (OCI archive). */
  outDir: string;
  extraRules: string[];
  jobs: number;
  cacheDir?: string;
  /** Registry access for a base image given by reference. */
  fetch?: FetchOptions;
  /** One line per notable event ("build B: phase generate done in 0.4s"). */
  log?: (line: string) => void;
  onOutput?: (label: string, chunk: Buffer) => void;
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'repro');
}

/** True when the manifest's base downloads packages and the shared cache has none yet. */
export async function coldDownloadCache(manifest: Manifest, cacheDir: string): Promise<boolean> {
  const base = manifest.base;
  if (!base || (base.kind !== 'debootstrap' && base.kind !== 'mmdebstrap')) return false;
  const dir = join(cacheDir, base.kind);
  const suites = await readdir(dir).catch(() => [] as string[]);
  for (const s of suites.filter((d) => d.startsWith(`${base.suite}-`))) {
    const files = await readdir(join(dir, s)).catch(() => [] as string[]);
    if (files.some((f) => f.endsWith('.deb'))) return false;
  }
  return true;
}

function describe(label: string, e: ProgressEvent): string | undefined {
  switch (e.kind) {
    case 'phase-done':
      return `build ${label}: ${e.phase} done in ${(e.elapsedMs / 1000).toFixed(1)}s (${e.entries} entries, layer ${e.digest.replace(/^sha256:/, '').slice(0, 12)})`;
    case 'phase-start':
      return `build ${label}: ${e.phase} (${e.index + 1}/${e.total})`;
    default:
      return undefined;
  }
}

export function imagePathFor(outDir: string, setup: BuildSetup): string {
  return join(outDir, `image-${setup.label}.tar`);
}

/** Run every build; results in setup order. The first failure rejects (the others are cleaned up on exit). */
export async function runBuilds(manifestPath: string, setups: BuildSetup[], opts: BuildsOptions, staggerAfterBase: boolean): Promise<BuildRun[]> {
  let releaseBase: () => void = () => undefined;
  const baseDone = new Promise<void>((resolve) => (releaseBase = resolve));
  if (!staggerAfterBase) releaseBase();

  const one = async (setup: BuildSetup, index: number): Promise<BuildRun> => {
    if (index > 0) await baseDone;
    opts.log?.(`build ${setup.label}: started in ${setup.workDir}`);
    const startedAt = Date.now() / 1000;
    const result = await buildManifest(manifestPath, {
      out: imagePathFor(opts.outDir, setup),
      format: 'oci',
      workDir: setup.workDir,
      env: setup.env,
      wrap: setup.wrap,
      ...(setup.wrapDirs?.length ? { wrapDirs: setup.wrapDirs } : {}),
      ...(setup.wrapEnv ? { wrapEnv: setup.wrapEnv } : {}),
      ...(setup.inheritWrap?.length ? { inheritWrap: setup.inheritWrap } : {}),
      umask: setup.umask,
      ...(setup.hostname !== undefined ? { hostname: setup.hostname } : {}),
      ...(setup.domain !== undefined ? { domain: setup.domain } : {}),
      ...(setup.shuffleDirents ? { shuffleDirents: true } : {}),
      ...(setup.home !== undefined ? { home: setup.home } : {}),
      ...(setup.phaseUser ? { phaseUser: setup.phaseUser } : {}),
      ...(setup.pathExtra !== undefined ? { pathExtra: setup.pathExtra } : {}),
      extraRules: opts.extraRules,
      // a rule that could not apply is said in the build's log (process.emitWarning without one)
      ...(opts.log ? { warn: (m: string) => opts.log?.(`build ${setup.label}: warning: ${m}`) } : {}),
      ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      onProgress: (e) => {
        // The control build's first finished layer is its base: the cache is filled from then on.
        if (index === 0 && e.kind === 'phase-done') releaseBase();
        const line = describe(setup.label, e);
        if (line) opts.log?.(line);
      },
      ...(opts.onOutput ? { onOutput: (c: Buffer) => opts.onOutput?.(setup.label, c) } : {}),
    }).finally(() => {
      if (index === 0) releaseBase();
    });
    opts.log?.(`build ${setup.label}: ${result.manifestDigest} in ${(result.durationMs / 1000).toFixed(1)}s`);
    return { setup, result, startedAt };
  };

  // A small pool: `jobs` builds at once, in setup order.
  return mapLimited(setups, opts.jobs, one);
}
