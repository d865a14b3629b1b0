// What a rule file means once validated. A rule says which paths (globs on absolute image paths, plus
// optional entry-type and layer conditions), what to do with them, and why (the finding that produced it).
import type { EntryType } from '../core/entry.js';

export const RULE_SCHEMA_VERSION = 1;

/** Actions on one entry's metadata: never read the content. */
export const META_ACTIONS = ['clamp-mtime', 'set-mtime', 'set-owner', 'set-mode', 'set-xattr', 'remove-xattr'] as const;
/** Actions that drop the entry or rewrite its content. */
export const CONTENT_ACTIONS = [
  'delete',
  'truncate',
  'replace',
  'sort-lines',
  'regex-replace',
  'sort-json-keys',
  'gzip-normalize',
  'zip-normalize',
] as const;
/** Actions on the image documents (config, manifest annotations), not on entries. */
export const IMAGE_ACTIONS = ['image-timestamps'] as const;
/**
 * `accept` changes nothing: it records that a person accepted the differences of these paths, and why
 * (`because`). `repro check` then reports them as accepted, and counts the build reproducible when
 * nothing else differs. Only `--accept GLOB --reason TEXT` writes one.
 */
export const RECORD_ACTIONS = ['accept'] as const;
export const ACTIONS = [...META_ACTIONS, ...CONTENT_ACTIONS, ...IMAGE_ACTIONS, ...RECORD_ACTIONS] as const;
export type ActionName = (typeof ACTIONS)[number];

export type RuleAction =
  | { action: 'clamp-mtime' }
  | { action: 'set-mtime'; mtime: number }
  | { action: 'set-owner'; uid?: number; gid?: number }
  | { action: 'set-mode'; mode: number }
  /** `value` as getfattr -e hex prints it ("0x0100000280..."): xattr values are bytes. */
  | { action: 'set-xattr'; name: string; value: string }
  /** `name` is an xattr name or a glob over names ("user.*"). */
  | { action: 'remove-xattr'; name: string }
  | { action: 'delete' }
  | { action: 'truncate' }
  | { action: 'replace'; content: string }
  /** `field` is 1-based; lines compare by that field (split on `separator`, default whitespace), then whole. */
  | { action: 'sort-lines'; field?: number; separator?: string }
  | { action: 'regex-replace'; pattern: string; flags: string; replacement: string }
  | { action: 'sort-json-keys' }
  | { action: 'gzip-normalize' }
  | { action: 'zip-normalize' }
  | { action: 'image-timestamps' }
  | { action: 'accept'; because: string };

export interface RuleReason {
  category: string;
  evidence: string[];
}

export interface RuleBase {
  /** Globs on absolute image paths ("/etc/machine-id", "/var/log/**"); empty for image actions. */
  match: string[];
  /** Only entries of these types; all types when absent. */
  types?: EntryType[];
  /** Only these layer indexes (0 = bottom); all layers when absent. */
  layers?: number[];
  reason?: RuleReason;
  /** Marked for a human to check: it hides a difference that might be real. */
  review: boolean;
  note?: string;
  /** "file:line" of the rule, for messages. */
  where: string;
}

export type Rule = RuleBase & RuleAction;

export interface RuleSet {
  rules: Rule[];
  /** The files the rules came from, in load order. */
  files: string[];
}

export const ENTRY_TYPES: readonly EntryType[] = [
  'file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'whiteout', 'opaque',
];

export function isImageAction(action: ActionName): boolean {
  return (IMAGE_ACTIONS as readonly string[]).includes(action);
}

export function isContentAction(action: ActionName): boolean {
  return (CONTENT_ACTIONS as readonly string[]).includes(action) && action !== 'delete';
}
