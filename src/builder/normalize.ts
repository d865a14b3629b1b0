// The manifest's rules, applied to every layer as it is written and to the config: the same rule engine
// and the same writer that `repro normalize` uses, so a built layer and a normalized one cannot disagree.
import type { ImageConfig } from '../core/image.js';
import { writeLayer, type LayerSource, type WrittenLayer } from '../image/layer-writer.js';
import { loadRules } from '../rules/load.js';
import { applyAnnotationRules, applyImageRules, applyRulesToLayer } from '../rules/apply.js';
import type { OutputCompression } from './manifest-types.js';

export type Rules = Awaited<ReturnType<typeof loadRules>>;

export async function loadBuildRules(files: string[]): Promise<Rules | undefined> {
  return files.length ? await loadRules(files) : undefined;
}

export async function writeNormalizedLayer(
  items: LayerSource[],
  rules: Rules | undefined,
  opts: { epoch: number; layer: number; compression: OutputCompression; dir: string; warn?: (message: string) => void },
): Promise<WrittenLayer> {
  const normalized = rules ? await applyRulesToLayer(items, rules, { epoch: opts.epoch, layer: opts.layer, ...(opts.warn ? { warn: opts.warn } : {}) }) : items;
  return writeLayer(normalized, { compression: opts.compression, dir: opts.dir });
}

export async function normalizeConfig(config: ImageConfig, rules: Rules | undefined, epoch: number): Promise<ImageConfig> {
  return rules ? await applyImageRules(config, rules, epoch) : config;
}

export function normalizeAnnotations(annotations: Record<string, string>, rules: Rules | undefined, epoch: number): Record<string, string> {
  return (rules ? applyAnnotationRules(annotations, rules, epoch) : annotations) ?? annotations;
}

