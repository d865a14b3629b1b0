// Applying a rule set: to one layer's items (build and normalize both call this before writeLayer) and to
// the image documents. Every matching rule applies, in rule-file order; metadata actions never read content,
// content actions read it once (bounded: over the limit → a warning and the content left as it was).
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Entry } from '../core/entry.js';
import type { ImageConfig } from '../core/image.js';
import type { LayerSource } from '../image/layer-writer.js';
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
   * Files are named by a counter, never by member name. Without it every rewritten content stays in memory.
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
  for await (const chunk of await item.content()) {
    n += (chunk as Buffer).length;
    if (n > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function holdOrSpool(data: Buffer, held: { bytes: number; files: number }, ctx: ApplyContext): Promise<() => Readable> {
  if (!ctx.spoolDir || held.bytes + data.length <= (ctx.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES)) {
    held.bytes += data.length;
    return () => Readable.from([data]);
  }
  const file = join(ctx.spoolDir, `rewritten-${ctx.layer}-${held.files++}`);
  await writeFile(file, data);
  return () => createReadStream(file);
}

const isWhiteout = (e: Entry): boolean => e.type === 'whiteout' || e.type === 'opaque';

export async function applyRulesToLayer(items: LayerSource[], rules: RuleSet, ctx: ApplyContext): Promise<LayerSource[]> {
  const limit = ctx.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
  const warn = ctx.warn ?? (() => undefined);
  const entryRules = rules.rules.filter((r) => !isImageAction(r.action));
  const out: LayerSource[] = [];
  const deleted = new Map<string, LayerSource>();
  const held = { bytes: 0, files: 0 };
  for (const item of items) {
    const matched = matchingRules(entryRules, item.entry, ctx.layer);
    if (matched.length === 0) {
      out.push(item);
      continue;
    }
    // A whiteout only records a deletion: dropping or rewriting it would resurrect the lower file.
    if (!isWhiteout(item.entry) && matched.some((r) => r.action === 'delete')) {
      deleted.set(item.entry.path, item);
      continue;
    }
    let entry = item.entry;
    for (const rule of matched) entry = applyMeta(entry, rule, ctx.epoch);
    const contentRules = entry.type === 'file' ? matched.filter((r) => isContentAction(r.action)) : [];
    if (contentRules.length === 0) {
      out.push({ entry, content: item.content });
      continue;
    }
    const original = await readAll(item, limit);
    if (original === undefined) {
      warn(`/${entry.path}: ${entry.size} bytes is over the ${limit}-byte limit for content rules; left unchanged`);
      out.push({ entry, content: item.content });
      continue;
    }
    let data = original;
    for (const rule of contentRules) {
      const r = applyContent(data, rule, { epoch: ctx.epoch, path: '/' + entry.path, maxBytes: limit });
      if ('skip' in r) warn(`/${entry.path}: ${rule.action} (${rule.where}) not applied: ${r.skip}`);
      else data = r.data;
    }
    const rewritten: Entry = { ...entry, size: data.length };
    delete rewritten.digest;
    out.push({ entry: rewritten, content: await holdOrSpool(data, held, ctx) });
  }
  return deleted.size === 0 ? out : afterDeletes(out, deleted);
}

/**
 * Deleting a directory deletes what is under it; deleting the file of a hardlink group hands its content
 * to the first remaining link, so the remaining names still extract.
 */
function afterDeletes(items: LayerSource[], deleted: Map<string, LayerSource>): LayerSource[] {
  const dirs = [...deleted.values()].filter((d) => d.entry.type === 'dir').map((d) => d.entry.path + '/');
  const kept = items.filter((i) => !dirs.some((d) => i.entry.path.startsWith(d)));
  const promoted = new Map<string, string>();
  return kept.map((item) => {
    const e = item.entry;
    if (e.type !== 'hardlink' || e.linkname === undefined) return item;
    const target = deleted.get(e.linkname);
    if (!target) return item;
    const heir = promoted.get(e.linkname);
    if (heir !== undefined) return { entry: { ...e, linkname: heir } };
    promoted.set(e.linkname, e.path);
    return { entry: { ...target.entry, path: e.path, name: e.name }, content: target.content };
  });
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
