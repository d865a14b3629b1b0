// A phase's layer is the change of the tree between two snapshots: added and changed entries as they are
// now, whiteouts for removed ones (OCI image-spec layer.md "Change Types"). Contents stream from the tree
// when the writer asks, so the layer must be written before the next phase touches the tree.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { entryFrom, type Entry } from '../core/entry.js';
import type { LayerSource } from '../image/layer-writer.js';
import { sameEntry, type SnapEntry, type Snapshot } from './snapshot.js';
import { fsPath } from './tree-path.js';

export interface LayerDiff {
  items: LayerSource[];
  added: number;
  changed: number;
  removed: number;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

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

/** Hardlink groups of the new tree: inode → its paths, sorted (the first is stored as the file). */
function linkGroups(next: Snapshot): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const e of next.entries.values()) {
    if (e.type !== 'file' || e.nlink < 2) continue;
    const key = `${e.dev}:${e.ino}`;
    const list = groups.get(key);
    if (list) list.push(e.path);
    else groups.set(key, [e.path]);
  }
  // Only inodes seen more than once inside the tree are pairs; a link to outside the tree is a plain file.
  for (const [k, list] of groups) if (list.length < 2) groups.delete(k);
  else list.sort();
  return groups;
}

export function diffSnapshots(prev: Snapshot, next: Snapshot): LayerDiff {
  const include = new Set<string>();
  let added = 0;
  let changed = 0;
  for (const [path, e] of next.entries) {
    const before = prev.entries.get(path);
    if (!before) {
      include.add(path);
      added++;
    } else if (!sameEntry(before, e)) {
      include.add(path);
      changed++;
    }
  }
  // A hardlink in a layer must point to a file in the same layer: when one path of a pair is in, all are.
  const groups = linkGroups(next);
  const leaderOf = new Map<string, string>();
  for (const paths of groups.values()) {
    for (const p of paths) leaderOf.set(p, paths[0]!);
    if (paths.some((p) => include.has(p))) for (const p of paths) include.add(p);
  }

  const items: LayerSource[] = [];
  for (const path of [...include].sort()) {
    const e = next.entries.get(path)!;
    const leader = leaderOf.get(path);
    if (leader !== undefined && leader !== path) {
      items.push({ entry: { ...toEntry(e), type: 'hardlink', size: 0, linkname: leader } });
      continue;
    }
    const entry = toEntry(e);
    items.push(e.type === 'file' ? { entry, content: () => createReadStream(fsPath(join(next.root, path))) } : { entry });
  }

  let removed = 0;
  for (const path of prev.entries.keys()) {
    if (next.entries.has(path)) continue;
    removed++;
    // One whiteout covers a removed directory's whole subtree; below a path that is no longer a directory
    // the new entry itself replaces everything.
    const parent = parentOf(path);
    if (parent !== '' && next.entries.get(parent)?.type !== 'dir') continue;
    if (parent !== '' && !prev.entries.has(parent)) continue;
    items.push({ entry: entryFrom({ path, name: path, type: 'whiteout', mode: 0, mtime: 0 }) });
  }
  items.sort((a, b) => (a.entry.path < b.entry.path ? -1 : a.entry.path > b.entry.path ? 1 : 0));
  return { items, added, changed, removed };
}
