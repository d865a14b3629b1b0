// Finding → the smallest rule that removes it (or the reason none is needed). One function per category,
// reading the finding's code and typed facts (never its words). A rule that acts only on what the facts
// prove harmless is plain; one that might hide a real difference is marked `review: true`, and content,
// binary and derived ones are only ever commented out. `repro check --fix` applies the plain ones only.
import { timestampPattern } from '../classify/index.js';
import type { Fact, Finding } from '../core/finding.js';
import { evidenceText } from '../core/evidence.js';
import type { RuleAction } from './types.js';

export interface Draft {
  action: RuleAction;
  /** Absolute path the rule is for; "" for image-level rules. */
  path: string;
  category: string;
  evidence: string;
  review: boolean;
  /** Emitted only as a comment, for a person to uncomment. */
  commented: boolean;
  note?: string;
  /** The finding the rule explains (for --fix history and reports). */
  finding: Finding;
}

/** Findings that need no rule, with why (shown as comments in the generated file). */
export interface NoRule {
  path: string;
  category: string;
  why: string;
  finding: Finding;
}

export type Mapped = Draft | NoRule;

/** True for a draft --fix may apply: it acts only on what the finding's facts prove harmless. */
export function isSafe(m: Mapped): m is Draft {
  return !('why' in m) && !m.review && !m.commented;
}

const base = (f: Finding): Pick<Draft, 'path' | 'category' | 'evidence' | 'finding'> => ({ path: f.path, category: f.category, evidence: evidenceText(f), finding: f });
const draft = (f: Finding, action: RuleAction, extra: Partial<Draft> = {}): Draft => ({ ...base(f), action, review: false, commented: false, ...extra });
const none = (f: Finding, why: string): NoRule => ({ path: f.path, category: f.category, why, finding: f });
const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

type TokenFact = Extract<Fact, { token: string }>;
type FieldFact = Extract<Fact, { field: string }>;
const tokens = (f: Finding): TokenFact[] => f.facts.filter((x): x is TokenFact => 'token' in x);
const fields = (f: Finding): FieldFact[] => f.facts.filter((x): x is FieldFact => 'field' in x);
const kinds = (f: Finding, category: string): string[] => [...new Set(tokens(f).filter(() => f.category === category).map((t) => t.token))].sort();

/** What each timestamp format reads at the epoch 0 (what a pinned timestamp becomes). */
const EPOCH_ZERO: Record<string, string> = {
  'RFC 2822 date': 'Thu, 01 Jan 1970 00:00:00 +0000',
  'ctime date': 'Thu Jan  1 00:00:00 1970',
  'ISO 8601 timestamp': '1970-01-01T00:00:00Z',
  'ISO 8601 date': '1970-01-01',
  'compact timestamp': '19700101T000000Z',
  'common log date': '01/Jan/1970:00:00:00 +0000',
  'syslog date': 'Jan  1 00:00:00',
  'C __DATE__': 'Jan  1 1970',
  'time of day': '00:00:00',
  epoch: '0',
  'day number': '0',
};

const isLog = (p: string): boolean => p.startsWith('/var/log/') || /\.log(\.\d+)?$/.test(p);

/** One regex-replace per timestamp format the facts name; binary times have no rule. */
function timestamp(f: Finding): Mapped[] {
  if (isLog(f.path)) return [draft(f, { action: 'truncate' }, { note: 'a log of the build itself: emptied' })];
  const found = kinds(f, 'timestamp');
  if (found.length === 0) return [draft(f, { action: 'truncate' }, { commented: true, review: true, note: 'a time in binary data: no rule rewrites it; fix the build (SOURCE_DATE_EPOCH)' })];
  return found.map((kind) => {
    const pattern = timestampPattern(kind) ?? '';
    // A bare number is a time only near this run's clocks; pinned in another run it may catch a size.
    const review = kind === 'epoch' || kind === 'time of day';
    return draft(f, { action: 'regex-replace', pattern, flags: 'gm', replacement: EPOCH_ZERO[kind] ?? '0' }, review ? { review, note: `every ${kind} in this file pinned: check no other number matches` } : {});
  });
}

