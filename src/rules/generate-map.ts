// Finding → the smallest rule that removes it (or the reason none is needed). One function per category;
// the evidence strings are read only for what they state (field values, format names), and anything
// that might hide a real difference is marked for review — content and binary ones only ever commented out.
import type { Finding } from '../core/finding.js';
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
}

/** Findings that need no rule, with why (shown as comments in the generated file). */
export interface NoRule {
  path: string;
  category: string;
  why: string;
}

export type Mapped = Draft | NoRule;

const base = (f: Finding): Pick<Draft, 'path' | 'category' | 'evidence'> => ({ path: f.path, category: f.category, evidence: f.evidence });
const draft = (f: Finding, action: RuleAction, extra: Partial<Draft> = {}): Draft => ({ ...base(f), action, review: false, commented: false, ...extra });
const none = (f: Finding, why: string): NoRule => ({ path: f.path, category: f.category, why });
const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Timestamp formats a regex-replace can pin, each with its value at the epoch 0. */
const TIMESTAMP_FORMATS: { re: RegExp; pattern: string; replacement: string }[] = [
  { re: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, pattern: '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?:Z|[+-]\\d\\d:?\\d\\d)?', replacement: '1970-01-01T00:00:00Z' },
  { re: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, pattern: '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?', replacement: '1970-01-01 00:00:00' },
  { re: /[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d/, pattern: '[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d(?: [+-]\\d{4}| [A-Z]{2,4})?', replacement: 'Thu, 01 Jan 1970 00:00:00 +0000' },
  { re: /[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}/, pattern: '[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}', replacement: 'Thu Jan  1 00:00:00 1970' },
];

const isLog = (p: string): boolean => p.startsWith('/var/log/') || /\.log(\.\d+)?$/.test(p);

function timestamp(f: Finding): Mapped {
  if (isLog(f.path)) return draft(f, { action: 'truncate' }, { note: 'a log of the build itself: emptied' });
  const text = `${f.evidence}\n${f.detail}`;
  const format = TIMESTAMP_FORMATS.find((t) => t.re.test(text));
  if (!format) return draft(f, { action: 'truncate' }, { commented: true, review: true, note: 'no known timestamp format in the evidence: write a regex-replace' });
  return draft(f, { action: 'regex-replace', pattern: format.pattern, flags: 'gm', replacement: format.replacement });
}

function randomId(f: Finding): Mapped {
  const name = basename(f.path);
  if (name === 'machine-id') return draft(f, { action: 'truncate' }, { note: 'empty machine-id = uninitialized; systemd sets it at first boot' });
  if (/^ssh_host_|\.(pem|key)$|random-seed$/.test(name)) return draft(f, { action: 'delete' }, { note: 'generated secret: regenerate at first boot' });
  // "16-hex token differs": pin every token of that shape; the rest of the file stays as built
  const hex = /\b(\d+)-hex token/.exec(f.evidence);
  if (hex?.[1]) {
    const n = Number(hex[1]);
    return draft(f, { action: 'regex-replace', pattern: `\\b[0-9a-fA-F]{${n}}\\b`, flags: 'g', replacement: '0'.repeat(n) }, { review: true, note: 'random token pinned: check nothing needs it' });
  }
  if (/\bUUID\b/i.test(f.evidence)) {
    return draft(f, { action: 'regex-replace', pattern: '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b', flags: 'g', replacement: '00000000-0000-0000-0000-000000000000' }, { review: true, note: 'random UUID pinned: check nothing needs it' });
  }
  return draft(f, { action: 'truncate' }, { review: true, note: 'random value emptied: check nothing needs it' });
}

/** "mode 0644 vs 0600; uid 0 vs 1000" → the A side's value for each field a rule can set. */
function metadata(f: Finding): Mapped[] {
  const out: Mapped[] = [];
  for (const part of f.evidence.split(';')) {
    const m = /^\s*(\S+) (.+?) vs (.+?)\s*$/.exec(part);
    const [field, a] = [m?.[1], m?.[2]];
    if (field === 'mode' && a && /^0?[0-7]{3,4}$/.test(a)) out.push(draft(f, { action: 'set-mode', mode: parseInt(a, 8) }, { evidence: part.trim(), note: 'set to the value in A' }));
    else if ((field === 'uid' || field === 'gid') && a && /^\d+$/.test(a)) out.push(draft(f, { action: 'set-owner', [field]: Number(a) }, { evidence: part.trim(), note: 'set to the value in A' }));
    else if (field === 'uname' || field === 'gname') out.push(none(f, 'owner names: the canonical writer stores numeric owners only'));
    else out.push(draft(f, { action: 'delete' }, { evidence: part.trim(), commented: true, review: true, note: `no rule sets ${field ?? 'this field'}: fix the build` }));
  }
  return out;
}

const ZIP_LIKE = /\.(zip|jar|war|ear|aar|whl|egg|apk)$/;
const MEMBER_ORDER = /members? (common to both )?in another order/;
const MEMBER_ORDER_WHY = 'member order: the canonical writer sorts members by path';

function ordering(f: Finding): Mapped {
  if (/hardlink pair/.test(f.evidence)) return none(f, 'hardlink pair order: the canonical writer stores the lexically first path as the file');
  if (MEMBER_ORDER.test(f.evidence)) {
    if (ZIP_LIKE.test(f.path)) return draft(f, { action: 'zip-normalize' });
    return draft(f, { action: 'delete' }, { commented: true, review: true, note: 'members of an archive inside the image in another order: no rule re-sorts them; fix the tool that writes it' });
  }
  if (/array elements/.test(f.evidence)) return draft(f, { action: 'sort-json-keys' }, { commented: true, review: true, note: 'JSON array order may be meaningful: no safe rule' });
  if (/JSON/.test(f.evidence) || f.path.endsWith('.json')) return draft(f, { action: 'sort-json-keys' });
  return draft(f, { action: 'sort-lines' });
}

function compression(f: Finding): Mapped {
  if (/\bzip\b/i.test(f.evidence) || ZIP_LIKE.test(f.path)) return draft(f, { action: 'zip-normalize' });
  if (/^gzip\b/.test(f.evidence) || /\.(gz|tgz)$/.test(f.path)) return draft(f, { action: 'gzip-normalize' });
  return draft(f, { action: 'delete' }, { commented: true, review: true, note: 'no normalizer for this format' });
}

const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function buildEnv(f: Finding): Mapped {
  // A check variation names both values it set ("the hostname variation shows (repro-a-host vs
  // repro-b-host)"): those are stable from run to run, unlike a token cut out of one diff.
  const named = /variation shows \((.+?) vs (.+?)\)/.exec(f.evidence);
  if (named?.[1] && named[2]) {
    return draft(f, { action: 'regex-replace', pattern: `${esc(named[1])}|${esc(named[2])}`, flags: 'g', replacement: 'BUILD-ENV' }, { review: true, note: 'value from the build environment replaced: prefer fixing the build' });
  }
  // Otherwise the differing token of the first changed line pair of the unified diff, both sides as alternatives.
  const minus = /^-(?!--)(.*)$/m.exec(f.detail)?.[1];
  const plus = /^\+(?!\+\+)(.*)$/m.exec(f.detail)?.[1];
  if (minus === undefined || plus === undefined) return draft(f, { action: 'truncate' }, { commented: true, review: true, note: 'build environment leaked: write a regex-replace' });
  let s = 0;
  while (s < minus.length && minus[s] === plus[s]) s++;
  let e = 0;
  while (e < minus.length - s && e < plus.length - s && minus[minus.length - 1 - e] === plus[plus.length - 1 - e]) e++;
  const ta = minus.slice(s, minus.length - e);
  const tb = plus.slice(s, plus.length - e);
  if (!ta || !tb) return draft(f, { action: 'truncate' }, { commented: true, review: true, note: 'build environment leaked: write a regex-replace' });
  return draft(f, { action: 'regex-replace', pattern: `${esc(ta)}|${esc(tb)}`, flags: 'g', replacement: 'BUILD-ENV' }, { review: true, note: 'value from the build environment replaced: prefer fixing the build' });
}

function imageMetadata(f: Finding): Mapped {
  if (/created/.test(f.evidence)) return { ...draft(f, { action: 'image-timestamps' }), path: '' };
  if (/digest|diff_ids|\bsize\b|layers/.test(f.evidence)) return none(f, 'follows from layer or config content: no rule of its own');
  return { ...draft(f, { action: 'image-timestamps' }, { commented: true, review: true, note: `image metadata no rule sets: ${f.evidence}` }), path: '' };
}

export function mapFinding(f: Finding): Mapped[] {
  if (f.path === '' && f.category !== 'image-metadata') {
    if (f.category === 'ordering' && MEMBER_ORDER.test(f.evidence)) return [none(f, MEMBER_ORDER_WHY)];
    return [none(f, 'top-level input, not a path inside an image: rules apply to image paths')];
  }
  // Rules act on a path as a whole: a difference nested inside an archive member cannot be reached.
  if (f.inner) {
    return [draft(f, { action: 'delete' }, { commented: true, review: true, note: `difference inside ${f.inner}: no rule reaches into nested archives` })];
  }
  switch (f.category) {
    case 'mtime': return [draft(f, { action: 'clamp-mtime' })];
    case 'metadata': return metadata(f);
    case 'ordering': return [ordering(f)];
    case 'timestamp': return [timestamp(f)];
    case 'random-id': return [randomId(f)];
    case 'compression-metadata': return [compression(f)];
    case 'image-metadata': return [imageMetadata(f)];
    case 'build-env': return [buildEnv(f)];
    case 'added':
    case 'removed':
      return [draft(f, { action: 'delete' }, { review: true, note: `present in one build only (${f.category}): deleting it from both hides that` })];
    case 'binary':
    case 'content':
      return [draft(f, { action: 'delete' }, { commented: true, review: true, note: `${f.category} difference may be real: uncomment only if this path does not matter (a cache)` })];
  }
}
