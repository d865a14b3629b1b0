// buildManifest: base, then phases in order, each committed as its own layer (the snapshot diff of the
// tree), normalized by the manifest's rules on the way to the ONE writer, then the image written
// atomically. The builder itself adds nothing that varies: fixed environment, fixed umask, times from
// SOURCE_DATE_EPOCH; what differs between two builds is what the phases did.
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { onCleanup } from '../core/cleanup.js';
import type { ImageConfig } from '../core/image.js';
import { tempDir } from '../core/temp.js';
import { writeImage } from '../image/image-writer.js';
import type { WrittenLayer } from '../image/layer-writer.js';
import { bootstrapBase } from './bases/bootstrap.js';
import { imageBase } from './bases/image.js';
import { tarballBase } from './bases/tarball.js';
import type { BaseContext, BaseOutcome } from './bases/types.js';
import { runContainerfileBuilder } from './containerfile.js';
import { runExternalBuilder } from './external.js';
import { describeEpoch, resolveEpoch } from './epoch.js';
import { disorderfsLower } from './disorder.js';
import { diffSnapshots } from './layer-diff.js';
import { loadManifest } from './manifest-schema.js';
import type { Manifest } from './manifest-types.js';
import { loadRules } from '../rules/load.js';
import { normalizeAnnotations, normalizeConfig, writeNormalizedLayer } from '../rules/normalize-layer.js';
import type { RuleSet } from '../rules/types.js';
import { ruleFileRef } from './rule-ref.js';
import { BUILD_DOMAIN, BUILD_HOSTNAME, type BuildOptions, type BuildResult, type BuiltLayer } from './options.js';
import { runPhase, type PhaseContext } from './phases.js';
import { dropSnapshot, emptySnapshot, takeSnapshot, type Snapshot } from './snapshot.js';
import { buildEnv, imageConfig } from './image-config.js';
import { existsInTree } from './tree-path.js';
import { StepTimeline, unownedSteps } from './step-timeline.js';
import type { BuildStep } from '../core/step.js';

async function makeWorkDir(opts: BuildOptions): Promise<string> {
  if (!opts.workDir) return tempDir('build-');
  const dir = resolve(opts.workDir);
  await mkdir(dir, { recursive: true });
  return dir;
}

function baseOf(manifest: Manifest, ctx: BaseContext): Promise<BaseOutcome> {
  const base = manifest.base ?? { kind: 'scratch' as const };
  switch (base.kind) {
    case 'debootstrap':
    case 'mmdebstrap':
      return bootstrapBase(base, ctx);
    case 'tarball':
      return tarballBase(base.path, ctx);
    case 'image':
      return imageBase(base.path, ctx);
    case 'scratch':
      return Promise.resolve({ label: 'scratch', treeIsLayer: false, kept: [] });
  }
}

interface LayerState {
  manifest: Manifest;
  rules: RuleSet | undefined;
  /** Rewritten contents over the held limit go here (the build's work directory). */
  spoolDir: string;
  warn: (message: string) => void;
  epoch: number;
  blobDir: string;
  compression: NonNullable<BuildOptions['compression']>;
  layers: WrittenLayer[];
  built: BuiltLayer[];
  names: string[];
  /** Per layer index: the step that last changed each path no package owns (step-timeline.ts). */
  steps: Map<string, BuildStep>[];
}

/** Diff, normalize and write one layer while the tree still holds exactly what the snapshot saw. */
async function commitLayer(state: LayerState, name: string, prev: Snapshot, next: Snapshot, timeline?: StepTimeline): Promise<{ size: number; entries: number; digest: string }> {
  const steps = timeline ? await unownedSteps(timeline, next.root) : undefined;
  const diff = diffSnapshots(prev, next, steps ? (e) => steps.place(e) : undefined);
  const { written, entries } = await writeNormalizedLayer(diff.items, state.rules, {
    epoch: state.epoch,
    layer: state.layers.length,
    compression: state.compression,
    dir: state.blobDir,
    spoolDir: state.spoolDir,
    warn: state.warn,
  });
  if (steps) state.steps[state.layers.length] = steps.steps;
  state.layers.push(written);
  state.names.push(name);
  state.built.push({ phase: name, digest: written.digest, diffId: written.diffId, size: written.size });
  return { size: written.size, entries, digest: written.digest };
}

