// `repro normalize`: rewrite an existing image through the rules and the one canonical writer. Layer by
// layer: entries stream out of the reader, member bodies are spooled into the private temp area (one file
// per layer named by its index, never by a member name: names come from untrusted input), the rules apply, the layer
// is written canonically, and the spool is dropped before the next layer. Entries wait as packed records in
// sorted runs (image/layer-items.ts): memory does not grow with the entry count.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Compression, Image, ImageConfig } from '../core/image.js';
import { tempDir } from '../core/temp.js';
import type { RuleSet } from './types.js';
import { epochToRfc3339 } from './apply.js';
import { normalizeAnnotations, normalizeConfig, writeNormalizedLayer } from './normalize-layer.js';
import { openImage, hostPlatform } from '../image/index.js';
import type { FetchOptions } from '../image/reference.js';
import type { WrittenLayer } from '../image/layer-writer.js';
import { spoolLayer } from '../image/spool-layer.js';
import { writeImage, type ImageFormat, checkOutputDir } from '../image/image-writer.js';

export interface NormalizeOptions {
  epoch: number;
  format: ImageFormat;
  out: string;
  platform?: string;
  /** How to reach registries when `input` is an image reference. */
  fetch?: FetchOptions;
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

/** A rootfs tarball or a directory has no config: the least an image needs (image-spec config.md). */
function baseConfig(image: Image, platform: string | undefined, epoch: number): ImageConfig {
  if (image.config) return image.config;
  const [os = 'linux', architecture = 'amd64', variant] = (platform ?? hostPlatform()).split('/');
  // `created` is optional, but tools show 0001-01-01 without it; the epoch is the reproducible choice
  return { created: epochToRfc3339(epoch), architecture, os, ...(variant ? { variant } : {}), rootfs: { type: 'layers', diff_ids: [] } };
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
  // refuse a directory full of someone's files before reading anything (writeImage checks again)
  if (opts.format === 'oci-dir') await checkOutputDir(opts.out);
  const image = await openImage(input, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const work = await tempDir('normalize-');
  const blobs = join(work, 'blobs');
  await mkdir(blobs);
  const layers: WrittenLayer[] = [];
  let deleted = 0;
  try {
    for (let i = 0; i < image.layers.length; i++) {
      const spool = join(work, `spool-${i}`);
      const { written, deleted: gone } = await writeNormalizedLayer(spoolLayer(image, i, spool), rules, { epoch: opts.epoch, layer: i, compression: opts.compression ?? 'gzip', dir: blobs, spoolDir: work, warn: opts.warn ?? (() => undefined) });
      deleted += gone;
      layers.push(written);
      await rm(spool, { force: true });
    }
    const config = normalizeConfig(baseConfig(image, opts.platform, opts.epoch), rules, opts.epoch);
    const annotations = normalizeAnnotations(manifestAnnotations(image), rules, opts.epoch);
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
