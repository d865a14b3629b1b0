// `builder: {containerfile}`: buildah bud as root with vfs storage and chroot isolation, one layer per
// instruction (--layers), committed straight to an OCI archive; its layers then go through the rules and the
// one writer like any builder's (importBuiltImage). Everything buildah keeps (storage, run state, the
// signature policy, registries configuration, its temp files) lives in the build's work directory and goes
// with it, on failure and on a signal too: buildah reads nothing of the host's container configuration and
// pulls nothing (`--pull=never`: FROM scratch, or a local base such as `FROM oci-archive:base.tar`).
//
// What a check can vary reaches the RUN steps this way (src/check/variations.ts says which apply):
// variables through `--env` (buildah also writes them into the image config, so the ones repro added are
// taken out of the config again), libfaketime through `--env LD_PRELOAD/FAKETIME` with its directory lent
// read-only (`-v`), the hostname and domain name through a private UTS namespace the RUN steps share
// (`--uts host`), setarch's personality and taskset's affinity by starting buildah under them (its RUN
// steps inherit both). Without a hostname buildah gives every RUN step the container's random id as its name.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { onCleanup } from '../core/cleanup.js';
import { ReproError } from '../core/errors.js';
import { findCommand } from '../core/find-command.js';
import type { ImageConfig } from '../core/image.js';
import { openImage } from '../image/open.js';
import { runLogged } from '../core/process.js';
import { importBuiltImage, type ExternalContext, type ImportedImage } from './external.js';
import type { ContainerfileBuilder, Manifest } from './manifest-types.js';

export interface ContainerfileContext extends ExternalContext {
  /** Variables for the RUN steps (the check's variations and the wrap's preload variables). */
  runEnv: Record<string, string>;
  /** Host directories the RUN steps get read-only at the same path (the staged libfaketime's). */
  lendDirs: string[];
  /** Hostname of the RUN steps (needs root: a private UTS namespace); buildah's random one when absent. */
  hostname?: string;
  /** NIS domain name of the RUN steps (the same UTS namespace); the host's when absent. */
  domain?: string;
  /** Prefix for buildah itself whose effect its children inherit (setarch, taskset). */
  inheritWrap: string[];
}

/** The policy that lets buildah read a local base without signatures: nothing is pulled from a registry. */
const POLICY = JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] });

/** `ARG SOURCE_DATE_EPOCH` in the Containerfile: the epoch is then passed as that build argument. */
export function declaresEpochArg(text: string): boolean {
  return /^\s*ARG\s+SOURCE_DATE_EPOCH\b/im.test(text);
}

export function budArgs(b: ContainerfileBuilder, ctx: Pick<ContainerfileContext, 'runEnv' | 'lendDirs' | 'hostname' | 'domain' | 'epoch'>, paths: { policy: string; out: string }, epochArg: boolean): string[] {
  const args = ['bud', '--signature-policy', paths.policy, '--isolation', 'chroot', '--layers', '--pull=never', '--format', 'oci'];
  if (ctx.hostname !== undefined || ctx.domain !== undefined) args.push('--uts', 'host');
  for (const [k, v] of Object.entries(ctx.runEnv)) args.push('--env', `${k}=${v}`);
  for (const d of ctx.lendDirs) args.push('--volume', `${d}:${d}:ro`);
  const buildArgs = { ...(epochArg ? { SOURCE_DATE_EPOCH: String(ctx.epoch) } : {}), ...b.args };
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  if (b.target !== undefined) args.push('--target', b.target);
  if (b.timestamp) args.push('--timestamp', String(ctx.epoch));
  args.push('--file', b.containerfile, '--tag', `oci-archive:${paths.out}`, b.context);
  return args;
}

/** buildah's history comment naming the intermediate image a step started from (with --layers). */
const INTERMEDIATE = /^FROM [0-9a-f]{12}$/;

/**
 * What repro added to the config, taken out again: the variables it gave the RUN steps (buildah's --env also
 * writes them into the config), and the history comments `FROM <id>` naming intermediate images of the
 * private storage, which is removed with the build: they name nothing that exists afterwards, and since
 * such an id hashes the previous step's config and layers, every earlier difference would show there again.
 */
export function withoutBuildArtifacts(config: ImageConfig | undefined, added: Record<string, string>): ImageConfig | undefined {
  if (!config) return config;
  const out: ImageConfig = { ...config };
  const inner = config.config;
  if (inner && Array.isArray(inner.Env)) {
    const ours = new Set(Object.entries(added).map(([k, v]) => `${k}=${v}`));
    out.config = { ...inner, Env: (inner.Env as string[]).filter((kv) => !ours.has(kv)) };
  }
  if (config.history) {
    out.history = config.history.map((h) => {
      if (h.comment === undefined || !INTERMEDIATE.test(h.comment)) return h;
      const { comment: _comment, ...rest } = h;
      return rest;
    });
  }
  return out;
}