/** Base, then every phase as its own layer; returns the image config (the base image's, extended). */
async function buildPhases(manifest: Manifest, opts: BuildOptions, state: LayerState, baseCtx: BaseContext): Promise<ImageConfig> {
  const root = baseCtx.root;
  const baseKind = manifest.base?.kind ?? 'scratch';
  const baseIsLayer = baseKind !== 'scratch' && baseKind !== 'image';
  const total = (baseIsLayer ? 1 : 0) + manifest.phases.length;
  let index = 0;
  const t0 = Date.now();
  if (baseIsLayer) opts.onProgress?.({ kind: 'phase-start', phase: 'base', index, total });
  const baseTimeline = new StepTimeline('base');
  const base = await baseOf(manifest, { ...baseCtx, timeline: baseTimeline });
  for (const k of base.kept) {
    state.layers.push(k.layer);
    state.names.push(k.name);
    state.built.push({ phase: k.name, digest: k.layer.digest, diffId: k.layer.diffId, size: k.layer.size });
  }
  let prev = base.treeIsLayer ? emptySnapshot(root, base.devices) : await takeSnapshot(root, undefined, base.devices);
  if (base.treeIsLayer) {
    const next = await takeSnapshot(root, prev);
    const r = await commitLayer(state, 'base', prev, next, baseTimeline);
    opts.onProgress?.({ kind: 'phase-done', phase: 'base', index: index++, total, elapsedMs: Date.now() - t0, ...r });
    await dropSnapshot(prev);
    prev = next;
  }
  const phaseCtx: PhaseContext = {
    manifestPath: manifest.path,
    root,
    chroot: false,
    baseEnv: baseCtx.env,
    manifestEnv: {},
    umask: opts.umask ?? '0022',
    wrap: opts.wrap ?? [],
    ...(opts.wrapDirs?.length ? { wrapDirs: opts.wrapDirs } : {}),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
    ...(opts.domain !== undefined ? { domain: opts.domain } : {}),
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    ...(opts.phaseUser ? { phaseUser: opts.phaseUser } : {}),
    ...(opts.pathExtra !== undefined ? { pathExtra: opts.pathExtra } : {}),
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
  };
  // disorderfs needs an empty directory outside the tree to bind the real tree to (chroot.ts, disorder.ts)
  const disorder = opts.shuffleDirents ? await disorderfsLower(baseCtx.workDir) : undefined;
  if (disorder) phaseCtx.shuffleDirents = { lower: disorder.lower };
  try {
    for (const phase of manifest.phases) {
      const t = Date.now();
      opts.onProgress?.({ kind: 'phase-start', phase: phase.name, index, total });
      // scratch trees run on the host even once a phase has put a shell in them: $ROOTFS is the contract.
      phaseCtx.chroot = baseKind !== 'scratch' && (await existsInTree(root, 'bin/sh'));
      phaseCtx.timeline = new StepTimeline(phase.name);
      await runPhase(phaseCtx, phase);
      const next = await takeSnapshot(root, prev);
      const r = await commitLayer(state, phase.name, prev, next, phaseCtx.timeline);
      opts.onProgress?.({ kind: 'phase-done', phase: phase.name, index: index++, total, elapsedMs: Date.now() - t, ...r });
      await dropSnapshot(prev);
      prev = next;
    }
  } finally {
    await disorder?.remove();
  }
  await dropSnapshot(prev);
  if (prev.skipped.length) process.emitWarning(`sockets left out of the layers: ${prev.skipped.slice(0, 5).join(', ')}`);
  if (prev.xattrsUnread) process.emitWarning(`xattrs set by phases are not in the layers: ${prev.xattrsUnread} (apt-get install attr)`);
  return imageConfig({
    ...(base.config ? { base: base.config } : {}),
    epoch: state.epoch,
    names: state.names,
    keptCount: base.kept.length,
    env: phaseCtx.manifestEnv,
    label: base.label,
    shell: await existsInTree(root, 'bin/sh'),
  });
}

