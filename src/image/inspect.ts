// What `repro inspect` reports: per layer its media type, digests, size and entry count; a config summary.
import type { Image } from '../core/image.js';
import { openImage, type OpenOptions } from './open.js';
import { readLayer } from './layer-reader.js';

export interface LayerSummary {
  index: number;
  mediaType: string;
  /** null only for directory inputs, which have no blob. */
  digest: string | null;
  diffId: string | null;
  size: number | null;
  entries: number;
  whiteouts: number;
}

/** The `--json` shape, stable: every key is always present (null when the input has no such thing). */
export interface InspectResult {
  schema: 'repro-inspect/1';
  input: string;
  kind: string;
  /** null for docker save legacy archives, rootfs tarballs and directories (they have no manifest). */
  manifestDigest: string | null;
  configDigest: string | null;
  created: string | null;
  architecture: string | null;
  os: string | null;
  history: { created: string | null; createdBy: string | null; emptyLayer: boolean }[];
  layers: LayerSummary[];
  warnings: string[];
}

/** Config fields come from the input: only strings are shown. */
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
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
      digest: layer.digest ?? null,
      diffId: layer.diffId ?? null,
      size: layer.size ?? null,
      entries,
      whiteouts,
    });
  }
  const c = image.config;
  return {
    schema: 'repro-inspect/1',
    input: path,
    kind: image.kind,
    manifestDigest: image.manifestDigest ?? null,
    configDigest: image.configDigest ?? null,
    created: str(c?.created),
    architecture: str(c?.architecture),
    os: str(c?.os),
    history: (c?.history ?? []).map((h) => ({
      created: str(h.created),
      createdBy: str(h.created_by),
      emptyLayer: h.empty_layer === true,
    })),
    layers,
    warnings: image.warnings,
  };
}
