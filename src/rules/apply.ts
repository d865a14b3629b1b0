// Applying a rule set: to one layer's items as they stream to the writer (build and normalize both) and to
// the image documents. Every matching rule applies, in rule-file order; metadata actions never read content,
// content actions read it once (bounded: over the limit → a warning and the content left as it was).
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Entry } from '../core/entry.js';
import type { ImageConfig } from '../core/image.js';
import { openContent, type LayerSource } from '../image/layer-items.js';
import { matchingRules } from './match.js';
import { isContentAction, isImageAction, type Rule, type RuleSet } from './types.js';
import { clampMtime, setMtime } from './actions/mtime.js';
import { setMode, setOwner } from './actions/owner-mode.js';
import { removeXattr, setXattr } from './actions/xattr.js';
import { replace, truncate } from './actions/delete-truncate-replace.js';
import { regexReplace, sortLines } from './actions/text.js';
import { sortJsonKeys } from './actions/json.js';
import { gzipNormalize } from './actions/gzip.js';
import { zipNormalize } from './actions/zip.js';
import type { ContentContext, ContentResult } from './actions/result.js';

/** Members bigger than this are not rewritten by content actions (they would be held in memory). */
export const DEFAULT_MAX_CONTENT_BYTES = 64 * 1024 * 1024;

export interface ApplyContext {
  epoch: number;
  layer: number;
  maxContentBytes?: number;
  /** Called for each rule that could not apply to a member (not gzip, too big, ...). */
  warn?: (message: string) => void;
  /**
   * Where rewritten contents go once more than `maxHeldBytes` of them are held: the layer is written after
   * all its items are ready, so without a spool a rule on thousands of files would hold them all in memory.
   * Without it every rewritten content stays in memory.
   */
  spoolDir?: string;
  maxHeldBytes?: number;
}

/** Rewritten content kept in memory per layer before spooling to `spoolDir`. */
export const DEFAULT_MAX_HELD_BYTES = 32 * 1024 * 1024;

function applyMeta(entry: Entry, rule: Rule, epoch: number): Entry {
  switch (rule.action) {
    case 'clamp-mtime': return clampMtime(entry, epoch);
    case 'set-mtime': return setMtime(entry, rule.mtime);
    case 'set-owner': return setOwner(entry, rule.uid, rule.gid);
    case 'set-mode': return setMode(entry, rule.mode);
    case 'set-xattr': return setXattr(entry, rule.name, rule.value);
    case 'remove-xattr': return removeXattr(entry, rule.name);
    default: return entry;
  }
}

function applyContent(data: Buffer, rule: Rule, ctx: ContentContext): ContentResult {
  switch (rule.action) {
    case 'truncate': return truncate();
    case 'replace': return replace(rule.content);
    case 'sort-lines': return sortLines(data, rule.field, rule.separator);
    case 'regex-replace': return regexReplace(data, rule.pattern, rule.flags, rule.replacement);
    case 'sort-json-keys': return sortJsonKeys(data);
    case 'gzip-normalize': return gzipNormalize(data, ctx);
    case 'zip-normalize': return zipNormalize(data, ctx);
    default: return { data };
  }
}