export async function buildManifest(manifestPath: string, given: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const opts = process.getuid?.() === 0 ? { ...given, hostname: given.hostname ?? BUILD_HOSTNAME, domain: given.domain ?? BUILD_DOMAIN } : given;
  const manifest = await loadManifest(manifestPath);
  const epoch = await resolveEpoch(manifest, { ...process.env, ...opts.env });
  opts.onProgress?.({ kind: 'epoch', epoch: epoch.epoch, source: epoch.source, text: describeEpoch(epoch) });
  const ruleFiles = [...manifest.normalize, ...(opts.extraRules ?? []).map((f) => ruleFileRef(f, process.cwd()))];
  const rules = ruleFiles.length ? await loadRules(ruleFiles) : undefined;
  const warn = opts.warn ?? ((message: string): void => process.emitWarning(message));
  const format = opts.format ?? manifest.output.format;
  const compression = opts.compression ?? manifest.output.compression;

  const work = await makeWorkDir(opts);
  const root = join(work, 'rootfs');
  const blobDir = join(work, 'blobs');
  const spoolDir = join(work, 'spool');
  // The tree goes on every exit path; mounts never outlive the namespace of the command that made them.
  const removeWork = (): Promise<void> => rm(opts.workDir ? root : work, { recursive: true, force: true }).then(() => rm(blobDir, { recursive: true, force: true })).then(() => rm(spoolDir, { recursive: true, force: true }));
  const forget = onCleanup(removeWork);
  try {
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { mode: 0o755 });
    await mkdir(blobDir, { recursive: true });
    await mkdir(spoolDir, { recursive: true });
    const env = buildEnv(epoch.epoch, opts.env);
    const cacheDir = opts.cacheDir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'repro');
    const state: LayerState = { manifest, rules, spoolDir, warn, epoch: epoch.epoch, blobDir, compression, layers: [], built: [], names: [], steps: [] };
    let config: ImageConfig | undefined;

    if (manifest.builder) {
      const ext = { work, blobDir, env, wrap: opts.wrap ?? [], rules, spoolDir, warn, epoch: epoch.epoch, compression, ...(opts.onOutput ? { onOutput: opts.onOutput } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
      // buildah runs the RUN steps itself: a command prefix cannot reach them, its variables can.
      const r =
        manifest.builder.kind === 'containerfile'
          ? await runContainerfileBuilder(manifest, {
              ...ext,
              runEnv: { ...opts.env, ...(opts.home !== undefined ? { HOME: opts.home } : {}), ...opts.wrapEnv },
              lendDirs: opts.wrapDirs ?? [],
              inheritWrap: opts.inheritWrap ?? [],
              ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
              ...(opts.domain !== undefined ? { domain: opts.domain } : {}),
            })
          : await runExternalBuilder(manifest, ext);
      state.layers.push(...r.layers);
      state.built.push(...r.built);
      state.names.push(...r.built.map((b) => b.phase));
      config = r.config;
    } else {
      config = await buildPhases(manifest, opts, state, { manifestPath: manifest.path, root, blobDir, workDir: work, env, cacheDir, ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.onOutput ? { onOutput: opts.onOutput } : {}) });
    }

    const finalConfig = normalizeConfig(config ?? imageConfig({ epoch: epoch.epoch, names: state.names, keptCount: 0, env: {}, label: 'builder', shell: false }), rules, epoch.epoch);
    const out = resolve(opts.out);
    opts.onProgress?.({ kind: 'write', out, format });
    const created = new Date(epoch.epoch * 1000).toISOString().replace('.000Z', 'Z');
    const written = await writeImage(
      { layers: state.layers, config: finalConfig, annotations: normalizeAnnotations({ 'org.opencontainers.image.created': created, 'org.opencontainers.image.title': manifest.name }, rules, epoch.epoch) ?? {} },
      out,
      format,
      { refName: 'latest' },
    );
    return { out, manifestDigest: written.manifestDigest, layers: state.built, steps: state.steps, epoch: epoch.epoch, epochSource: epoch.source, durationMs: Date.now() - started };
  } finally {
    await removeWork();
    forget();
  }
}
