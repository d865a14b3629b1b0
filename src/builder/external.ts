// `builder: {command}`: any external builder (buildah, BuildKit, kaniko, a script) writes an OCI or docker
// archive to $REPRO_OUT; its layers then go through the same rules and the same writer as repro's own, so
// the result is comparable and normalizable in exactly the same way.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ReproError } from '../core/errors.js';
import type { ImageConfig } from '../core/image.js';
import { openImage, readLayer } from '../image/index.js';
import type { LayerSource, WrittenLayer } from '../image/layer-writer.js';
import { runLogged } from './chroot.js';
import type { Manifest, OutputCompression } from './manifest-types.js';
import { writeNormalizedLayer, type Rules } from './normalize.js';
import type { BuiltLayer, ProgressEvent } from './options.js';

export interface ExternalContext {
  work: string;
  blobDir: string;
  env: Record<string, string>;
  wrap: string[];
  rules: Rules | undefined;
  epoch: number;
  compression: OutputCompression;
  onOutput?: (chunk: Buffer) => void;
  onProgress?: (event: ProgressEvent) => void;
}

export async function runExternalBuilder(
  manifest: Manifest,
  ctx: ExternalContext,
): Promise<{ layers: WrittenLayer[]; built: BuiltLayer[]; config: ImageConfig | undefined }> {
  const command = manifest.builder!.command;
  const where = `${manifest.path}:${manifest.builder!.line}`;
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
  const image = await openImage(out);
  const layers: WrittenLayer[] = [];
  const built: BuiltLayer[] = [];
  const history = image.config?.history?.filter((h) => !h.empty_layer) ?? [];
  // Member contents are parked in a per-layer store: the writer wants to open each one when it packs,
  // and a layer stream can only be read once, in order.
  ctx.onProgress?.({ kind: 'phase-done', phase: 'builder command', index: 0, total: 1, elapsedMs: Date.now() - t0, size: (await stat(out)).size, entries: image.layers.length, digest: image.manifestDigest ?? '' });
  for (const layer of image.layers) {
    const t = Date.now();
    const store = join(ctx.work, `external-${layer.index}`);
    await mkdir(store, { recursive: true });
    const items: LayerSource[] = [];
    let n = 0;
    for await (const { entry, body } of readLayer(image, layer)) {
      if (entry.type === 'file' && entry.size > 0) {
        const file = join(store, String(n++));
        await pipeline(body, createWriteStream(file));
        items.push({ entry, content: () => createReadStream(file) });
      } else {
        body.resume();
        items.push({ entry });
      }
    }
    const written = await writeNormalizedLayer(items, ctx.rules, { epoch: ctx.epoch, layer: layer.index, compression: ctx.compression, dir: ctx.blobDir });
    layers.push(written);
    const name = history[layer.index]?.created_by?.slice(0, 60) ?? `builder layer ${layer.index}`;
    built.push({ phase: name, digest: written.digest, diffId: written.diffId, size: written.size });
    ctx.onProgress?.({ kind: 'phase-done', phase: `normalize ${name}`, index: layer.index, total: image.layers.length, elapsedMs: Date.now() - t, size: written.size, entries: items.length, digest: written.digest });
  }
  return { layers, built, config: image.config ? { ...image.config, rootfs: { type: 'layers', diff_ids: [] } } : undefined };
}
