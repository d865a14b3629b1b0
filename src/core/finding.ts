// The one report model: findings (flat, complete) and the report that carries them.
// Words for humans live in src/report; this is data.
import type { Findings } from './findings.js';
import type { BuildStep } from './step.js';

export const CATEGORIES = [
  'mtime',
  'metadata',
  'ordering',
  'timestamp',
  'random-id',
  'compression-metadata',
  'build-env',
  'image-metadata',
  'added',
  'removed',
  'binary',
  'content',
] as const;

export type Category = (typeof CATEGORIES)[number];

export function isCategory(s: string): s is Category {
  return (CATEGORIES as readonly string[]).includes(s);
}

/**
 * One fact behind a finding, typed so that rules, --fix and reports read it instead of parsing words
 * (the words are rendered from these in one place: src/report/evidence.ts).
 */
export type Fact =
  /** A named field with its two values: "mode", "mtime", "uid", "gzip mtime", "config.created". */
  | { field: string; a: string; b: string }
  /** A recognised token in text: a timestamp format ("ISO 8601 timestamp") or a random-id shape ("UUID"). */
  | { token: string; line: number; a: string; b: string; where?: string }
  /** A time stored in binary; `source` says what proves it is one ("gzip header", "field near the build clocks"). */
  | { kind: 'epoch'; offset: number; width: number; a: number; b: number; source: string }
  /** A build-environment value a `check` variation set differently on each side. */
  | { variation: string; a: string; b: string }
  /** A digest of another file that differs in the same comparison: the difference follows from that file. */
  | { derivedFrom: string; algo: string; line: number }
  /** The same items in another order ("lines", "tar members", "JSON object keys", "hardlink pair"). */
  | { order: string; count: number; moved?: number; masked?: string[] }
  /** Present on one side only. */
  | { only: 'a' | 'b'; what: string }
  /** Where an unexplained difference starts ("line 3", "offset 0x1f", "$.version"). */
  | { at: string; size?: [number, number] }
  /** Words from a comparator with nothing in them a rule would act on (ELF sections, PNG chunks). */
  | { note: string };

/**
 * What kind of comparison produced the finding: with the category and the facts, enough for a rule
 * generator to pick an action and for the renderer to say it in words.
 */
export const FINDING_CODES = [
  'entry-fields', // an entry's metadata (facts: field)
  'only-in', // an entry or member on one side (facts: only)
  'member-fields', // a member's metadata inside an archive (facts: field)
  'digest', // content compared by digest only (facts: field "digest", "size")
  'hardlink-order', // a hardlink pair stored the other way round (facts: order + field "pair")
  'member-order', // archive members in another order (facts: order)
  'layer-compression', // same tar, another compression (facts: field)
  'layer-encoding', // same entries, other tar bytes (facts: field)
  'image-field', // image documents (facts: field, only)
  'text', // text lines (facts: token, variation, order, at, derivedFrom)
  'json', // JSON values (facts: field per leaf path, then what text classification found)
  'json-order', // same JSON value, keys or array elements in another order (facts: order)
  'json-format', // same JSON value, whitespace differs
  'strings', // embedded strings of a binary (facts as text, lines are strings)
  'bytes', // raw bytes (facts: at, or epoch for times with a proof)
  'gzip-header',
  'xz-header',
  'zstd-header',
  'zip-metadata',
  'ar-header',
  'png-metadata',
  'payload', // a compressed payload compared by digest or not fully decoded
  'png', // PNG pixels or chunks (facts: note)
  'elf', // ELF sections (facts: note)
  'variation', // a check variation's value appears in a differing file (facts: variation)
  'derived', // a digest of another differing file (facts: derivedFrom)
  'legacy', // read from a repro-report/1: only the words survive (facts: note)
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  /** Absolute path in the image filesystem ("/etc/machine-id"); inside plain files the member path or "". */
  path: string;
  /** Layer index the finding comes from, when known. */
  layer?: number;
  /** The platform ("linux/arm64") of a multi-platform comparison (diff --all-platforms). */
  platform?: string;
  category: Category;
  code: FindingCode;
  /** Why this category, as data (see Fact); rendered to one line by src/report/evidence.ts. */
  facts: Fact[];
  /** Bounded diff text (unified diff, hexdump, field list), possibly "". */
  detail: string;
  /** Nested location inside the file ("data.tar.gz/usr/bin/x"), when the difference is deeper. */
  inner?: string;
  /** Set when a comparator failed or a limit was reached and we fell back. */
  warning?: string;
  /** Which package owns the path (Debian images), filled by attribution. */
  package?: string;
  /** For a path no package owns: the build step that created or last changed it (check, Debian trees). */
  step?: BuildStep;
  /** Set when a person accepted this difference (`repro check --accept GLOB --reason TEXT`): the reason. */
  accepted?: string;
  /** Which variation makes this difference, learned by `repro check --explain` (src/check/explain.ts). */
  cause?: Cause;
}

/**
 * What `check --explain` learned by rebuilding: the control build again with no variation, and once per
 * variation with that variation alone. The words are rendered by causeText (src/core/evidence.ts).
 */
export interface Cause {
  /** Variations whose one-variation build shows this finding (each alone); empty when none does. */
  variations: string[];
  /** The rebuild with no variation shows it too: inherent randomness, or the build's own clock. */
  withoutVariation: boolean;
  /**
   * How the rebuilds showed it: `finding` the same path and category, `path` the same path in another
   * category, `none` no rebuild did.
   */
  match: 'finding' | 'path' | 'none';
  /**
   * Set when every one-variation build shows it and the rebuild in the control's own directory does not:
   * what all of them share is a work directory of their own, so the cause is the build path.
   */
  byElimination?: boolean;
}

export const REPORT_SCHEMA = 'repro-report/2';

export interface ReportInput {
  path: string;
  kind: string;
  digest?: string;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  identical: boolean;
  inputs: ReportInput[];
  /** Every finding, in the order found (a store that spills to the temp area when large: src/core/findings.ts). */
  findings: Findings;
  /** Categories the user asked to report but not fail on. */
  ignored: string[];
  warnings: string[];
  /** Extra sections added by later stages (check: builds, variations, phases, packages). */
  [extra: string]: unknown;
}
