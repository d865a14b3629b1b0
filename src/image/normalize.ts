// `repro normalize`: rewrite an existing image through the rules and the one canonical writer. Layer by
// layer: entries stream out of the reader, member bodies are spooled into the private temp area (files
// named by a counter, never by member name: names come from untrusted input), the rules apply, the layer
// is written canonically, and the spool is dropped before the next layer — memory holds entry metadata only.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Compression, Image, ImageConfig } from '../core/image.js';
import { tempDir } from '../core/temp.js';
import type { RuleSet } from '../rules/types.js';
import { applyAnnotationRules, applyImageRules, applyRulesToLayer } from '../rules/apply.js';
import { openImage, readLayer, hostPlatform } from './index.js';
import { writeLayer, type LayerSource, type WrittenLayer } from './layer-writer.js';
import { writeImage, type ImageFormat } from './image-writer.js';

export interface NormalizeOptions {
  epoch: number;
  format: ImageFormat;
  out: string;
  platform?: string;
  /** Layer compression of the output; one fixed choice whatever the input had (default gzip). */
  compression?: Compression;
  refName?: string;
  /** Rule warnings (a member over the size limit, a .gz that is not gzip, ...). */
  warn?: (message: string) => void;
}

export interface NormalizeResult {
  manifestDigest: string;
  configDigest: string;
  layers: WrittenLayer[];
  /** Entries dropped by delete rules, over all layers. */
  deleted: number;
}

async function spoolLayer(image: Image, index: number, dir: string): Promise<LayerSource[]> {
  const layer = image.layers[index];
  if (!layer) return [];
  const items: LayerSource[] = [];
  let n = 0;
  for await (const { entry, body } of readLayer(image, layer)) {
    if (entry.type !== 'file' || entry.size === 0) {
      items.push({ entry });
      continue;
    }
    const file = join(dir, String(n++));
    await pipeline(body, createWriteStream(file));
    items.push({ entry, content: () => createReadStream(file) });
  }
  return items;
}

/** A rootfs tarball or a directory has no config: the least an image needs (image-spec config.md). */
function baseConfig(image: Image, platform: string | undefined): ImageConfig {
  if (image.config) return image.config;
  const [os = 'linux', architecture = 'amd64', variant] = (platform ?? hostPlatform()).split('/');
  return { architecture, os, ...(variant ? { variant } : {}), rootfs: { type: 'layers', diff_ids: [] } };
}

function manifestAnnotations(image: Image): Record<string, string> | undefined {
  if (!image.manifestBytes) return undefined;
  try {
    const m = JSON.parse(image.manifestBytes.toString('utf8')) as { annotations?: Record<string, string> };
    return m.annotations;
  } catch {
    return undefined; // the reader already parsed it once; an unreadable copy carries no annotations
  }
}

export async function normalizeImage(input: string, rules: RuleSet, opts: NormalizeOptions): Promise<NormalizeResult> {
  const image = await openImage(input, opts.platform ? { platform: opts.platform } : {});
  const work = await tempDir('normalize-');
  const blobs = join(work, 'blobs');
  await mkdir(blobs);
  const layers: WrittenLayer[] = [];
  let deleted = 0;
  try {
    for (let i = 0; i < image.layers.length; i++) {
      const spool = join(work, `spool-${i}`);
      await mkdir(spool);
      const items = await spoolLayer(image, i, spool);
      const kept = await applyRulesToLayer(items, rules, { epoch: opts.epoch, layer: i, ...(opts.warn ? { warn: opts.warn } : {}) });
      deleted += items.length - kept.length;
      layers.push(await writeLayer(kept, { compression: opts.compression ?? 'gzip', dir: blobs }));
      await rm(spool, { recursive: true, force: true });
    }
    const config = applyImageRules(baseConfig(image, opts.platform), rules, opts.epoch);
    const annotations = applyAnnotationRules(manifestAnnotations(image), rules, opts.epoch);
    const written = await writeImage(
      { layers, config, ...(annotations ? { annotations } : {}) },
      opts.out,
      opts.format,
      opts.refName ? { refName: opts.refName } : {},
    );
    return { ...written, layers, deleted };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
