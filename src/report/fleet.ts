// `repro report merge`: many check or diff reports → one fleet view. Reports are read one at a time as
// token streams (read-report.ts scanReport), findings one by one; what is held is one row per image and
// bounded summaries (core/top-k.ts), so a thousand reports merge in the memory of one.
//
// A report is parsed whole when small and read as a token stream when large (read-report.ts scanReport).
// Two passes over the files: the first reads each report's head (which image, which date; a check report
// writes both before its findings), so that the second counts each image once, from its newest report;
// older reports of the same image feed only the trend.
import { CATEGORIES, type Category, type Finding } from '../core/finding.js';
import { ReproError } from '../core/errors.js';
import { TopK, type Counted } from '../core/top-k.js';
import { mapFinding, type Draft } from '../rules/generate-map.js';
import { ruleText } from '../rules/generate.js';
import { CHECK_ERROR_SCHEMA, scanReport } from './read-report.js';

export const FLEET_SCHEMA = 'repro-fleet/1';

export type Verdict = 'reproducible' | 'differs' | 'error';

export interface ImageRow {
  /** The manifest a check report names; "A vs B" for a diff report; the file for an unreadable one. */
  image: string;
  /** The report file the row comes from. */
  report: string;
  kind: 'check' | 'diff' | 'unknown';
  verdict: Verdict;
  date?: string;
  findings: number;
  /** Findings a person accepted (`check --accept`): they do not make the image differ. */
  accepted: number;
  categories: Partial<Record<Category, number>>;
  error?: string;
}

/** A ranked key: how many images it affects (`images`, an upper bound; exact when `uncertain` is 0). */
export interface Ranked {
  images: number;
  /** images − uncertain is a lower bound on the true count; 0 = exact. */
  uncertain: number;
  findings: number;
}

export interface FleetReport {
  schema: typeof FLEET_SCHEMA;
  summary: { reports: number; images: number; reproducible: number; differs: number; error: number };
  /** One row per image, from its newest report: errors first, then images that differ, then the reproducible ones. */
  images: ImageRow[];
  categories: ({ category: Category } & Omit<Ranked, 'uncertain'>)[];
  /** What `check --explain` named as the cause of each finding (variation names), when the reports carry it. */
  causes: ({ cause: string } & Ranked)[];
  /** Paths by the images they differ in (mtime-only findings left out: clamp-mtime removes them all). */
  paths: ({ path: string; categories: Category[]; package?: string } & Ranked)[];
  packages: ({ package: string } & Ranked)[];
  /** Rules the reports call for, by how many images each would fix; `text` is the rule as a rule file holds it. */
  rules: ({ action: string; match: string; category: string; review: boolean; text: string } & Ranked)[];
  /** Per day of the dated reports (all of them, older reports of an image included). */
  trend: { date: string; images: number; reproducible: number; differs: number; error: number }[];
}

export interface MergeOptions {
  /** Entries listed per ranking (paths, packages, rules, causes). */
  top?: number;
  /** Reports larger than this are read as token streams (read-report.ts STREAM_ABOVE by default). */
  streamAbove?: number;
}

export const DEFAULT_TOP = 25;
/** Keys held per ranking, as a multiple of what is shown: counts stay exact until this many distinct keys. */
const HELD = 40;

/** The fields a merge reads; the rest of a report (tree, packages, builds, fix rounds) is skipped unread. */
const KEEP = new Set(['schema', 'identical', 'inputs', 'reproducible', 'manifest', 'date', 'error']);

interface Head {
  file: string;
  image: string;
  date?: string;
  error?: string;
}

function imageName(fields: Record<string, unknown>, file: string): string {
  if (typeof fields.manifest === 'string') return fields.manifest;
  const inputs = Array.isArray(fields.inputs) ? (fields.inputs as { path?: unknown }[]) : [];
  const paths = inputs.map((i) => (typeof i?.path === 'string' ? i.path : '?'));
  return paths.length >= 2 ? `${paths[0]} vs ${paths[1]}` : file;
}

