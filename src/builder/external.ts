// `builder: {command}`: any external builder (buildah, BuildKit, kaniko, a script) writes an OCI or docker
// archive to $REPRO_OUT; its layers then go through the same rules and the same writer as repro's own, so
// the result is comparable and normalizable in exactly the same way.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError } from '../core/errors.js';
import type { ImageConfig } from '../core/image.js';
import { openImage } from '../image/index.js';
import type { WrittenLayer } from '../image/layer-writer.js';
import { spoolLayer } from '../image/spool-layer.js';
import { runLogged } from '../core/process.js';
import type { Manifest, OutputCompression } from './manifest-types.js';
import type { RuleSet } from '../rules/types.js';
import { writeNormalizedLayer } from '../rules/normalize-layer.js';
import type { BuiltLayer, ProgressEvent } from './options.js';

export interface ExternalContext {
  work: string;
  blobDir: string;
  env: Record<string, string>;
  wrap: string[];
  rules: RuleSet | undefined;
  epoch: number;
  compression: OutputCompression;
  /** Layer spools and rewritten contents (removed with the build's work). */
  spoolDir: string;
  warn: (message: string) => void;
  onOutput?: (chunk: Buffer) => void;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ImportedImage {
  layers: WrittenLayer[];
  built: BuiltLayer[];
  config: ImageConfig | undefined;
}

export async function runExternalBuilder(manifest: Manifest, ctx: ExternalContext): Promise<ImportedImage> {
  const builder = manifest.builder;
  if (builder?.kind !== 'command') throw new Error('runExternalBuilder: not a builder.command manifest');
  const command = builder.command;
  const where = `${manifest.path}:${builder.line}`;
  const out = join(ctx.work, 'external-out.tar');
  const t0 = Date.now();
  ctx.onProgress?.({ kind: 'phase-start', phase: 'builder command', index: 0, total: 1 });
  const r = await runLogged([...ctx.wrap, '/bin/sh', '-c', command], {
    env: { ...ctx.env, REPRO_OUT: out },
    cwd: manifest.dir,
    ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}),
  });
  if (r.code !== 0) {
    const tail = r.tail.length ? '\n  last output:\n' + r.tail.map((l) => '    ' + l).join('\n') : ' (no output)';
    throw new ReproError(`builder: \`${command}\` exited with code ${r.code}${tail}`, where);
  }
  if (!(await stat(out).catch(() => undefined))) throw new ReproError('builder: the command wrote nothing to $REPRO_OUT', where);
  return importBuiltImage(out, 'builder command', t0, ctx);
}

/**
 * An image a builder wrote (`out`): every layer through the rules to the one writer, named after its history
 * entry. `phase` names the builder's own step in the progress events.
 */
export async function importBuiltImage(out: string, phase: string, t0: number, ctx: ExternalContext): Promise<ImportedImage> {
  const image = await openImage(out);
  const layers: WrittenLayer[] = [];
  const built: BuiltLayer[] = [];
  const history = image.config?.history?.filter((h) => !h.empty_layer) ?? [];
  ctx.onProgress?.({ kind: 'phase-done', phase, index: 0, total: 1, elapsedMs: Date.now() - t0, size: (await stat(out)).size, entries: image.layers.length, digest: image.manifestDigest ?? '' });
  for (const layer of image.layers) {
    const t = Date.now();
    const spool = join(ctx.spoolDir, `external-${layer.index}`);
    const { written, entries } = await writeNormalizedLayer(spoolLayer(image, layer.index, spool), ctx.rules, { epoch: ctx.epoch, layer: layer.index, compression: ctx.compression, dir: ctx.blobDir, spoolDir: ctx.spoolDir, warn: ctx.warn });
    await rm(spool, { force: true });
    layers.push(written);
    const name = layerName(history[layer.index]?.created_by) ?? `builder layer ${layer.index}`;
    built.push({ phase: name, digest: written.digest, diffId: written.diffId, size: written.size });
    ctx.onProgress?.({ kind: 'phase-done', phase: `normalize ${name}`, index: layer.index, total: image.layers.length, elapsedMs: Date.now() - t, size: written.size, entries, digest: written.digest });
  }
  return { layers, built, config: image.config ? { ...image.config, rootfs: { type: 'layers', diff_ids: [] } } : undefined };
}

/**
 * A layer's name from its history entry, as the instruction reads: `/bin/sh -c #(nop) ADD file:… in /` is
 * `ADD file:… in /`, `|1 SOURCE_DATE_EPOCH=0 /bin/sh -c make` (a RUN with build arguments) is `RUN make`.
 */
export function layerName(createdBy: string | undefined): string | undefined {
  if (!createdBy) return undefined;
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/s.exec(createdBy);
  const run = /^(?:\|\d+ .*? )?\/bin\/sh -c (.*)$/s.exec(createdBy);
  const text = nop ? nop[1]! : run ? `RUN ${run[1]!}` : createdBy;
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
