// The one report model: findings (flat, complete) and the report that carries them.
// Words for humans live in src/report; this is data.

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

export interface Finding {
  /** Absolute path in the image filesystem ("/etc/machine-id"); inside plain files the member path or "". */
  path: string;
  /** Layer index the finding comes from, when known. */
  layer?: number;
  category: Category;
  /** One line: why this category ("32-hex token differs on line 1"). */
  evidence: string;
  /** Bounded diff text (unified diff, hexdump, field list), possibly "". */
  detail: string;
  /** Nested location inside the file ("data.tar.gz/usr/bin/x"), when the difference is deeper. */
  inner?: string;
  /** Set when a comparator failed or a limit was reached and we fell back. */
  warning?: string;
  /** Which package owns the path (Debian images), filled by attribution. */
  package?: string;
}

export interface ReportInput {
  path: string;
  kind: string;
  digest?: string;
}

export interface Report {
  schema: 'repro-report/1';
  identical: boolean;
  inputs: ReportInput[];
  findings: Finding[];
  /** Findings grouped layer → directory → path, for renderers that show a tree. */
  tree: TreeNode;
  /** Categories the user asked to report but not fail on. */
  ignored: string[];
  warnings: string[];
  /** Extra sections added by later stages (check: builds, variations, phases, packages). */
  [extra: string]: unknown;
}

export interface TreeNode {
  name: string;
  children: TreeNode[];
  /** Indexes into Report.findings. */
  findings: number[];
}
