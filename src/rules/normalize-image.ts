// `repro normalize`: rewrite an existing image through the rules and the one canonical writer. Layer by
// layer: entries stream out of the reader, member bodies are spooled into the private temp area (one file
// per layer named by its index, never by a member name: names come from untrusted input), the rules apply, the layer
// is written canonically, and the spool is dropped before the next layer — memory holds entry metadata only.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Compression, Image, ImageConfig } from '../core/image.js';
import { tempDir } from '../core/temp.js';
import type { RuleSet } from './types.js';
import { applyAnnotationRules, applyImageRules, applyRulesToLayer, epochToRfc3339 } from './apply.js';
import { openImage, readLayer, hostPlatform } from '../image/index.js';
import { writeLayer, type LayerSource, type WrittenLayer } from '../image/layer-writer.js';
import { writeImage, type ImageFormat, checkOutputDir } from '../image/image-writer.js';

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

/**
 * One append-only spool file per layer: member bodies are written back to back and read again by range.
 * (A file per member costs an open/close pair each: ~10x slower on layers of many small files.)
 */
async function spoolLayer(image: Image, index: number, file: string): Promise<LayerSource[]> {
  const layer = image.layers[index];
  if (!layer) return [];
  const items: LayerSource[] = [];
  const out = createWriteStream(file);
  let writeError: Error | undefined;
  let current: Readable | undefined;
  // a failed spool write (disk full) must end the body being copied, or the copy would wait forever
  out.on('error', (err) => {
    writeError = err;
    current?.destroy(err);
  });
  const closed = once(out, 'close');
  closed.catch(() => undefined);
  let offset = 0;
  try {
    for await (const { entry, body } of readLayer(image, layer)) {
      if (writeError) throw writeError;
      if (entry.type !== 'file' || entry.size === 0) {
        items.push({ entry });
        continue;
      }
      const start = offset;
      current = body;
      // 'data' events rather than async iteration: a promise per chunk made spooling several times slower
      await new Promise<void>((resolve, reject) => {
        let waiting = false;
        const onDrain = (): void => {
          waiting = false;
          body.resume();
        };
        body.on('data', (chunk: Buffer) => {
          offset += chunk.length;
          if (!out.write(chunk) && !waiting) {
            waiting = true;
            body.pause();
            out.once('drain', onDrain);
          }
        });
        body.once('end', () => {
          out.off('drain', onDrain);
          resolve();
        });
        body.once('error', reject);
      });
      if (out.writableNeedDrain && !writeError) await once(out, 'drain');
      current = undefined;
      const end = offset;
      items.push({ entry, content: () => (end > start ? createReadStream(file, { start, end: end - 1 }) : Readable.from([])) });
    }
  } finally {
    out.end();
    await closed;
  }
  if (writeError) throw writeError;
  return items;
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
  const image = await openImage(input, opts.platform ? { platform: opts.platform } : {});
  const work = await tempDir('normalize-');
  const blobs = join(work, 'blobs');
  await mkdir(blobs);
  const layers: WrittenLayer[] = [];
  let deleted = 0;
  try {
    for (let i = 0; i < image.layers.length; i++) {
      const spool = join(work, `spool-${i}`);
      const items = await spoolLayer(image, i, spool);
      const kept = await applyRulesToLayer(items, rules, { epoch: opts.epoch, layer: i, spoolDir: work, ...(opts.warn ? { warn: opts.warn } : {}) });
      deleted += items.length - kept.length;
      layers.push(await writeLayer(kept, { compression: opts.compression ?? 'gzip', dir: blobs }));
      await rm(spool, { force: true });
    }
    const config = applyImageRules(baseConfig(image, opts.platform, opts.epoch), rules, opts.epoch);
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
