// What `repro inspect` reports: per layer its media type, digests, size and entry count; a config summary.
import type { Image } from '../core/image.js';
import { openImage, type OpenOptions } from './open.js';
import { readLayer } from './layer-reader.js';

export interface LayerSummary {
  index: number;
  mediaType: string;
  digest: string;
  diffId: string;
  size: number;
  entries: number;
  whiteouts: number;
}

export interface InspectResult {
  input: string;
  kind: string;
  manifestDigest?: string;
  configDigest?: string;
  created?: string;
  architecture?: string;
  os?: string;
  history: { created?: string; createdBy?: string; emptyLayer?: boolean }[];
  layers: LayerSummary[];
  warnings: string[];
}

/** Config fields come from the input: only strings are shown. */
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export async function inspectImage(path: string, opts: OpenOptions = {}): Promise<InspectResult> {
  const image: Image = await openImage(path, opts);
  const layers: LayerSummary[] = [];
  for (const layer of image.layers) {
    let entries = 0;
    let whiteouts = 0;
    for await (const { entry } of readLayer(image, layer)) {
      entries++;
      if (entry.type === 'whiteout' || entry.type === 'opaque') whiteouts++;
    }
    layers.push({
      index: layer.index,
      mediaType: layer.mediaType,
      digest: layer.digest ?? '',
      diffId: layer.diffId ?? '',
      size: layer.size ?? 0,
      entries,
      whiteouts,
    });
  }
  const c = image.config;
  return {
    input: path,
    kind: image.kind,
    manifestDigest: image.manifestDigest,
    configDigest: image.configDigest,
    created: c?.created,
    architecture: c?.architecture,
    os: c?.os,
    history: (c?.history ?? []).map((h) => ({
      created: str(h.created),
      createdBy: str(h.created_by),
      emptyLayer: h.empty_layer === true ? true : undefined,
    })),
    layers,
    warnings: image.warnings,
  };
}
