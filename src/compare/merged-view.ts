// The merged filesystem of one side (merged mode: the layer counts differ), streamed. Every layer's entries go
// into one EntryIndex, keyed as in per-layer mode (path, WHITEOUT_KEY + path, OPAQUE_KEY + path); the seq
// grows across layers, so layer order is seq order. The index's sorted stream gives each path's entries
// together, by seq, and a path before its descendants (a prefix sorts first), though not next to them
// ("a" < "a-b" < "a/x"). The merged view is a filter over that stream: per path, the last entry wins
// unless a deletion removed it. Every deletion is a cut: entries of a path (or below a directory) with seq
// under the cut are gone. Applying changesets (OCI image-spec layer.md, "Whiteouts"):
//   - a whiteout of p in layer k removes p and everything below it from the layers under k. Whiteouts "MUST
//     only apply to resources in lower/parent layers": the cut is the first seq of layer k, so an entry of
//     the same layer stays whatever the tar order (the earlier in-memory merge cut at the whiteout's own seq);
//   - an opaque marker of d in layer k removes d's descendants from the layers under k ("applied first ...
//     regardless of the ordering"): the cut below d is the first seq of layer k;
//   - an entry that is not a directory, put where a directory is visible, removes that directory's
//     descendants added before it ("removing the file path ... recreating"): the cut below d is its seq.
// Marker cuts are recorded while the layers stream (MergedCuts, one per path a marker names); a replaced
// directory's cut is found by the filter itself, at the path, before any descendant comes. Memory: those
// cuts, never the entries.
import type { Entry } from '../core/entry.js';
import type { EntryIndex, IndexedEntry } from './entry-index.js';

export class MergedCuts {
  /** The seq of each layer's first entry. */
  private readonly firstSeq: number[] = [];
  /** Path → its own entries with seq under this are deleted (whiteouts). */
  readonly self = new Map<string, number>();
  /** Path → entries below it with seq under this are deleted (whiteouts, opaque markers, replaced directories). */
  readonly below = new Map<string, number>();

  /** Layer `layer` starts: its first entry will have seq `seq`. */
  startLayer(layer: number, seq: number): void {
    this.firstSeq[layer] = seq;
  }

  /** A whiteout or opaque marker of layer `layer` (read after startLayer(layer)). */
  marker(entry: Entry, layer: number): void {
    const cut = this.firstSeq[layer] ?? 0;
    if (entry.type === 'whiteout') raise(this.self, entry.path, cut);
    raise(this.below, entry.path, cut);
  }
}

function raise(map: Map<string, number>, path: string, cut: number): void {
  if (cut > (map.get(path) ?? 0)) map.set(path, cut);
}

/** The visible entries of the merged filesystem, in path order (keys are paths). May be read more than once. */
export async function* mergedView(index: EntryIndex, cuts: MergedCuts): AsyncGenerator<IndexedEntry> {
  // the cut inherited from the directories above the last parent looked up (a directory's own cut is final
  // before its first descendant comes, so this never goes stale; siblings mostly come one after another)
  let cachedDir: string | undefined;
  let cachedCut = 0;
  const above = (path: string): number => {
    if (path === '' || cuts.below.size === 0) return 0;
    const dir = path.slice(0, Math.max(0, path.lastIndexOf('/')));
    if (dir !== cachedDir) {
      let cut = 0;
      for (let p = dir; ; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
        const c = cuts.below.get(p);
        if (c !== undefined && c > cut) cut = c;
        if (p === '') break;
      }
      cachedDir = dir;
      cachedCut = cut;
    }
    return cachedCut;
  };
  let path: string | undefined;
  /** The path's visible entry so far. */
  let top: IndexedEntry | undefined;
  /** The path's entries with seq under this are deleted. */
  let cut = 0;
  for await (const e of index.sorted()) {
    // markers (keys starting with NUL, which no name holds) were read as cuts while the layers streamed
    if (e.key.charCodeAt(0) === 0) continue;
    if (e.key !== path) {
      if (top) yield top;
      path = e.key;
      top = undefined;
      cut = Math.max(cuts.self.get(path) ?? 0, above(path));
    }
    if (e.seq < cut) continue;
    // a non-directory over a visible directory: what was below that directory is gone
    if (top && top.entry.type === 'dir' && e.entry.type !== 'dir') raise(cuts.below, path, e.seq);
    top = e;
  }
  if (top) yield top;
}
