// `repro check --fix`: check → generate rules from what was observed → check again with them, until the
// image digests are identical or nothing new can be generated. Rules accumulate across rounds (a rule that
// removed a difference must stay for it to stay removed), and the file written is the one it converged to.
import { isSeq, parseDocument } from 'yaml';
import { writeFileAtomic } from '../core/atomic.js';
import type { Category } from '../core/finding.js';
import { generateRules } from '../rules/generate.js';
import type { CheckReport } from './check-report.js';
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

/** What a rule does, without why: the same rule generated from another round's evidence is no new rule. */
function ruleKey(item: unknown): string {
  const json = (item as { toJSON?: () => unknown }).toJSON?.() ?? item;
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const { reason: _r, note: _n, review: _v, ...what } = json as Record<string, unknown>;
    return JSON.stringify(what);
  }
  return JSON.stringify(json);
}

function ruleItems(text: string): string[] {
  const rules = parseDocument(text).get('rules', true);
  return isSeq(rules) ? rules.items.map(ruleKey) : [];
}

/** Append the rules of `add` that `base` does not have yet; the result keeps base's header and comments. */
export function mergeRuleTexts(base: string | undefined, add: string): { text: string; added: number; total: number } {
  if (base === undefined) return { text: add, added: ruleItems(add).length, total: ruleItems(add).length };
  const have = new Set(ruleItems(base));
  const doc = parseDocument(base);
  const addDoc = parseDocument(add);
  const addRules = addDoc.get('rules', true);
  let rules = doc.get('rules', true);
  if (!isSeq(rules)) {
    doc.set('rules', doc.createNode([]));
    rules = doc.get('rules', true);
  }
  let added = 0;
  if (isSeq(addRules) && isSeq(rules)) {
    for (const item of addRules.items) {
      const key = ruleKey(item);
      if (have.has(key)) continue;
      have.add(key);
      rules.items.push(item);
      added++;
    }
  }
  return { text: doc.toString(), added, total: have.size };
}

export async function runFixLoop(manifestPath: string, opts: FixOptions): Promise<FixResult> {
  const userRules = opts.rules ?? [];
  const rounds: FixRound[] = [];
  let accumulated: string | undefined;
  let total = 0;
  let report = await runCheck(manifestPath, { ...opts, rules: userRules });
  for (let round = 1; ; round++) {
    const digests = report.builds.map((b) => b.manifestDigest);
    if (!report.reproducible && report.findings.length > 0) {
      const merged = mergeRuleTexts(accumulated, generateRules(report));
      const grew = merged.added > 0;
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