function dateOf(fields: Record<string, unknown>, file: string): string | undefined {
  if (fields.date === undefined) return undefined;
  if (typeof fields.date !== 'string' || Number.isNaN(Date.parse(fields.date))) throw new ReproError(`date ${JSON.stringify(fields.date)} is not an ISO 8601 time`, file);
  return new Date(fields.date).toISOString();
}

function message(err: unknown): string {
  return err instanceof ReproError ? err.message : (err as Error).message;
}

/**
 * The causes `check --explain` put on a finding (`cause: {variations, withoutVariation, ...}`): each
 * variation whose build alone shows it, "no variation" when the rebuild without any shows it too, and
 * "not reproduced" when no rebuild did. Read as plain JSON: reports of other versions may lack it.
 */
function causesOf(f: Finding): string[] {
  const c = (f as { cause?: unknown }).cause;
  if (!c || typeof c !== 'object') return [];
  const { variations, withoutVariation } = c as { variations?: unknown; withoutVariation?: unknown };
  const names = Array.isArray(variations) ? variations.filter((x): x is string => typeof x === 'string') : [];
  if (withoutVariation === true) names.push('no variation');
  return names.length ? names : ['not reproduced'];
}

/** Rules a fleet-wide rule stands for: one action on one path (or on all, for clamps and image times). */
function ruleKey(d: Draft): { match: string; key: string } {
  const match = d.action.action === 'clamp-mtime' ? '/**' : d.action.action === 'image-timestamps' ? '' : d.path;
  return { match, key: JSON.stringify([d.action, match, d.review]) };
}

const catBit = (c: Category): number => 1 << CATEGORIES.indexOf(c);
const catsOf = (bits: number): Category[] => CATEGORIES.filter((c) => bits & catBit(c));

function ranked(c: Counted<unknown>): Ranked {
  return { images: c.count, uncertain: c.error, findings: c.hits };
}

const VERDICT_ORDER: Verdict[] = ['error', 'differs', 'reproducible'];
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function readHead(file: string, streamAbove: number | undefined): Promise<Head> {
  try {
    // a check report names its manifest and date before its findings: the read can stop there
    const { fields } = await scanReport(file, { keep: KEEP, stopAtFindings: (f) => typeof f.manifest === 'string' && 'date' in f, ...(streamAbove !== undefined ? { streamAbove } : {}) });
    const date = dateOf(fields, file);
    return { file, image: imageName(fields, file), ...(date ? { date } : {}) };
  } catch (err) {
    return { file, image: file, error: message(err) };
  }
}

