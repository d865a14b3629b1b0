// "layer → rules → writer" in one place: the builder (each phase's layer), the external builder (each layer
// of its archive) and `repro normalize` (each layer of an image) write through writeNormalizedLayer, so a
// built layer and a normalized one cannot disagree. Items stream through the rules into the writer's store
// (packed records in sorted runs: memory does not grow with the entry count). Rule warnings go to `warn`,
// and rewritten contents over the held limit are spooled into `spoolDir`.
import type { Compression, ImageConfig } from '../core/image.js';
import { writeLayer, type WrittenLayer } from '../image/layer-writer.js';
import { LayerItems, type LayerSource } from '../image/layer-items.js';
import { applyAnnotationRules, applyImageRules, LayerRules, type ApplyContext } from './apply.js';
import type { RuleSet } from './types.js';

export interface NormalizeLayerOptions {
  epoch: number;
  /** The layer's index, for rules that name layers and for warnings. */
  layer: number;
  compression: Compression;
  /** Where the layer blob is written. */
  dir: string;
  /** Where rewritten contents are spooled (a private work directory). */
  spoolDir: string;
  warn: (message: string) => void;
}

/** `items` through the rules into `store`, one at a time. */
export async function addNormalized(
  store: LayerItems,
  items: Iterable<LayerSource> | AsyncIterable<LayerSource>,
  rules: RuleSet | undefined,
  ctx: ApplyContext,
): Promise<void> {
  const apply = rules ? new LayerRules(rules, ctx) : undefined;
  try {
    for await (const item of items) {
      const kept = apply ? await apply.apply(item) : item;
      if (kept) store.add(kept);
      else store.delete(item);
    }
  } finally {
    apply?.close();
  }
}

/** The layer written canonically after the rules; `entries` = items given, `deleted` = dropped by delete rules. */
export async function writeNormalizedLayer(
  items: Iterable<LayerSource> | AsyncIterable<LayerSource>,
  rules: RuleSet | undefined,
  opts: NormalizeLayerOptions,
): Promise<{ written: WrittenLayer; entries: number; deleted: number }> {
  const store = new LayerItems();
  try {
    await addNormalized(store, items, rules, { epoch: opts.epoch, layer: opts.layer, spoolDir: opts.spoolDir, warn: opts.warn });
    const written = await writeLayer(store, { compression: opts.compression, dir: opts.dir });
    return { written, entries: store.added, deleted: store.deleted };
  } finally {
    store.close();
  }
}

export function normalizeConfig(config: ImageConfig, rules: RuleSet | undefined, epoch: number): ImageConfig {
  return rules ? applyImageRules(config, rules, epoch) : config;
}

export function normalizeAnnotations(annotations: Record<string, string> | undefined, rules: RuleSet | undefined, epoch: number): Record<string, string> | undefined {
  return rules ? applyAnnotationRules(annotations, rules, epoch) ?? annotations : annotations;
}
