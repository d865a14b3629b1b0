// Rule file validation. Every mistake becomes one ReproError whose `where` is "file:line" and whose message
// names the field ("rules[3].action: unknown action ..."), using the yaml package's node ranges.
import { LineCounter, isMap, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import picomatch from 'picomatch';
import { ReproError } from '../core/errors.js';
import type { EntryType } from '../core/entry.js';
import {
  ACTIONS, ENTRY_TYPES, RULE_SCHEMA_VERSION, isImageAction,
  type ActionName, type Rule, type RuleAction, type RuleReason,
} from './types.js';

const COMMON_FIELDS = ['match', 'type', 'layer', 'action', 'reason', 'review', 'note'];
const ARG_FIELDS: Record<ActionName, string[]> = {
  'clamp-mtime': [], 'set-mtime': ['mtime'], 'set-owner': ['uid', 'gid'], 'set-mode': ['mode'],
  'set-xattr': ['name', 'value', 'text'], 'remove-xattr': ['name'],
  delete: [], truncate: [], replace: ['content'], 'sort-lines': ['field', 'separator'],
  'regex-replace': ['pattern', 'replacement', 'flags'], 'sort-json-keys': [], 'gzip-normalize': [],
  'zip-normalize': [], 'image-timestamps': [], accept: ['because'],
};

class Ctx {
  constructor(readonly file: string, readonly lines: LineCounter) {}
  fail(node: Node | null | undefined, field: string, message: string): never {
    const offset = node?.range?.[0];
    const line = offset === undefined ? 1 : this.lines.linePos(offset).line;
    throw new ReproError(`${field}: ${message}`, `${this.file}:${line}`);
  }
}

/** Unbalanced brackets, braces or parens make picomatch fall back to a literal or a never-matching regex. */
function globProblem(glob: string): string | undefined {
  if (!glob.startsWith('/') && !glob.startsWith('**')) return 'must be an absolute path glob (start with "/" or "**")';
  const pairs: Record<string, string> = { '[': ']', '{': '}', '(': ')' };
  const stack: string[] = [];
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] ?? '';
    if (ch === '\\') { i++; continue; }
    if (ch in pairs) stack.push(pairs[ch] ?? '');
    else if (ch === ']' || ch === '}' || ch === ')') {
      if (stack.pop() !== ch) return `unbalanced "${ch}"`;
    }
  }
  if (stack.length > 0) return `unclosed "${glob.includes('[') ? '[' : glob.includes('{') ? '{' : '('}"`;
  try {
    if (picomatch.makeRe(glob, { dot: true }).source === '$^') return 'picomatch cannot compile it';
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function str(ctx: Ctx, map: YAMLMap, key: string, field: string): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  const v = (node as { value?: unknown }).value;
  if (typeof v !== 'string') ctx.fail(node, field, 'must be a string');
  return v;
}

function int(ctx: Ctx, map: YAMLMap, key: string, field: string, min: number, max: number): number | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  const v = (node as { value?: unknown }).value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    ctx.fail(node, field, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** A scalar or a list of scalars, as a list. */
function list(ctx: Ctx, map: YAMLMap, key: string, field: string): { items: unknown[]; nodes: (Node | undefined)[] } | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  if (isSeq(node)) {
    const nodes = node.items as Node[];
    if (nodes.length === 0) ctx.fail(node, field, 'must not be empty');
    return { items: nodes.map((n) => (n as { value?: unknown }).value), nodes };
  }
  return { items: [(node as { value?: unknown }).value], nodes: [node] };
}

/** Linux limits (include/uapi/linux/limits.h): XATTR_NAME_MAX and XATTR_SIZE_MAX. */
const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
/** The namespaces the kernel knows (xattr(7)); a name outside them cannot be set on Linux. */
const XATTR_NAME = /^(security|system|trusted|user)\.[^\0]+$/;

/** "0x" then pairs of hex digits, as getfattr -e hex prints a value; undefined when it is not that. */
export function hexBytes(text: string): Buffer | undefined {
  return /^0x([0-9a-fA-F]{2})*$/.test(text) ? Buffer.from(text.slice(2), 'hex') : undefined;
}

function xattrName(ctx: Ctx, map: YAMLMap, field: string, glob: boolean): string {
  const name = str(ctx, map, 'name', field);
  if (name === undefined) ctx.fail(map, field, 'missing (an xattr name such as security.capability)');
  const node = map.get('name', true) as Node;
  const isGlob = /[*?[\]{}]/.test(name);
  if ((!isGlob && !XATTR_NAME.test(name)) || name === '' || Buffer.byteLength(name) > XATTR_NAME_MAX) {
    ctx.fail(node, field, `"${name}" is not an xattr name (security.*, system.*, trusted.* or user.*, at most ${XATTR_NAME_MAX} bytes)`);
  }
  if (!glob && isGlob) ctx.fail(node, field, 'set-xattr takes one name, not a glob');
  return name;
}

