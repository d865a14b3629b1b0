// The reference merge of a layer stack, in memory (the oracle of the streamed merged view,
// src/compare/merged-view.ts): each layer's whiteouts and opaque markers apply to the layers under it only,
// before the layer's own entries, whatever their order in the tar (OCI image-spec layer.md, "Whiteouts");
// an entry that is not a directory, put where a directory is, removes what was below it.
// It was src/image/merged.ts, where a whiteout applied at its place in the tar: an entry of the same layer
// before it was deleted too, which layer.md forbids ("Files that are present in the same layer as a whiteout
// file can only be hidden by whiteout files in subsequent layers").
import type { Entry } from '../../src/core/entry.js';

export interface MergedEntry {
  entry: Entry;
  layer: number;
}

function deleteTree(map: Map<string, MergedEntry>, path: string, keepSelf: boolean): void {
  if (!keepSelf) map.delete(path);
  const prefix = path === '' ? '' : path + '/';
  for (const key of map.keys()) if (key.startsWith(prefix) && key !== path) map.delete(key);
}

export function mergeLayers(layers: Entry[][]): Map<string, MergedEntry> {
  const merged = new Map<string, MergedEntry>();
  layers.forEach((entries, layer) => {
    for (const e of entries) if (e.type === 'opaque') deleteTree(merged, e.path, true);
    for (const e of entries) if (e.type === 'whiteout') deleteTree(merged, e.path, false);
    for (const e of entries) {
      if (e.type === 'opaque' || e.type === 'whiteout') continue;
      const below = merged.get(e.path);
      if (below && below.entry.type === 'dir' && e.type !== 'dir') deleteTree(merged, e.path, true);
      merged.set(e.path, { entry: e, layer });
    }
  });
  return merged;
}