async function readAll(item: LayerSource, limit: number): Promise<Buffer | undefined> {
  if (item.entry.size > limit) return undefined;
  if (!item.content) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of await openContent(item.content)) {
    n += (chunk as Buffer).length;
    if (n > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const isWhiteout = (e: Entry): boolean => e.type === 'whiteout' || e.type === 'opaque';

/**
 * A rule set applied to one layer's items, one at a time as they stream past: `apply` gives the item as the
 * rules leave it, or undefined when a delete rule drops it (the writer's store applies what a delete means
 * to the rest of the layer: layer-items.ts). Rewritten contents are held up to `maxHeldBytes`, then appended
 * to one spool file per layer (`rewritten-<layer>` in `spoolDir`, never a member's name).
 */
export class LayerRules {
  private readonly limit: number;
  private readonly warn: (message: string) => void;
  private readonly entryRules: Rule[];
  private heldBytes = 0;
  private spool: { path: string; fd: number; at: number } | undefined;

  constructor(rules: RuleSet, private readonly ctx: ApplyContext) {
    this.limit = ctx.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
    this.warn = ctx.warn ?? (() => undefined);
    this.entryRules = rules.rules.filter((r) => !isImageAction(r.action));
  }

  async apply(item: LayerSource): Promise<LayerSource | undefined> {
    const ctx = this.ctx;
    const matched = matchingRules(this.entryRules, item.entry, ctx.layer);
    if (matched.length === 0) return item;
    // A whiteout only records a deletion: dropping or rewriting it would resurrect the lower file.
    if (!isWhiteout(item.entry) && matched.some((r) => r.action === 'delete')) return undefined;
    let entry = item.entry;
    for (const rule of matched) entry = applyMeta(entry, rule, ctx.epoch);
    const contentRules = entry.type === 'file' ? matched.filter((r) => isContentAction(r.action)) : [];
    if (contentRules.length === 0) return { entry, ...(item.content ? { content: item.content } : {}) };
    const original = await readAll(item, this.limit);
    if (original === undefined) {
      this.warn(`/${entry.path}: ${entry.size} bytes is over the ${this.limit}-byte limit for content rules; left unchanged`);
      return { entry, ...(item.content ? { content: item.content } : {}) };
    }
    let data = original;
    for (const rule of contentRules) {
      const r = applyContent(data, rule, { epoch: ctx.epoch, path: '/' + entry.path, maxBytes: this.limit });
      if ('skip' in r) this.warn(`/${entry.path}: ${rule.action} (${rule.where}) not applied: ${r.skip}`);
      else data = r.data;
    }
    const rewritten: Entry = { ...entry, size: data.length };
    delete rewritten.digest;
    return { entry: rewritten, content: this.holdOrSpool(data) };
  }

  private holdOrSpool(data: Buffer): LayerSource['content'] {
    const ctx = this.ctx;
    if (!ctx.spoolDir || this.heldBytes + data.length <= (ctx.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES)) {
      this.heldBytes += data.length;
      return () => Readable.from([data]);
    }
    if (!this.spool) {
      const path = join(ctx.spoolDir, `rewritten-${ctx.layer}`);
      this.spool = { path, fd: openSync(path, 'w'), at: 0 };
    }
    const start = this.spool.at;
    // written at once: the range is read back when the layer is written, after every item was applied
    for (let done = 0; done < data.length; ) done += writeSync(this.spool.fd, data, done);
    this.spool.at += data.length;
    return { file: this.spool.path, start, end: this.spool.at };
  }

  /** Close the spool file (its contents stay until the caller removes `spoolDir`). */
  close(): void {
    if (this.spool) closeSync(this.spool.fd);
    this.spool = undefined;
  }
}

/** The epoch as the RFC 3339 text configs use ("1970-01-01T00:00:00Z"). */
export function epochToRfc3339(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

const CREATED_LABEL = 'org.opencontainers.image.created';

function wantsImageTimestamps(rules: RuleSet): boolean {
  return rules.rules.some((r) => r.action === 'image-timestamps');
}

/** Config `created`, every `history[].created` and an image.created label set to the epoch. */
export function applyImageRules(config: ImageConfig, rules: RuleSet, epoch: number): ImageConfig {
  if (!wantsImageTimestamps(rules)) return config;
  const when = epochToRfc3339(epoch);
  const out: ImageConfig = { ...config };
  if (out.created !== undefined) out.created = when;
  if (out.history) out.history = out.history.map((h) => (h.created === undefined ? h : { ...h, created: when }));
  const labels = (out.config?.Labels ?? undefined) as Record<string, string> | undefined;
  if (labels && CREATED_LABEL in labels) out.config = { ...out.config, Labels: { ...labels, [CREATED_LABEL]: when } };
  return out;
}

/** The manifest's org.opencontainers.image.created annotation, under the same rule. */
export function applyAnnotationRules(annotations: Record<string, string> | undefined, rules: RuleSet, epoch: number): Record<string, string> | undefined {
  if (!annotations || !wantsImageTimestamps(rules) || !(CREATED_LABEL in annotations)) return annotations;
  return { ...annotations, [CREATED_LABEL]: epochToRfc3339(epoch) };
}