function parseAction(ctx: Ctx, map: YAMLMap, action: ActionName, p: string): RuleAction {
  switch (action) {
    case 'set-mtime': {
      const mtime = int(ctx, map, 'mtime', `${p}.mtime`, 0, 2 ** 33);
      if (mtime === undefined) ctx.fail(map, `${p}.mtime`, 'missing (seconds since the epoch)');
      return { action, mtime };
    }
    case 'set-owner': {
      const uid = int(ctx, map, 'uid', `${p}.uid`, 0, 2 ** 31);
      const gid = int(ctx, map, 'gid', `${p}.gid`, 0, 2 ** 31);
      if (uid === undefined && gid === undefined) ctx.fail(map, `${p}.uid`, 'set-owner needs uid, gid or both');
      return { action, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
    }
    case 'set-mode': {
      const node = map.get('mode', true) as Node | undefined;
      const text = str(ctx, map, 'mode', `${p}.mode`);
      // YAML 1.2 reads 0644 as the decimal 644: only a quoted octal string is unambiguous
      if (text === undefined) ctx.fail(map, `${p}.mode`, "missing (a quoted octal string such as '0644')");
      if (!/^0?[0-7]{3,4}$/.test(text)) ctx.fail(node, `${p}.mode`, `"${text}" is not an octal mode such as '0644'`);
      return { action, mode: parseInt(text, 8) };
    }
    case 'set-xattr': {
      const name = xattrName(ctx, map, `${p}.name`, false);
      const value = str(ctx, map, 'value', `${p}.value`);
      const text = str(ctx, map, 'text', `${p}.text`);
      if ((value === undefined) === (text === undefined)) {
        ctx.fail(map, `${p}.value`, "set-xattr needs value (hex bytes, as getfattr -e hex shows them: '0x0100...') or text (UTF-8), not both");
      }
      const bytes = value !== undefined ? hexBytes(value) : Buffer.from(text ?? '', 'utf8');
      if (!bytes) ctx.fail(map.get('value', true) as Node, `${p}.value`, `"${value}" is not hex bytes such as '0x0100000280'`);
      if (bytes.length > XATTR_SIZE_MAX) ctx.fail(map, `${p}.value`, `${bytes.length} bytes: Linux takes at most ${XATTR_SIZE_MAX}`);
      return { action, name, value: `0x${bytes.toString('hex')}` };
    }
    case 'remove-xattr':
      return { action, name: xattrName(ctx, map, `${p}.name`, true) };
    case 'replace': {
      const content = str(ctx, map, 'content', `${p}.content`);
      if (content === undefined) ctx.fail(map, `${p}.content`, 'missing (the fixed content)');
      return { action, content };
    }
    case 'sort-lines': {
      const field = int(ctx, map, 'field', `${p}.field`, 1, 1000);
      const separator = str(ctx, map, 'separator', `${p}.separator`);
      if (separator === '') ctx.fail(map.get('separator', true) as Node, `${p}.separator`, 'must not be empty');
      return { action, ...(field !== undefined ? { field } : {}), ...(separator !== undefined ? { separator } : {}) };
    }
    case 'regex-replace': {
      const pattern = str(ctx, map, 'pattern', `${p}.pattern`);
      const replacement = str(ctx, map, 'replacement', `${p}.replacement`);
      const flags = str(ctx, map, 'flags', `${p}.flags`) ?? 'gm';
      if (pattern === undefined) ctx.fail(map, `${p}.pattern`, 'missing (a JavaScript regular expression)');
      if (replacement === undefined) ctx.fail(map, `${p}.replacement`, 'missing');
      try {
        new RegExp('', flags);
      } catch {
        ctx.fail(map.get('flags', true) as Node, `${p}.flags`, `"${flags}" are not regular expression flags (g, m, i, s, u)`);
      }
      try {
        new RegExp(pattern, flags);
      } catch (err) {
        ctx.fail(map.get('pattern', true) as Node, `${p}.pattern`, `bad regular expression: ${(err as Error).message}`);
      }
      return { action, pattern, flags, replacement };
    }
    case 'accept': {
      const because = str(ctx, map, 'because', `${p}.because`);
      if (!because?.trim()) ctx.fail(map, `${p}.because`, 'missing (why these differences are accepted)');
      return { action, because };
    }
    default:
      return { action } as RuleAction;
  }
}

function parseReason(ctx: Ctx, map: YAMLMap, p: string): RuleReason | undefined {
  const node = map.get('reason', true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isMap(node)) ctx.fail(node, `${p}.reason`, 'must be a mapping with category and evidence');
  for (const pair of node.items) {
    const k = String((pair.key as { value?: unknown }).value);
    if (k !== 'category' && k !== 'evidence') ctx.fail(pair.key as Node, `${p}.reason.${k}`, 'unknown field (category, evidence)');
  }
  const category = str(ctx, node, 'category', `${p}.reason.category`);
  if (category === undefined) ctx.fail(node, `${p}.reason.category`, 'missing');
  const ev = list(ctx, node, 'evidence', `${p}.reason.evidence`);
  return { category, evidence: (ev?.items ?? []).map(String) };
}

function parseRule(ctx: Ctx, node: Node, i: number): Rule {
  const p = `rules[${i}]`;
  if (!isMap(node)) ctx.fail(node, p, 'must be a mapping (match, action, ...)');
  const actionText = str(ctx, node, 'action', `${p}.action`);
  if (actionText === undefined) ctx.fail(node, `${p}.action`, 'missing');
  if (!(ACTIONS as readonly string[]).includes(actionText)) {
    ctx.fail(node.get('action', true) as Node, `${p}.action`, `unknown action "${actionText}" (one of ${ACTIONS.join(', ')})`);
  }
  const action = actionText as ActionName;
  const allowed = [...COMMON_FIELDS, ...ARG_FIELDS[action]];
  for (const pair of node.items) {
    const k = String((pair.key as { value?: unknown }).value);
    if (!allowed.includes(k)) ctx.fail(pair.key as Node, `${p}.${k}`, `unknown field for action ${action} (allowed: ${allowed.join(', ')})`);
  }
  const globs = list(ctx, node, 'match', `${p}.match`);
  if (!globs && !isImageAction(action)) ctx.fail(node, `${p}.match`, 'missing (a glob such as /var/log/**)');
  if (globs && isImageAction(action)) ctx.fail(globs.nodes[0], `${p}.match`, `${action} applies to the image documents and takes no match`);
  const match = (globs?.items ?? []).map((g, j) => {
    if (typeof g !== 'string' || g === '') ctx.fail(globs?.nodes[j], `${p}.match`, 'must be a non-empty string');
    const problem = globProblem(g);
    if (problem) ctx.fail(globs?.nodes[j], `${p}.match`, `bad glob "${g}": ${problem}`);
    return g;
  });
  const typeList = list(ctx, node, 'type', `${p}.type`);
  const types = typeList?.items.map((t, j) => {
    if (!ENTRY_TYPES.includes(t as EntryType)) ctx.fail(typeList.nodes[j], `${p}.type`, `unknown entry type "${String(t)}" (one of ${ENTRY_TYPES.join(', ')})`);
    return t as EntryType;
  });
  const layerList = list(ctx, node, 'layer', `${p}.layer`);
  const layers = layerList?.items.map((l, j) => {
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 0) ctx.fail(layerList.nodes[j], `${p}.layer`, 'must be a layer index (0 = bottom)');
    return l;
  });
  const reviewNode = node.get('review', true) as Node | undefined;
  const review = (reviewNode as { value?: unknown } | undefined)?.value ?? false;
  if (typeof review !== 'boolean') ctx.fail(reviewNode, `${p}.review`, 'must be true or false');
  const note = str(ctx, node, 'note', `${p}.note`);
  const line = ctx.lines.linePos(node.range?.[0] ?? 0).line;
  return {
    match,
    ...(types ? { types } : {}),
    ...(layers ? { layers } : {}),
    ...parseAction(ctx, node, action, p),
    ...(node.has('reason') ? { reason: parseReason(ctx, node, p) } : {}),
    review,
    ...(note !== undefined ? { note } : {}),
    where: `${ctx.file}:${line}`,
  } as Rule;
}

