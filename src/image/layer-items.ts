// One layer's items on their way to the writer, in bounded memory: each item is a packed record (its entry,
// packed as core/packed-entry.ts writes it, and where its content is) in sorted runs (core/sorted-runs.ts), keyed by the member name's bytes, so a
// layer of 500,000 files holds a run's worth of records, not 500,000 entry objects. What must be seen as a
// whole is kept apart and is small: the hardlinks (name → target), the directories a rule deleted, and the
// content functions of in-memory callers. `canonical()` gives the writer's canonical item stream: sorted,
// a later item for the same member winning, deletes applied, hardlink groups rewritten.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { escapesRoot, type Entry } from '../core/entry.js';
import { ReproError } from '../core/errors.js';
import { nameBytes } from '../core/name-bytes.js';
import { entryFromFields, packEntry } from '../core/packed-entry.js';
import { SortedRuns } from '../core/sorted-runs.js';

/** Bytes of a file: from `start` to `end` (exclusive), or the whole file. A path that is not UTF-8 is a Buffer. */
export interface FileRange {
  file: string | Buffer;
  start?: number;
  end?: number;
}

export type ContentFn = () => Readable | Promise<Readable>;

export interface LayerSource {
  entry: Entry;
  /** A function for in-memory callers; a file range for spooled and on-disk contents (packed as data). */
  content?: ContentFn | FileRange;
}

export async function openContent(content: ContentFn | FileRange): Promise<Readable> {
  if (typeof content === 'function') return content();
  const { file, start, end } = content;
  if (start === undefined) return createReadStream(file);
  return end !== undefined && end <= start ? Readable.from([]) : createReadStream(file, { start, ...(end !== undefined ? { end: end - 1 } : {}) });
}

/** The member name the item gets in the tar. */
export function memberName(entry: Entry): string {
  if (entry.type === 'whiteout') {
    const i = entry.path.lastIndexOf('/');
    return i < 0 ? '.wh.' + entry.path : entry.path.slice(0, i + 1) + '.wh.' + entry.path.slice(i + 1);
  }
  if (entry.type === 'opaque') return (entry.path ? entry.path + '/' : '') + '.wh..wh..opq';
  return entry.path;
}

/** Sort key of a member: its name's bytes as Latin-1, so string order is byte order (comparePaths). */
const keyOf = (name: string): string => nameBytes(name).toString('latin1');

/** Content: none, an index into the in-memory functions, or a file range (a Buffer path as base64). */
type PackedContent = 0 | number | [file: string, start: number | null, end: number | null] | [file: string, start: number | null, end: number | null, binary: 1];

/** One record: its content, deleted by a rule (1) or not (0), the entry's path and its packed fields (core/packed-entry.ts). */
type Packed = [content: PackedContent, deleted: 0 | 1, path: string, entry: unknown[]];

const isWhiteout = (e: Entry): boolean => e.type === 'whiteout' || e.type === 'opaque';

export class LayerItems {
  private readonly records = new SortedRuns<Packed>();
  private readonly fns: ContentFn[] = [];
  /** Hardlinks by path → target: the last item added for the path, when it is a hardlink. */
  private readonly links = new Map<string, string>();
  /** Directories a rule deleted: everything under them goes too. */
  private readonly deletedDirs = new Set<string>();
  /** Items added, deleted ones included. */
  added = 0;
  /** Items a rule deleted, and (once written) those dropped because they lie under a deleted directory. */
  deleted = 0;

  /** Add an item (a later item for the same member replaces an earlier one). */
  add(item: LayerSource): void {
    this.record(item, false);
  }

  /**
   * An item a rule deleted: a directory takes everything under it along, and the file of a hardlink group
   * hands its content to the first remaining link, so the remaining names still extract.
   */
  delete(item: LayerSource): void {
    this.deleted++;
    if (item.entry.type === 'dir') this.deletedDirs.add(item.entry.path);
    this.record(item, true);
  }

  private record(item: LayerSource, deleted: boolean): void {
    this.added++;
    const { entry } = item;
    const name = memberName(entry);
    if (name === '') return;
    // never write a member that would extract outside the root (CVE-class "tar slip"), whatever came in
    if (escapesRoot(entry.path) || (entry.type === 'hardlink' && escapesRoot(entry.linkname ?? ''))) {
      throw new ReproError('refusing to write a path that leaves the image root ("..")', entry.path);
    }
    if (!deleted) {
      if (entry.type === 'hardlink' && entry.linkname !== undefined) this.links.set(name, entry.linkname);
      else if (this.links.size) this.links.delete(name);
    }
    const content = JSON.stringify(this.packContent(item.content));
    this.records.addJson(keyOf(name), ['[' + content, deleted ? 1 : 0, JSON.stringify(entry.path), '[' + packEntry(entry) + ']]'].join(','));
  }

