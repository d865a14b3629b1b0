// "layer → rules → writer" in one place: the builder (each phase's layer), the external builder (each layer
// of its archive) and `repro normalize` (each layer of an image) write through writeNormalizedLayer, so a
// built layer and a normalized one cannot disagree. Rule warnings go to `warn`, and rewritten contents over
// the held limit are spooled into `spoolDir` instead of staying in memory until the layer is written.
import type { Compression, ImageConfig } from '../core/image.js';
import { writeLayer, type LayerSource, type WrittenLayer } from '../image/layer-writer.js';
import { applyAnnotationRules, applyImageRules, applyRulesToLayer } from './apply.js';
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

/** The layer written canonically after the rules; `kept` = items left after delete rules. */
export async function writeNormalizedLayer(items: LayerSource[], rules: RuleSet | undefined, opts: NormalizeLayerOptions): Promise<{ written: WrittenLayer; kept: number }> {
  const kept = rules ? await applyRulesToLayer(items, rules, { epoch: opts.epoch, layer: opts.layer, spoolDir: opts.spoolDir, warn: opts.warn }) : items;
  return { written: await writeLayer(kept, { compression: opts.compression, dir: opts.dir }), kept: kept.length };
}

export function normalizeConfig(config: ImageConfig, rules: RuleSet | undefined, epoch: number): ImageConfig {
  return rules ? applyImageRules(config, rules, epoch) : config;
}

export function normalizeAnnotations(annotations: Record<string, string> | undefined, rules: RuleSet | undefined, epoch: number): Record<string, string> | undefined {
  return rules ? applyAnnotationRules(annotations, rules, epoch) ?? annotations : annotations;
}
