// `repro check --fix`: check → rules for what the findings PROVE harmless → check again with them, until the
// image digests are identical (or every remaining difference was accepted by a person). Safe by
// construction: only rules the generator marks neither `review` nor commented are ever applied (never a
// fallback delete or truncate); a round that adds no such rule stops the loop with exit 1, naming each
// remaining difference and why no rule applies. Rules accumulate across rounds (a rule that removed a
// difference must stay for it to stay removed); every round is kept, with the rules it added and the
// findings each explains, for the reports.
//
// Memory: a round's findings are read from their store (spilled past a threshold, core/findings.ts) and
// never copied into an array; what the history keeps per finding (which rule explains it, what was
// accepted, what remains) goes to lists that spill the same way (core/spilled-list.ts). So an image where
// every mtime differs (100,000+ findings a round) costs the counts, the rules and a bounded number of held
// references per list, not findings × rounds.
import { readFile } from 'node:fs/promises';
import { isSeq, parseDocument } from 'yaml';
import { writeFileAtomic } from '../core/atomic.js';
import { CATEGORIES, type Category, type Finding } from '../core/finding.js';
import { evidenceText } from '../core/evidence.js';
import type { Findings } from '../core/findings.js';
import { SpilledList } from '../core/spilled-list.js';
import { escapeGlob } from '../rules/generate.js';
import { isSafe, mapFinding, type Draft } from '../rules/generate-map.js';
import { resolveRuleFile } from '../rules/load.js';
import type { RuleAction } from '../rules/types.js';
import type { Acceptance } from './accept.js';
import type { CheckReport } from './check-report.js';
import { runCheck, type CheckOptions } from './run-check.js';

/** Categories no rule can safely remove: the bytes really differ and a person has to look. */
export const NEEDS_A_PERSON: readonly Category[] = ['content', 'binary'];

/** A finding as the history keeps it: where, what, and the words. */
export interface FindingRef {
  path: string;
  inner?: string;
  category: Category;
  evidence: string;
}

/** One rule as written to the rules file. */
export interface RuleItem {
  match?: string;
  action: string;
  [arg: string]: unknown;
}

export interface FixRound {
  round: number;
  reproducible: boolean;
  digests: string[];
  findings: number;
  /** This round's findings per category. */
  categories: Partial<Record<Category, number>>;
  /** Rules added after this round, each with the findings it explains. */
  added: { rule: RuleItem; explains: SpilledList<FindingRef> }[];
  /** Findings a person accepted (--accept), with the reason. */
  accepted: SpilledList<FindingRef & { because: string }>;
  /** Rules in the accumulated file after this round. */
  rules: number;
}

/** A difference --fix left, and why no rule it may apply removes it. */
export interface Remaining extends FindingRef {
  why: string;
}

export interface FixHistory {
  converged: boolean;
  rulesFile: string;
  rounds: FixRound[];
  remaining: SpilledList<Remaining>;
  stopReason?: string;
}

