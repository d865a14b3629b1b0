// The merged filesystem of a layer stack (OCI image-spec layer.md "Applying changesets"): whiteouts delete
// from lower layers; an opaque whiteout empties its directory's lower contents before the layer's own
// entries apply, whatever their order in the tar.
import type { Entry } from '../core/entry.js';

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
    for (const e of entries) {
      if (e.type === 'opaque') continue;
      if (e.type === 'whiteout') {
        deleteTree(merged, e.path, false);
        continue;
      }
      const below = merged.get(e.path);
      if (below && below.entry.type === 'dir' && e.type !== 'dir') deleteTree(merged, e.path, true);
      merged.set(e.path, { entry: e, layer });
    }
  });
  return merged;
}