  private packContent(c: LayerSource['content']): PackedContent {
    if (c === undefined) return 0;
    if (typeof c === 'function') return this.fns.push(c);
    const range = [c.start ?? null, c.end ?? null] as const;
    return typeof c.file === 'string' ? [c.file, ...range] : [c.file.toString('base64'), ...range, 1];
  }

  private unpackContent(c: PackedContent): LayerSource['content'] {
    if (c === 0) return undefined;
    if (typeof c === 'number') return this.fns[c - 1];
    const [file, start, end, binary] = c;
    return { file: binary ? Buffer.from(file, 'base64') : file, ...(start !== null ? { start } : {}), ...(end !== null ? { end } : {}) };
  }

  private underDeletedDir(path: string): boolean {
    if (this.deletedDirs.size === 0) return false;
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) if (this.deletedDirs.has(path.slice(0, i))) return true;
    return false;
  }

  /** Each member's last item that no rule deleted (the records of one key are adjacent), with the deleted ones seen. */
  private *winners(onDeleted?: (key: string, item: LayerSource) => void): Generator<{ key: string; item: LayerSource }> {
    let key: string | undefined;
    let last: Packed | undefined;
    const item = (p: Packed): LayerSource => {
      const content = this.unpackContent(p[0]);
      return { entry: entryFromFields(p[2], p[3]), ...(content ? { content } : {}) };
    };
    for (const r of this.records.sorted()) {
      if (r.key !== key) {
        if (last && key !== undefined) yield { key, item: item(last) };
        key = r.key;
        last = undefined;
      }
      if (r.value[1] === 1) onDeleted?.(r.key, item(r.value));
      else last = r.value;
    }
    if (last && key !== undefined) yield { key, item: item(last) };
  }

  /**
   * Hardlink groups: every kept member that links (through chains) to one file, by member name → the group's
   * file (its entry and content) and its first path, which holds the content in the canonical form.
   */
  private hardlinkGroups(): Map<string, { first: string; file: LayerSource }> {
    const byMember = new Map<string, { first: string; file: LayerSource }>();
    if (this.links.size === 0) return byMember;
    // links under a deleted directory are gone, and chains do not pass through them
    const links = new Map([...this.links].filter(([p]) => !this.underDeletedDir(p)));
    const rootOf = (path: string): string => {
      let cur = path;
      for (let hops = 0; hops < 64; hops++) {
        const next = links.get(cur);
        if (next === undefined) return cur;
        cur = next;
      }
      throw new ReproError('hardlink chain too long or circular', path);
    };
    const members = new Map<string, string[]>();
    for (const p of links.keys()) {
      const root = rootOf(p);
      const list = members.get(root);
      if (list) list.push(p);
      else members.set(root, [p]);
    }
    // the roots' own items: kept (the file stays a member of its group) or deleted (the links inherit it)
    const wanted = new Set([...members.keys()].map(keyOf));
    const kept = new Map<string, LayerSource>();
    const gone = new Map<string, LayerSource>();
    for (const { key, item } of this.winners((k, i) => void (wanted.has(k) && gone.set(k, i)))) {
      if (wanted.has(key) && !this.underDeletedDir(item.entry.path)) kept.set(key, item);
    }
    for (const [root, list] of members) {
      const key = keyOf(root);
      const own = kept.get(key);
      const file = own ?? gone.get(key);
      if (!file || file.entry.type === 'hardlink' || isWhiteout(file.entry)) continue;
      // a target outside the layer stays as given
      if (own) list.push(root);
      const first = list.reduce((a, b) => (keyOf(a) <= keyOf(b) ? a : b));
      for (const p of list) byMember.set(p, { first, file });
    }
    return byMember;
  }

  /** The canonical stream: by member name in byte order, one item per member, deletes and hardlinks applied. */
  *canonical(): Generator<LayerSource> {
    const groups = this.hardlinkGroups();
    for (const { item } of this.winners()) {
      const e = item.entry;
      if (this.underDeletedDir(e.path)) {
        this.deleted++;
        continue;
      }
      const group = e.type === 'whiteout' || e.type === 'opaque' ? undefined : groups.get(e.path);
      if (!group) {
        yield item;
        continue;
      }
      // of a group the lexically first path is the file and every other path links to it, with the file's
      // metadata (they share one inode, so anything else would be walk-order noise)
      const file = group.file;
      if (e.path === group.first) {
        yield { entry: { ...file.entry, path: e.path, name: e.path }, ...(file.content ? { content: file.content } : {}) };
        continue;
      }
      const link: Entry = { ...file.entry, path: e.path, name: e.path, type: 'hardlink', linkname: group.first, size: 0 };
      delete link.digest;
      yield { entry: link };
    }
  }

  /** Forget every item and remove the runs. */
  close(): void {
    this.fns.length = 0;
    this.links.clear();
    this.deletedDirs.clear();
    this.records.close();
  }
}