export async function mergeReports(files: string[], opts: MergeOptions = {}): Promise<FleetReport> {
  const top = opts.top ?? DEFAULT_TOP;
  const heads: Head[] = [];
  for (const file of files) heads.push(await readHead(file, opts.streamAbove));
  // each image's newest report (undated ones count as older than any dated one; the later file wins a tie)
  const newest = new Map<string, number>();
  heads.forEach((h, i) => {
    const j = newest.get(h.image);
    if (j === undefined || (h.date ?? '') >= (heads[j]!.date ?? '')) newest.set(h.image, i);
  });

  const rows: ImageRow[] = [];
  const trend = new Map<string, { images: number; reproducible: number; differs: number; error: number }>();
  const categories = new Map<Category, { images: number; findings: number }>();
  const paths = new TopK<{ cats: number; package?: string }>(top * HELD);
  const packages = new TopK<null>(top * HELD);
  const causes = new TopK<null>(top * HELD);
  const rules = new TopK<{ draft: Draft; match: string }>(top * HELD);

  for (const [i, head] of heads.entries()) {
    const counted = newest.get(head.image) === i;
    let row: ImageRow;
    if (head.error !== undefined) {
      row = { image: head.image, report: head.file, kind: 'unknown', verdict: 'error', findings: 0, accepted: 0, categories: {}, error: head.error };
    } else {
      const cats: Partial<Record<Category, number>> = {};
      let accepted = 0;
      const onFinding = (f: Finding): void => {
        cats[f.category] = (cats[f.category] ?? 0) + 1;
        if (f.accepted !== undefined) return void accepted++;
        // mtime-only differences are everywhere in an image built without a clamp, and one rule (clamp-mtime
        // /**) removes them all: ranked with the rest they would fill the path and package lists
        if (f.category !== 'mtime') {
          paths.add(f.path, i, () => ({ cats: 0, ...(f.package ? { package: f.package } : {}) }), (p) => void (p.cats |= catBit(f.category)));
          // a path several packages list ("adduser +16") is no one package's doing
          if (f.package && !f.package.includes(' +')) packages.add(f.package, i, () => null);
        }
        for (const c of causesOf(f)) causes.add(c, i, () => null);
        for (const m of mapFinding(f)) {
          if ('why' in m || m.commented) continue;
          const { match, key } = ruleKey(m);
          rules.add(key, i, () => ({ draft: m, match }));
        }
      };
      try {
        const { fields, findings } = await scanReport(head.file, { keep: KEEP, ...(counted ? { onFinding } : {}), ...(opts.streamAbove !== undefined ? { streamAbove: opts.streamAbove } : {}) });
        const isError = fields.schema === CHECK_ERROR_SCHEMA;
        const kind = typeof fields.reproducible === 'boolean' || isError ? 'check' : 'diff';
        const same = kind === 'check' ? fields.reproducible === true : fields.identical === true;
        row = {
          image: head.image,
          report: head.file,
          kind,
          verdict: isError ? 'error' : same ? 'reproducible' : 'differs',
          ...(head.date ? { date: head.date } : {}),
          findings,
          accepted,
          categories: Object.fromEntries(CATEGORIES.filter((c) => cats[c]).map((c) => [c, cats[c]])),
          ...(isError ? { error: typeof fields.error === 'string' ? fields.error : 'the check failed' } : {}),
        };
      } catch (err) {
        row = { image: head.image, report: head.file, kind: 'unknown', verdict: 'error', findings: 0, accepted: 0, categories: {}, error: message(err) };
      }
      if (counted) {
        for (const c of CATEGORIES) {
          const n = cats[c];
          if (!n) continue;
          const t = categories.get(c) ?? { images: 0, findings: 0 };
          categories.set(c, { images: t.images + 1, findings: t.findings + n });
        }
      }
    }
    if (head.date) {
      const day = head.date.slice(0, 10);
      const t = trend.get(day) ?? { images: 0, reproducible: 0, differs: 0, error: 0 };
      t.images++;
      t[row.verdict]++;
      trend.set(day, t);
    }
    if (counted) rows.push(row);
  }

  rows.sort((a, b) => VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict) || byText(a.image, b.image));
  return {
    schema: FLEET_SCHEMA,
    summary: {
      reports: files.length,
      images: rows.length,
      reproducible: rows.filter((r) => r.verdict === 'reproducible').length,
      differs: rows.filter((r) => r.verdict === 'differs').length,
      error: rows.filter((r) => r.verdict === 'error').length,
    },
    images: rows,
    categories: CATEGORIES.filter((c) => categories.has(c))
      .map((c) => ({ category: c, ...categories.get(c)! }))
      .sort((a, b) => b.images - a.images || b.findings - a.findings),
    causes: causes.top(top).map((c) => ({ cause: c.key, ...ranked(c) })),
    paths: paths.top(top).map((c) => ({ path: c.key, categories: catsOf(c.payload.cats), ...(c.payload.package ? { package: c.payload.package } : {}), ...ranked(c) })),
    packages: packages.top(top).map((c) => ({ package: c.key, ...ranked(c) })),
    rules: rules.top(top).map((c) => {
      const { draft, match } = c.payload;
      const lines = ruleText({ action: draft.action, category: draft.category, review: draft.review, commented: false, paths: new Set(match ? [match] : []), evidence: [draft.evidence], notes: new Set(draft.note ? [draft.note] : []) });
      return { action: draft.action.action, match, category: draft.category, review: draft.review, text: lines.map((l) => l.slice(2)).join('\n'), ...ranked(c) };
    }),
    trend: [...trend.entries()].sort(([a], [b]) => byText(a, b)).map(([date, t]) => ({ date, ...t })),
  };
}

/** The fleet's exit code, as for one check: 0 every image reproducible, 1 some differ, 2 some error. */
export function fleetExit(r: FleetReport): 0 | 1 | 2 {
  return r.summary.error > 0 ? 2 : r.summary.differs > 0 ? 1 : 0;
}
