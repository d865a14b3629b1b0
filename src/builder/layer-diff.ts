// A phase's layer is the change of the tree between two snapshots: added and changed entries as they are
// now, whiteouts for removed ones (OCI image-spec layer.md "Change Types"). The two snapshots are read side
// by side in walk order (snapshot.ts), so memory holds the hardlinked files and the current directory
// chain, not the tree. Contents stream from the tree when the writer asks, so the layer must be written
// before the next phase touches the tree.
import { join } from 'node:path';
import { entryFrom, type Entry } from '../core/entry.js';
import type { LayerSource } from '../image/layer-items.js';
import { sameEntry, snapshotEntries, walkOrder, type SnapEntry, type Snapshot } from './snapshot.js';
import { fsPath } from './tree-path.js';

export interface LayerDiff {
  /** The layer's items, in no particular order (the writer sorts); read once. */
  items: AsyncIterable<LayerSource>;
  /** Counted while `items` is read. */
  added: number;
  changed: number;
  removed: number;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

const depthOf = (path: string): number => {
  let n = 0;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) n++;
  return n;
};

function toEntry(e: SnapEntry): Entry {
  return entryFrom({
    path: e.path,
    name: e.path,
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    // Whole seconds: a tar header holds seconds, and sub-second parts would only add noise between builds.
    mtime: Number(e.mtimeNs / 1_000_000_000n),
    size: e.type === 'file' ? e.size : 0,
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor ?? 0 } : {}),
    ...(e.digest !== undefined ? { digest: e.digest } : {}),
    xattrs: e.xattrs ?? {},
  });
}

/** Two snapshots' entries joined by path, in walk order: [before, after], either side absent. */
async function* joined(prev: Snapshot, next: Snapshot): AsyncGenerator<[SnapEntry | undefined, SnapEntry | undefined]> {
  const a = snapshotEntries(prev);
  const b = snapshotEntries(next);
  let x = (await a.next()).value ?? undefined;
  let y = (await b.next()).value ?? undefined;
  while (x || y) {
    const order = !x ? 1 : !y ? -1 : walkOrder(x.path, y.path);
    if (order === 0) yield [x, y];
    else if (order < 0) yield [x, undefined];
    else yield [undefined, y];
    if (order <= 0) x = (await a.next()).value ?? undefined;
    if (order >= 0) y = (await b.next()).value ?? undefined;
  }
}

/**
 * The layer between `prev` and `next`. `onChanged` sees the entry of every item but whiteouts as the items
 * are read: the builder places each in the phase's step timeline.
 */
export function diffSnapshots(prev: Snapshot, next: Snapshot, onChanged?: (e: SnapEntry) => void): LayerDiff {
  const diff: LayerDiff = { items: items(), added: 0, changed: 0, removed: 0 };
  const fileItem = (e: SnapEntry): LayerSource => {
    onChanged?.(e);
    const entry = toEntry(e);
    return e.type === 'file' ? { entry, content: { file: fsPath(join(next.root, e.path)) } } : { entry };
  };
  async function* items(): AsyncGenerator<LayerSource> {
    // Hardlink groups of the new tree (inode → its paths): a link in a layer must point to a file in the
    // same layer, so when one path of a group is in, all are; decided once every path was seen.
    const groups = new Map<string, { entries: SnapEntry[]; include: boolean }>();
    // the latest entry at each depth on either side: a removed path's parent is there when it exists
    const prevAt: string[] = [];
    const nextAt: SnapEntry[] = [];
    for await (const [before, now] of joined(prev, next)) {
      if (before) prevAt[depthOf(before.path)] = before.path;
      if (now) {
        nextAt[depthOf(now.path)] = now;
        const include = !before || !sameEntry(before, now);
        if (!before) diff.added++;
        else if (include) diff.changed++;
        if (now.type === 'file' && now.nlink >= 2) {
          const key = `${now.dev}:${now.ino}`;
          const g = groups.get(key) ?? { entries: [], include: false };
          g.entries.push(now);
          g.include ||= include;
          groups.set(key, g);
        } else if (include) yield fileItem(now);
        continue;
      }
      const path = (before as SnapEntry).path;
      diff.removed++;
      // One whiteout covers a removed directory's whole subtree; below a path that is no longer a
      // directory the new entry itself replaces everything.
      const parent = parentOf(path);
      const d = depthOf(path);
      if (parent !== '' && !(nextAt[d - 1]?.path === parent && nextAt[d - 1]?.type === 'dir')) continue;
      if (parent !== '' && prevAt[d - 1] !== parent) continue;
      yield { entry: entryFrom({ path, name: path, type: 'whiteout', mode: 0, mtime: 0 }) };
    }
    for (const { entries, include } of groups.values()) {
      if (!include) continue;
      // Only inodes seen more than once inside the tree are pairs; a link to outside the tree is a plain file.
      if (entries.length < 2) {
        yield fileItem(entries[0] as SnapEntry);
        continue;
      }
      const leader = entries.map((e) => e.path).sort()[0] as string;
      for (const e of entries) {
        if (e.path === leader) yield fileItem(e);
        else {
          onChanged?.(e);
          yield { entry: { ...toEntry(e), type: 'hardlink', size: 0, linkname: leader } };
        }
      }
    }
  }
  return diff;
}
