// The findings as the page carries them: compact enough that 100,000 findings open in a browser in a second
// or two, and written one finding at a time so the page never exists as one string.
//
// Rows: one flat JSON array, ROW_STRIDE cells per finding, in the store's order:
//   [group, dir, name, category, layer, evidence, package, extra]
//   group     "layer 0", "image", … (the tree's top level, groupOf)
//   dir       the path up to and including its last "/" ("/usr/share/doc/"; "" for none); dir + name = path
//   name      the rest of the path (always written out: names rarely repeat)
//   category  index into the page's category list
//   layer     the layer index, -1 for none
//   evidence  the evidence line (with its cause)
//   package   the owning package, "" for none
//   extra     0, or {s: build step, i: inner location, w: warning} for the few findings that have them
// Details: arrays of DETAIL_CHUNK findings each (html.ts), only for findings that have a detail or a rule,
// each read when one of its findings is first expanded:
//   [index, view, rule, index, view, rule, …]   view: the DetailView or 0; rule: text or 0
//
// Shared values: group, dir, evidence, package, view and rule cells hold either the value, which the reader
// appends to a table (while the table is below TABLE_MAX), or a number, an index into that table. The
// table starts as [""]; the rows have one, each details array its own. Directories, evidence
// ("mtime 1700000000 vs 1700000777"), and the detail and rule shared by 100,000 mtime findings each cost
// a few bytes after the first. The writer keeps only short values of this table (KEY_MAX, KEPT_MAX), never
// the findings.
import type { Finding } from '../core/finding.js';
import { jsonForScript } from './html-escape.js';

export const ROW_STRIDE = 8;
/** Strings the shared table holds at most; later new strings are written out each time (memory stays bounded). */
export const TABLE_MAX = 50_000;

/** Longest value the writer looks up again: longer ones (big diffs) rarely repeat, and the writer keeps what it looks up. */
const KEY_MAX = 512;
/** Characters of remembered values the writer keeps at most. */
const KEPT_MAX = 8 * 1024 * 1024;

/**
 * The writer's side of the shared table. Every value written out takes the next slot while the table is
 * below its size (the reader appends every value it reads); the writer remembers the short ones, up to
 * KEPT_MAX characters, so only those are sent as a reference the next time.
 */
export class StringTable {
  private readonly ids = new Map<string, number>([['', 0]]);
  private slots = 1;
  private kept = 0;

  constructor(private readonly max = TABLE_MAX) {}

  /** The cell for `s`: its index when already sent, else the string itself. */
  cell(s: string): string {
    return this.value(s, () => jsonForScript(s));
  }

  /** The cell for any value, looked up by its JSON text `key`. */
  value(key: string, text: () => string = () => key): string {
    const id = this.ids.get(key);
    if (id !== undefined) return String(id);
    if (this.slots < this.max) {
      if (key.length <= KEY_MAX && this.kept + key.length <= KEPT_MAX) {
        this.ids.set(key, this.slots);
        this.kept += key.length;
      }
      this.slots++;
    }
    return text();
  }
}

/** The directory part of a path, up to and including the last "/" (so dir + name gives the path back). */
export function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return [path.slice(0, i + 1), path.slice(i + 1)];
}

export interface RowFields {
  group: string;
  category: number;
  evidence: string;
  step?: string;
}

/** One finding's cells, comma-separated (no brackets: rows are cells of one flat array). */
export function rowCells(f: Finding, fields: RowFields, table: StringTable): string {
  const [dir, name] = splitPath(f.path);
  const extra: { s?: string; i?: string; w?: string } = {};
  if (fields.step) extra.s = fields.step;
  if (f.inner) extra.i = f.inner;
  if (f.warning) extra.w = f.warning;
  return [
    table.cell(fields.group),
    table.cell(dir),
    jsonForScript(name),
    fields.category,
    f.layer ?? -1,
    table.cell(fields.evidence),
    table.cell(f.package ?? ''),
    extra.s !== undefined || extra.i !== undefined || extra.w !== undefined ? jsonForScript(extra) : 0,
  ].join(',');
}