/** Parse and validate one rule file's text; `file` is only used in messages. */
export function parseRuleFile(text: string, file: string): Rule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const ctx: Ctx = new Ctx(file, lines);
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new ReproError(`YAML: ${first.message.split('\n')[0] ?? first.code}`, `${file}:${line}`);
  }
  const root = doc.contents as Node | null;
  if (!isMap(root)) ctx.fail(root, 'file', 'must be a mapping with version and rules');
  for (const pair of root.items) {
    const k = String((pair.key as { value?: unknown }).value);
    if (k !== 'version' && k !== 'rules') ctx.fail(pair.key as Node, k, 'unknown top-level field (version, rules)');
  }
  const versionNode = root.get('version', true) as Node | undefined;
  if (versionNode === undefined) ctx.fail(root, 'version', `missing (this repro reads version ${RULE_SCHEMA_VERSION})`);
  const version = (versionNode as { value?: unknown }).value;
  if (version !== RULE_SCHEMA_VERSION) ctx.fail(versionNode, 'version', `unsupported version ${String(version)} (this repro reads ${RULE_SCHEMA_VERSION})`);
  const rules = root.get('rules', true) as Node | undefined;
  if (rules === undefined || (rules as { value?: unknown }).value === null) return [];
  if (!isSeq(rules)) ctx.fail(rules, 'rules', 'must be a list');
  return (rules.items as Node[]).map((n, i) => parseRule(ctx, n, i));
}