export interface FixResult {
  converged: boolean;
  /** The accumulated rules file (written even when not converged: it is still progress). */
  rulesFile: string;
  rulesText: string;
  rounds: FixRound[];
  remaining: SpilledList<Remaining>;
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

export function findingRef(f: Finding): FindingRef {
  return { path: f.path, ...(f.inner ? { inner: f.inner } : {}), category: f.category, evidence: evidenceText(f) };
}

/** The rule file item for a draft: mtime clamps cover the whole tree (which paths cross a second varies). */
export function ruleItem(d: Draft): RuleItem {
  const { action, ...args } = d.action as RuleAction & Record<string, unknown>;
  const item: RuleItem = d.action.action === 'image-timestamps' ? { action } : { match: d.action.action === 'clamp-mtime' ? '/**' : escapeGlob(d.path), action };
  for (const [k, v] of Object.entries(args)) item[k] = k === 'mode' ? (v as number).toString(8).padStart(4, '0') : v;
  if (d.note) item.note = d.note;
  item.reason = { category: d.category, evidence: [d.evidence] };
  return item;
}

/** What a rule does to which path, without why: the same rule generated again is no progress. */
export function ruleKey(item: RuleItem): string {
  const { reason: _reason, note: _note, ...what } = item;
  return JSON.stringify(Object.keys(what).sort().map((k) => [k, what[k]]));
}

/** Why nothing --fix may apply removes this finding (given the rules already in place). */
function whyNoRule(f: Finding, have: Set<string>): string {
  const mapped = mapFinding(f);
  const safe = mapped.filter(isSafe);
  if (safe.length > 0 && safe.every((d) => have.has(ruleKey(ruleItem(d))))) {
    return `a rule (${safe.map((d) => d.action.action).join(', ')}) is in place and the difference remains`;
  }
  const reasons = mapped.map((m) => ('why' in m ? m.why : m.note ?? `a ${m.action.action} rule would need a person's review`));
  return [...new Set(reasons)].join('; ') || 'no rule explains it';
}

function counts(findings: Findings): Partial<Record<Category, number>> {
  const out: Partial<Record<Category, number>> = {};
  for (const c of CATEGORIES) {
    const n = findings.counts.category.get(c);
    if (n) out[c] = n;
  }
  return out;
}

/** The rules file: a header, then `version` and the accumulated rules (a base set's text kept as it is). */
export class RulesFile {
  private readonly doc;
  private readonly keys = new Set<string>();
  constructor(base: string | undefined, header: string) {
    this.doc = parseDocument(base ?? `${header}\nversion: 1\nrules: []\n`);
    if (!isSeq(this.doc.get('rules', true))) this.doc.set('rules', this.doc.createNode([]));
    // "rules: []" parses as a flow sequence: block style, one rule per item, as a person writes them.
    this.seq().flow = false;
    for (const item of this.items()) this.keys.add(ruleKey(item));
  }
  private seq() {
    const rules = this.doc.get('rules', true);
    if (!isSeq(rules)) throw new Error('rules is not a list');
    return rules;
  }
  items(): RuleItem[] {
    return this.seq().items.map((n) => ((n as { toJSON?: () => unknown }).toJSON?.() ?? n) as RuleItem);
  }
  has(item: RuleItem): boolean {
    return this.keys.has(ruleKey(item));
  }
  get keySet(): Set<string> {
    return this.keys;
  }
  add(item: RuleItem): boolean {
    if (this.has(item)) return false;
    this.keys.add(ruleKey(item));
    this.seq().items.push(this.doc.createNode(item) as never);
    return true;
  }
  get size(): number {
    return this.seq().items.length;
  }
  toString(): string {
    return this.doc.toString();
  }
}

const HEADER = [
  '# Rules written by `repro check --fix`: each acts only on what its finding proves harmless (reason).',
  '# `accept` rules record differences a person accepted with --accept GLOB --reason TEXT.',
].join('\n');

function acceptItem(a: Acceptance): RuleItem {
  return { match: a.globs.length === 1 ? a.globs[0] : (a.globs as unknown as string), action: 'accept', because: a.because };
}

/**
 * The rules --fix adds after a round whose findings are `findings`: for each safe draft of an open finding,
 * its rule (unless `file` has it already) with the findings it explains.
 */
export function roundRules(findings: Findings, file: RulesFile): FixRound['added'] {
  const added = new Map<string, { rule: RuleItem; explains: SpilledList<FindingRef> }>();
  for (const f of findings) {
    if (f.accepted !== undefined) continue;
    for (const d of mapFinding(f).filter(isSafe)) {
      const item = ruleItem(d);
      const key = ruleKey(item);
      if (file.has(item) && !added.has(key)) continue;
      const entry = added.get(key) ?? { rule: item, explains: new SpilledList<FindingRef>() };
      entry.explains.add(findingRef(f));
      added.set(key, entry);
    }
  }
  for (const a of added.values()) a.explains.close();
  return [...added.values()];
}

/** The findings a person accepted, with the reason. */
function acceptedOf(findings: Findings): FixRound['accepted'] {
  const accepted = new SpilledList<FindingRef & { because: string }>();
  for (const f of findings) if (f.accepted !== undefined) accepted.add({ ...findingRef(f), because: f.accepted });
  accepted.close();
  return accepted;
}

/** The open findings, each with why nothing --fix may apply removes it (given the rules in `have`). */
export function remainingOf(findings: Findings, have: Set<string>): SpilledList<Remaining> {
  const remaining = new SpilledList<Remaining>();
  for (const f of findings) if (f.accepted === undefined) remaining.add({ ...findingRef(f), why: whyNoRule(f, have) });
  remaining.close();
  return remaining;
}

export async function runFixLoop(manifestPath: string, opts: FixOptions): Promise<FixResult> {
  const userRules = opts.rules ?? [];
  const rounds: FixRound[] = [];
  let file: RulesFile | undefined;
  let report = await runCheck(manifestPath, { ...opts, rules: userRules });
  for (let round = 1; ; round++) {
    const digests = report.builds.map((b) => b.manifestDigest);
    const base = { round, digests, findings: report.findings.length, categories: counts(report.findings), accepted: acceptedOf(report.findings) };
    if (report.reproducible) {
      const r: FixRound = { ...base, reproducible: true, added: [], rules: file?.size ?? 0 };
      rounds.push(r);
      opts.onRound?.(r, report);
      return done(true);
    }
    if (!file) {
      // A Debian image: start from the built-in set, which knows the usual suspects (aux-cache, logs, host
      // keys) with a comment on each; its rules are reviewed by the project, not generated from one run.
      const debian = report.packages && !userRules.includes('debian') ? await readFile(resolveRuleFile('debian'), 'utf8') : undefined;
      if (debian) opts.log?.('Debian image: starting from the built-in debian rule set');
      file = new RulesFile(debian, HEADER);
      for (const a of opts.accept ?? []) file.add(acceptItem(a));
    }
    const added = roundRules(report.findings, file);
    for (const a of added) file.add(a.rule);
    const r: FixRound = { ...base, reproducible: false, added, rules: file.size };
    rounds.push(r);
    opts.onRound?.(r, report);
    if (added.length === 0) return done(false, 'no rule --fix may apply explains the remaining differences');
    if (round >= opts.maxRounds) return done(false, `--max-rounds ${opts.maxRounds} reached`);
    await writeFileAtomic(opts.rulesFile, file.toString());
    opts.log?.(`round ${round + 1}: rebuilding with ${file.size} rules from ${opts.rulesFile}`);
    report = await runCheck(manifestPath, { ...opts, rules: [...userRules, opts.rulesFile] });
  }

  async function done(converged: boolean, stopReason?: string): Promise<FixResult> {
    const text = file?.toString() ?? `${HEADER}\nversion: 1\nrules: []\n`;
    await writeFileAtomic(opts.rulesFile, text);
    const remaining = converged ? new SpilledList<Remaining>() : remainingOf(report.findings, file?.keySet ?? new Set<string>());
    const fix = { converged, rulesFile: opts.rulesFile, rounds, remaining, ...(stopReason ? { stopReason } : {}) };
    // The history travels with the final report: JSON, Markdown and HTML show every round.
    report.fix = fix;
    return { ...fix, rulesText: text, final: report };
  }
}
