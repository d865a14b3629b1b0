// `repro check --fix`: check → generate rules from what was observed → check again with them, until the
// image digests are identical or nothing new can be generated. Rules accumulate across rounds (a rule that
// removed a difference must stay for it to stay removed), and the file written is the one it converged to.
import { isSeq, parseDocument } from 'yaml';
import { writeFileAtomic } from '../core/atomic.js';
import type { Category } from '../core/finding.js';
import { readFile } from 'node:fs/promises';
import { generateRules } from '../rules/generate.js';
import { resolveRuleFile } from '../rules/load.js';
import type { CheckReport } from './check-report.js';
import { clampAllRule, fallbackRules, persistenceKeys } from './fallback-rules.js';
import { runCheck, type CheckOptions } from './run-check.js';

/** Categories no rule can safely remove: the bytes really differ and a person has to look. */
export const NEEDS_A_PERSON: readonly Category[] = ['content', 'binary'];

export interface FixRound {
  round: number;
  reproducible: boolean;
  digests: string[];
  findings: number;
  /** Rules in the accumulated file after this round's generation. */
  rules: number;
}

export interface FixResult {
  converged: boolean;
  /** The accumulated rules file (written even when not converged: it is still progress). */
  rulesFile: string;
  rulesText: string;
  rounds: FixRound[];
  final: CheckReport;
  /** Why the loop stopped without converging. */
  stopReason?: string;
}

export interface FixOptions extends CheckOptions {
  maxRounds: number;
  /** Where the converged rules go. */
  rulesFile: string;
  onRound?: (round: FixRound, report: CheckReport) => void;
}

/**
 * What a rule does to which path, without why or exactly how: a rule generated again from another round's
 * evidence (a regex with other random values in it) is no progress, so the loop must not count it as such.
 */
function ruleKeys(item: unknown): string[] {
  const json = ((item as { toJSON?: () => unknown }).toJSON?.() ?? item) as Record<string, unknown> | null;
  if (!json || typeof json !== 'object') return [JSON.stringify(json)];
  const match = Array.isArray(json.match) ? json.match : [json.match ?? ''];
  const category = (json.reason as { category?: unknown } | undefined)?.category ?? '';
  return match.map((m) => JSON.stringify([m, json.action, category]));
}

function categoryOf(item: unknown): string {
  const json = ((item as { toJSON?: () => unknown }).toJSON?.() ?? item) as { reason?: { category?: string } } | null;
  return json?.reason?.category ?? '';
}

const REVIEW_MARK = '# ---- To review';

/**
 * The rules the generator left commented out for a person, as YAML nodes. `--fix` may take those whose
 * category is not content or binary once the active rules stop helping: they keep `review: true`.
 */
export function reviewRules(text: string): unknown[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(REVIEW_MARK) || l.trimStart().startsWith(REVIEW_MARK));
  if (at < 0) return [];
  const body = lines.slice(at + 1).filter((l) => /^\s*# {1,2}[- ]/.test(l) && !/^#\s{3}/.test(l)).map((l) => l.replace(/^(\s*)# /, '$1'));
  const seq = parseDocument(`rules:\n${body.join('\n')}\n`).get('rules', true);
  if (!isSeq(seq)) return [];
  return seq.items.filter((item) => {
    const c = categoryOf(item);
    return c !== '' && !(NEEDS_A_PERSON as readonly string[]).includes(c);
  });
}

export interface MergeResult {
  text: string;
  /** Rules that act on a path in a way no earlier rule did. */
  added: number;
  total: number;
}