const UUID = '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b';

function randomId(f: Finding): Mapped[] {
  const name = basename(f.path);
  if (name === 'machine-id') return [draft(f, { action: 'truncate' }, { note: 'empty machine-id = uninitialized; systemd sets it at first boot' })];
  if (/^ssh_host_|\.(pem|key)$|random-seed$/.test(name)) return [draft(f, { action: 'delete' }, { note: 'generated secret: regenerate at first boot' })];
  const found = kinds(f, 'random-id');
  const out: Mapped[] = [];
  for (const kind of found) {
    const hex = /^(\d+)-hex token$/.exec(kind);
    if (hex?.[1]) {
      const n = Number(hex[1]);
      out.push(draft(f, { action: 'regex-replace', pattern: `\\b[0-9a-fA-F]{${n}}\\b`, flags: 'g', replacement: '0'.repeat(n) }, { note: `every ${n}-hex token in this file pinned` }));
    } else if (kind === 'UUID') {
      out.push(draft(f, { action: 'regex-replace', pattern: UUID, flags: 'g', replacement: '00000000-0000-0000-0000-000000000000' }, { note: 'every UUID in this file pinned' }));
    }
  }
  if (out.length === found.length && out.length > 0) return out;
  return [...out, draft(f, { action: 'truncate' }, { review: true, note: 'a random value no pattern pins: emptying the file hides the rest of it' })];
}

/** Each differing field's A value, for each field a rule can set. */
function metadata(f: Finding): Mapped[] {
  const out: Mapped[] = [];
  for (const x of fields(f)) {
    const one = { ...f, facts: [x] };
    if (x.field === 'mode' && /^0?[0-7]{3,4}$/.test(x.a)) out.push(draft(one, { action: 'set-mode', mode: parseInt(x.a, 8) }, { note: 'set to the value in A' }));
    else if ((x.field === 'uid' || x.field === 'gid') && /^\d+$/.test(x.a)) out.push(draft(one, { action: 'set-owner', [x.field]: Number(x.a) }, { note: 'set to the value in A' }));
    else if (x.field === 'uname' || x.field === 'gname') out.push(none(one, 'owner names: the canonical writer stores numeric owners only'));
    else if (x.field.startsWith('xattr ') && x.a === '(none)') out.push(draft(one, { action: 'remove-xattr', name: x.field.slice('xattr '.length) }, { review: true, note: 'not in A' }));
    else if (x.field.startsWith('xattr ') && /^0x([0-9a-f]{2})*$|^\(empty\)$/.test(x.a)) {
      const value = x.a === '(empty)' ? '0x' : x.a;
      out.push(draft(one, { action: 'set-xattr', name: x.field.slice('xattr '.length), value }, { review: true, note: 'set to the value in A' }));
    }
    else out.push(draft(one, { action: 'delete' }, { commented: true, review: true, note: `no rule sets ${x.field}: fix the build` }));
  }
  return out.length > 0 ? out : [draft(f, { action: 'delete' }, { commented: true, review: true, note: 'no rule sets this: fix the build' })];
}

const ZIP_LIKE = /\.(zip|jar|war|ear|aar|whl|egg|apk)$/;
const MEMBER_ORDER_WHY = 'member order: the canonical writer sorts members by path';

function ordering(f: Finding): Mapped {
  if (f.code === 'hardlink-order') return none(f, 'hardlink pair order: the canonical writer stores the lexically first path as the file');
  if (f.code === 'member-order') {
    if (ZIP_LIKE.test(f.path)) return draft(f, { action: 'zip-normalize' });
    return draft(f, { action: 'delete' }, { commented: true, review: true, note: 'members of an archive inside the image in another order: no rule re-sorts them; fix the tool that writes it' });
  }
  if (f.code === 'json-order') {
    if (f.facts.some((x) => 'order' in x && x.order === 'JSON array elements')) return draft(f, { action: 'sort-json-keys' }, { commented: true, review: true, note: 'JSON array order may be meaningful: no safe rule' });
    return draft(f, { action: 'sort-json-keys' });
  }
  // Lines moved and tokens differ: sorting alone does not make them equal.
  if (f.facts.some((x) => 'order' in x && x.masked?.length)) return draft(f, { action: 'sort-lines' }, { review: true, note: 'lines moved and tokens on them differ: sorting is only part of the fix' });
  return draft(f, { action: 'sort-lines' });
}

