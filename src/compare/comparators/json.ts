// JSON: equal values written with keys (or set-like arrays) in another order → ordering; otherwise the
// differing leaves are classified one by one (a "created" date, a random "id") and named by their path.
import { classifyValue, type Classification } from '../../classify/index.js';
import type { Category } from '../../core/finding.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { compareTexts, unifiedDiff } from './text.js';
import { isText } from './sniff.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Canonical text with keys sorted (and, when `sortArrays`, array elements sorted too). */
function canonical(v: Json, sortArrays: boolean): string {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, sortArrays));
    return `[${(sortArrays ? items.sort() : items).join(',')}]`;
  }
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k] as Json, sortArrays)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

interface Leaf {
  path: string;
  a: Json | undefined;
  b: Json | undefined;
}

function leafDiffs(a: Json | undefined, b: Json | undefined, path: string, out: Leaf[]): void {
  const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => leafDiffs(x, b[i], `${path}[${i}]`, out));
  } else if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])]) leafDiffs(a[k], b[k], `${path}.${k}`, out);
  } else if (canonical(a ?? null, false) !== canonical(b ?? null, false) || (a === undefined) !== (b === undefined)) {
    out.push({ path, a, b });
  }
}

/** A leaf's category, its facts located at its JSON path. */
function leafCategory(leaf: Leaf, ctx: ContentContext): Classification {
  const scalar = (v: Json | undefined): v is string | number => typeof v === 'string' || typeof v === 'number';
  if (!scalar(leaf.a) || !scalar(leaf.b)) {
    if (leaf.a === undefined) return { category: 'content', facts: [{ only: 'b', what: leaf.path }] };
    if (leaf.b === undefined) return { category: 'content', facts: [{ only: 'a', what: leaf.path }] };
    return { category: 'content', facts: [{ at: leaf.path }] };
  }
  const c = classifyValue(String(leaf.a), String(leaf.b), ctx);
  if (c.category === 'content') return { category: 'content', facts: [{ at: leaf.path }] };
  return { category: c.category, facts: c.facts.map((f) => ('token' in f ? { ...f, where: leaf.path } : f)) };
}

function parse(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

export const jsonComparator: Comparator = {
  name: 'json',
  recognizes: (head) => isText(head) && /^\s*[[{]/.test(head.subarray(0, 64).toString('utf8')),
  async compare(a, b, ctx): Promise<ContentFinding[]> {
    const ta = (await a.bytes()).toString('utf8');
    const tb = (await b.bytes()).toString('utf8');
    const ja = parse(ta);
    const jb = parse(tb);
    // "[section]" INI files start like JSON arrays: not JSON after all, so plain text rules apply.
    if (ja === undefined || jb === undefined) return compareTexts(ta, tb, a.name, ctx);
    const pretty = (v: Json): string => JSON.stringify(v, null, 2) + '\n';
    const detail = ta.includes('\n') ? unifiedDiff(ta, tb, a.name, ctx) : unifiedDiff(pretty(ja), pretty(jb), a.name, ctx);
    if (canonical(ja, false) === canonical(jb, false)) {
      if (JSON.stringify(ja) === JSON.stringify(jb)) {
        return [{ inner: '', category: 'content', code: 'json-format', facts: [], detail }];
      }
      return [{ inner: '', category: 'ordering', code: 'json-order', facts: [{ order: 'JSON object keys', count: Object.keys(ja ?? {}).length }], detail }];
    }
    if (canonical(ja, true) === canonical(jb, true)) {
      return [{ inner: '', category: 'ordering', code: 'json-order', facts: [{ order: 'JSON array elements', count: Array.isArray(ja) ? ja.length : 0 }], detail }];
    }
    const leaves: Leaf[] = [];
    leafDiffs(ja, jb, '$', leaves);
    const classified = leaves.map((l) => ({ leaf: l, ...leafCategory(l, ctx) }));
    const counts = new Map<Category, number>();
    for (const c of classified) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
    // One unexplained leaf makes the whole file 'content'; otherwise the commonest cause names it.
    const category: Category = counts.has('content') || counts.size === 0
      ? 'content'
      : [...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0];
    // Content first: the leaves a person must look at lead the facts.
    const facts = [...classified.filter((c) => c.category === 'content'), ...classified.filter((c) => c.category !== 'content')].flatMap((c) => c.facts);
    return [{ inner: '', category, code: 'json', facts, detail }];
  },
};