/** Append the rules of `add` that do something new; the result keeps base's header and comments. */
export function mergeRuleTexts(base: string | undefined, add: string, opts: { acceptReview?: boolean } = {}): MergeResult {
  const doc = parseDocument(base ?? 'version: 1\nrules: []\n');
  let rules = doc.get('rules', true);
  if (!isSeq(rules)) {
    doc.set('rules', doc.createNode([]));
    rules = doc.get('rules', true);
  }
  if (!isSeq(rules)) throw new Error('rules is not a list');
  const have = new Set(rules.items.flatMap(ruleKeys));
  const addRules = parseDocument(add).get('rules', true);
  const candidates = [...(isSeq(addRules) ? addRules.items : []), ...(opts.acceptReview ? reviewRules(add) : [])];
  let added = 0;
  for (const item of candidates) {
    const keys = ruleKeys(item);
    if (keys.every((k) => have.has(k))) continue;
    for (const k of keys) have.add(k);
    rules.items.push(item as (typeof rules.items)[number]);
    added++;
  }
  // Nothing new: keep the first text as it was, so the header still says where the rules came from.
  const text = base === undefined ? (added > 0 && !opts.acceptReview ? add : doc.toString()) : doc.toString();
  return { text, added, total: rules.items.length };
}

export async function runFixLoop(manifestPath: string, opts: FixOptions): Promise<FixResult> {
  const userRules = opts.rules ?? [];
  const rounds: FixRound[] = [];
  let accumulated: string | undefined;
  let total = 0;
  let previous: Set<string> | undefined;
  let report = await runCheck(manifestPath, { ...opts, rules: userRules });
  for (let round = 1; ; round++) {
    const digests = report.builds.map((b) => b.manifestDigest);
    if (!report.reproducible && report.findings.length > 0) {
      if (accumulated === undefined && report.packages && !userRules.includes('debian')) {
        // A Debian image: start from the built-in set, which knows the usual suspects (aux-cache, logs,
        // host keys) — including the binary ones the generator leaves to a person.
        accumulated = await readFile(resolveRuleFile('debian'), 'utf8');
        opts.log?.('Debian image: starting from the built-in debian rule set');
      }
      const generated = generateRules(report);
      let merged = mergeRuleTexts(accumulated, generated);
      let added = merged.added;
      const clamp = clampAllRule(report.findings);
      if (clamp) {
        merged = mergeRuleTexts(merged.text, clamp);
        added += merged.added;
      }
      if (previous) {
        // From the second round on, what survived a round of rules will not go by regenerating them: take
        // the generator's review rules (not content/binary) and delete what persisted despite its rule.
        const review = mergeRuleTexts(merged.text, generated, { acceptReview: true });
        if (review.added > 0) opts.log?.(`round ${round}: accepting ${review.added} rule(s) marked for review`);
        const fallback = fallbackRules(report.findings, previous);
        merged = mergeRuleTexts(review.text, fallback.text);
        if (merged.added > 0) opts.log?.(`round ${round}: rules did not remove ${fallback.paths.join(', ')}: deleting them (review: true)`);
        added += review.added + merged.added;
      }
      previous = persistenceKeys(report.findings);
      const grew = added > 0;
      accumulated = merged.text;
      total = merged.total;
      const r: FixRound = { round, reproducible: false, digests, findings: report.findings.length, rules: total };
      rounds.push(r);
      opts.onRound?.(r, report);
      if (!grew) return done(false, 'no new rule could be generated from the remaining findings');
      if (round >= opts.maxRounds) return done(false, `--max-rounds ${opts.maxRounds} reached`);
      await writeFileAtomic(opts.rulesFile, accumulated);
      opts.log?.(`round ${round + 1}: rebuilding with ${total} rules from ${opts.rulesFile}`);
      report = await runCheck(manifestPath, { ...opts, rules: [...userRules, opts.rulesFile] });
      continue;
    }
    const r: FixRound = { round, reproducible: report.reproducible, digests, findings: report.findings.length, rules: total };
    rounds.push(r);
    opts.onRound?.(r, report);
    return done(report.reproducible, report.reproducible ? undefined : 'the digests differ but no finding says where');
  }

  async function done(converged: boolean, stopReason?: string): Promise<FixResult> {
    const text = accumulated ?? 'version: 1\nrules: []\n';
    await writeFileAtomic(opts.rulesFile, text);
    return { converged, rulesFile: opts.rulesFile, rulesText: text, rounds, final: report, ...(stopReason ? { stopReason } : {}) };
  }
}