function compression(f: Finding): Mapped {
  if (f.code === 'zip-metadata' || (f.code === 'legacy' && ZIP_LIKE.test(f.path))) return draft(f, { action: 'zip-normalize' });
  if (f.code === 'gzip-header' || (f.code === 'legacy' && /\.(gz|tgz)$/.test(f.path))) return draft(f, { action: 'gzip-normalize' });
  return draft(f, { action: 'delete' }, { commented: true, review: true, note: 'no normalizer for this format' });
}

const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The values a check variation set on each side: stable from run to run, so a rule can name them. */
function buildEnv(f: Finding): Mapped[] {
  const values = f.facts.filter((x): x is Extract<Fact, { variation: string }> => 'variation' in x);
  if (values.length === 0) return [draft(f, { action: 'truncate' }, { commented: true, review: true, note: 'build environment leaked: write a regex-replace' })];
  const seen = new Set<string>();
  const out: Mapped[] = [];
  for (const v of values) {
    const pattern = `${esc(v.a)}|${esc(v.b)}`;
    if (seen.has(pattern)) continue;
    seen.add(pattern);
    out.push(draft(f, { action: 'regex-replace', pattern, flags: 'g', replacement: 'BUILD-ENV' }, { note: `the ${v.variation} of the build replaced: better fix the build` }));
  }
  return out;
}

function imageMetadata(f: Finding): Mapped {
  const names = fields(f).map((x) => x.field);
  if (names.some((n) => /created/.test(n))) return { ...draft(f, { action: 'image-timestamps' }), path: '' };
  if (f.code === 'layer-compression' || f.code === 'layer-encoding' || names.some((n) => /digest|diff_ids|\bsize\b|layers/.test(n))) return none(f, 'follows from layer or config content: no rule of its own');
  return { ...draft(f, { action: 'image-timestamps' }, { commented: true, review: true, note: `image metadata no rule sets: ${evidenceText(f)}` }), path: '' };
}

export function mapFinding(f: Finding): Mapped[] {
  if (f.path === '' && f.category !== 'image-metadata') {
    if (f.code === 'member-order') return [none(f, MEMBER_ORDER_WHY)];
    return [none(f, 'top-level input, not a path inside an image: rules apply to image paths')];
  }
  // Rules act on a path as a whole: a difference nested inside an archive member cannot be reached.
  if (f.inner) {
    return [draft(f, { action: 'delete' }, { commented: true, review: true, note: `difference inside ${f.inner}: no rule reaches into nested archives` })];
  }
  // A report of schema /1 kept only words: act on the category where no fact is needed, else leave it to a person.
  if (f.code === 'legacy' && !['mtime', 'compression-metadata', 'added', 'removed'].includes(f.category)) {
    return [draft(f, { action: 'delete' }, { commented: true, review: true, note: 'from a repro-report/1 (words only): compare again for a rule' })];
  }
  switch (f.category) {
    case 'mtime': return [draft(f, { action: 'clamp-mtime' })];
    case 'metadata': return metadata(f);
    case 'ordering': return [ordering(f)];
    case 'timestamp': return timestamp(f);
    case 'random-id': return randomId(f);
    case 'compression-metadata': return [compression(f)];
    case 'image-metadata': return [imageMetadata(f)];
    case 'build-env': return buildEnv(f);
    case 'added':
    case 'removed':
      return [draft(f, { action: 'delete' }, { review: true, note: `present in one build only (${f.category}): deleting it from both hides that` })];
    case 'binary':
    case 'content':
      return [draft(f, { action: 'delete' }, { commented: true, review: true, note: f.code === 'derived' ? 'a checksum of a file that differs: fix that file' : `${f.category} difference may be real: uncomment only if this path does not matter (a cache)` })];
  }
}
