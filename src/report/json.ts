// The JSON report: the Report of src/core/finding.ts (schema "repro-report/2"), findings flat and complete
// — never cut like the terminal view, since later commands (rules, check) read it back. Each finding keeps
// its code and facts (what programs read) and gains its evidence line (what people read).
//
// Written in pieces, never as one string: the text of a 120k-finding report is ~50 MB, and JSON.stringify
// of the whole report held it (and the parts it was joined from) at once, next to the file's UTF-8 copy.
// The pieces are exactly the text JSON.stringify(report, null, 2) would write, evidence added.
import type { Finding, Report } from '../core/finding.js';
import { Findings } from '../core/findings.js';
import { SpilledList } from '../core/spilled-list.js';
import { causeText, evidenceText } from '../core/evidence.js';

const INDENT = '  ';

/** JSON.stringify(value, null, 2) at depth `indent`, as pieces: containers walked, other values whole. */
function* pieces(value: unknown, indent: string): Generator<string> {
  if (value instanceof Findings) {
    // the store is read as it is written: one finding in memory at a time
    const inner = indent + INDENT;
    let first = true;
    for (const f of value) {
      yield (first ? '[\n' : ',\n') + inner + finding(f, inner);
      first = false;
    }
    return yield first ? '[]' : '\n' + indent + ']';
  }
  if (value instanceof SpilledList) {
    // the --fix history's lists (check/fix-loop.ts): one item in memory at a time, as the array it is
    const inner = indent + INDENT;
    let first = true;
    for (const x of value as SpilledList<unknown>) {
      yield (first ? '[\n' : ',\n') + inner;
      yield* pieces(x, inner);
      first = false;
    }
    return yield first ? '[]' : '\n' + indent + ']';
  }
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const inner = indent + INDENT;
    if (Array.isArray(value)) {
      if (value.length === 0) return yield '[]';
      for (let i = 0; i < value.length; i++) {
        yield (i === 0 ? '[\n' : ',\n') + inner;
        const v: unknown = value[i];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null';
        else yield* pieces(v, inner);
      }
      return yield '\n' + indent + ']';
    }
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      yield (first ? '{\n' : ',\n') + inner + JSON.stringify(k) + ': ';
      first = false;
      yield* pieces(v, inner);
    }
    return yield first ? '{}' : '\n' + indent + '}';
  }
  yield JSON.stringify(value, null, 2).replaceAll('\n', '\n' + indent);
}

/** One finding with its evidence line, whole (a few hundred bytes). */
function finding(f: Finding, indent: string): string {
  const cause = causeText(f);
  return JSON.stringify({ ...f, evidence: evidenceText(f), ...(cause ? { causedBy: cause } : {}) }, null, 2).replaceAll('\n', '\n' + indent);
}

/** The report's JSON text in pieces of a few hundred bytes at most (the tree's name strings aside). */
export function* jsonChunks(report: Report): Generator<string> {
  yield* pieces(report, '');
  yield '\n';
}

export function renderJson(report: Report): string {
  let out = '';
  for (const piece of jsonChunks(report)) out += piece;
  return out;
}