export async function runContainerfileBuilder(manifest: Manifest, ctx: ContainerfileContext): Promise<ImportedImage> {
  const b = manifest.builder;
  if (b?.kind !== 'containerfile') throw new Error('runContainerfileBuilder: not a builder.containerfile manifest');
  const where = `${manifest.path}:${b.line}`;
  const buildah = findCommand('buildah');
  if (!buildah) throw new ReproError('builder.containerfile: buildah is not installed (apt-get install buildah)', where);
  const text = await readFile(b.containerfile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(`builder.containerfile: cannot read ${b.containerfile} (${err.code})`, where);
  });
  if (!(await stat(b.context).catch(() => undefined))?.isDirectory()) throw new ReproError(`builder.context: ${b.context} is not a directory`, where);

  const dir = join(ctx.work, 'buildah');
  const storage = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs'];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: dir,
    TMPDIR: join(dir, 'tmp'),
    // Private, empty configuration: nothing of the host's /etc/containers or ~/.config/containers applies.
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
  };
  const remove = async (): Promise<void> => {
    // A failed RUN leaves its working container behind (buildah's --force-rm is off): remove it first.
    await runLogged([buildah, ...storage, 'rm', '--all'], { env }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  const forget = onCleanup(remove);
  try {
    await mkdir(join(dir, 'tmp'), { recursive: true });
    for (const f of ['containers.conf', 'registries.conf']) await writeFile(join(dir, f), '');
    // The same as the command-line options; buildah warns when the file names no driver.
    await writeFile(join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\nrunroot = ${JSON.stringify(join(dir, 'run'))}\ngraphroot = ${JSON.stringify(join(dir, 'root'))}\n`);
    const policy = join(dir, 'policy.json');
    await writeFile(policy, POLICY);
    const out = join(dir, 'image.tar');
    // Variables the Containerfile sets itself keep its value: `check` skips a variation all of whose
    // variables are such (src/check/variations.ts); the control's fixed TZ/LANG are left out here.
    const bud = { ...ctx, runEnv: runEnvFor(ctx.runEnv, await fixedEnv(text, b.context)) };
    const argv = [...ctx.inheritWrap, buildah, ...storage, ...budArgs(b, bud, { policy, out }, declaresEpochArg(text))];
    // Hostname and domain: a UTS namespace of its own, named before buildah starts, shared by its RUN steps.
    const uts = 'set -e; [ -z "$0" ] || hostname "$0"; [ -z "$1" ] || domainname "$1"; shift; exec "$@"';
    const run = ctx.hostname !== undefined || ctx.domain !== undefined ? ['unshare', '--uts', '--', '/bin/sh', '-c', uts, ctx.hostname ?? '', ctx.domain ?? '', ...argv] : argv;
    const t0 = Date.now();
    ctx.onProgress?.({ kind: 'phase-start', phase: 'buildah bud', index: 0, total: 1 });
    const r = await runLogged(run, { env, cwd: b.context, ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}) });
    if (r.code !== 0) {
      const tail = r.tail.length ? '\n  last output:\n' + r.tail.map((l) => '    ' + l).join('\n') : ' (no output)';
      throw new ReproError(`builder: buildah bud exited with code ${r.code}${tail}`, where);
    }
    const imported = await importBuiltImage(out, 'buildah bud', t0, ctx);
    return { ...imported, config: withoutBuildArtifacts(imported.config, bud.runEnv) };
  } finally {
    await remove();
    forget();
  }
}

/** The Containerfile's instructions on logical lines (continuations joined, comments skipped). */
function instructions(text: string): { keyword: string; line: number; args: string }[] {
  const out: { keyword: string; line: number; args: string }[] = [];
  let start = 0;
  let logical = '';
  for (const [i, raw] of text.split('\n').entries()) {
    if (logical === '' && /^\s*(#|$)/.test(raw)) continue;
    if (logical === '') start = i + 1;
    logical += raw.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(raw)) continue;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(logical);
    logical = '';
    if (m) out.push({ keyword: m[1]!.toUpperCase(), line: start, args: m[2]! });
  }
  return out;
}

/**
 * Containerfile lines of the RUN instructions that come first after their FROM. buildah (1.28) applies
 * `--env` when it commits a step, so such a RUN runs without the variables; any instruction before it
 * (`ARG`, `LABEL`...) is a committed step with --layers, and the RUN then has them.
 */
export function runsBeforeEnv(text: string): number[] {
  const out: number[] = [];
  let afterFrom = false;
  for (const { keyword, line } of instructions(text)) {
    if (afterFrom && keyword === 'RUN') out.push(line);
    afterFrom = keyword === 'FROM';
  }
  return out;
}

/**
 * Variables the Containerfile sets itself with ENV (`ENV K=V …` or `ENV K V`). buildah's --env overrides ENV
 * in the RUN steps and in the image config, so a variable given this way would replace the Containerfile's
 * own value; taking it out of the config afterwards would then lose that value. A key that only looks like
 * one (inside a quoted value) just means that variable is not passed: the safe side.
 */
export function envInstructionKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const { keyword, args } of instructions(text)) {
    if (keyword !== 'ENV') continue;
    const first = /^([A-Za-z_][A-Za-z0-9_]*)(=?)/.exec(args);
    if (!first) continue;
    if (first[2] !== '=') keys.add(first[1]!);
    else for (const m of args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)) keys.add(m[1]!);
  }
  return keys;
}

/** The images the stages start from (FROM), leaving out scratch and earlier stages named with AS. */
export function baseImages(text: string): string[] {
  const stages = new Set<string>();
  const out: string[] = [];
  for (const { keyword, args } of instructions(text)) {
    if (keyword !== 'FROM') continue;
    const words = args.trim().split(/\s+/).filter((w) => !w.startsWith('--'));
    const image = words[0];
    if (image && image !== 'scratch' && !stages.has(image.toLowerCase())) out.push(image);
    if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
  }
  return out;
}

/** The Env of a local base (what `--pull=never` can read: oci-archive: or docker-archive:, relative to the
 * context as buildah resolves it); [] for anything else or an unreadable base (buildah then says why). */
async function baseEnv(ref: string, context: string): Promise<string[]> {
  const m = /^(oci-archive|docker-archive):(.+)$/.exec(ref);
  if (!m) return [];
  const file = resolve(context, m[2]!);
  // a plain file is read by repro's own reader; FILE:TAG goes through skopeo
  const target = (await stat(file).catch(() => undefined))?.isFile() ? file : `${m[1]}:${file}`;
  const image = await openImage(target).catch(() => undefined);
  const env = image?.config?.config?.Env;
  return Array.isArray(env) ? env.filter((kv): kv is string => typeof kv === 'string') : [];
}

/**
 * Variables whose value the build itself fixes for its RUN steps, each with where it is set: `ENV` in the
 * Containerfile, or the config of a base image a stage starts FROM. Every real build of this Containerfile
 * gives the RUN steps that value, so varying it would test a build that never happens, and buildah's --env
 * would also replace the value in the image config, where taking repro's variables out again would lose it.
 */
export async function fixedEnv(text: string, context: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ref of baseImages(text)) {
    for (const kv of await baseEnv(ref, context)) {
      const key = kv.slice(0, Math.max(0, kv.indexOf('=')));
      if (key && !out.has(key)) out.set(key, `base image ${ref}`);
    }
  }
  for (const key of envInstructionKeys(text)) out.set(key, 'ENV');
  return out;
}

/** The variables for the RUN steps without those the build fixes itself (fixedEnv). */
export function runEnvFor(runEnv: Record<string, string>, fixed: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(runEnv).filter(([k]) => !fixed.has(k)));
}

/** What the installed buildah can do for reproducibility, read from its own version and help text. */
export interface BuildahFeatures {
  version: string;
  /** `--timestamp SECONDS`: file times in the layers and the created times of config and history. */
  timestamp: boolean;
  /** `--source-date-epoch` and `--rewrite-timestamp` (newer buildah; not in Debian bookworm's 1.28). */
  sourceDateEpoch: boolean;
  rewriteTimestamp: boolean;
}

function output(argv: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 20_000 }, (err, stdout, stderr) => resolve(err ? '' : `${stdout}${stderr}`));
  });
}

let features: Promise<BuildahFeatures | undefined> | undefined;

/** Undefined without buildah. Asked once per process. */
export function buildahFeatures(): Promise<BuildahFeatures | undefined> {
  features ??= (async () => {
    const buildah = findCommand('buildah');
    if (!buildah) return undefined;
    const [version, help] = await Promise.all([output([buildah, '--version']), output([buildah, 'bud', '--help'])]);
    return {
      version: /version\s+(\S+)/.exec(version)?.[1] ?? 'unknown',
      timestamp: /--timestamp\b/.test(help),
      sourceDateEpoch: /--source-date-epoch\b/.test(help),
      rewriteTimestamp: /--rewrite-timestamp\b/.test(help),
    };
  })();
  return features;
}
