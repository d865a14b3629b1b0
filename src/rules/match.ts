// Which rules apply to an entry: picomatch globs on the absolute image path ("/etc/machine-id"), `dot`
// on (a rule for /var/log/** must see /var/log/.hidden too), then the type and layer conditions.
// A whiteout is matched by the path it deletes, an opaque whiteout by its directory. Note picomatch's
// `/dir/**` matches `/dir` itself too: a delete on it drops the directory; add `type: file` to keep it.
import picomatch from 'picomatch';
import type { Entry } from '../core/entry.js';
import { imagePath } from '../core/entry.js';
import type { Rule } from './types.js';

const compiled = new WeakMap<Rule, (path: string) => boolean>();

function matcher(rule: Rule): (path: string) => boolean {
  let m = compiled.get(rule);
  if (!m) {
    m = rule.match.length === 0 ? () => false : picomatch(rule.match, { dot: true });
    compiled.set(rule, m);
  }
  return m;
}

export function ruleMatches(rule: Rule, entry: Entry, layer: number): boolean {
  if (rule.types && !rule.types.includes(entry.type)) return false;
  if (rule.layers && !rule.layers.includes(layer)) return false;
  return matcher(rule)(imagePath(entry.path));
}

/** The rules that apply to `entry` in `layer`, in rule-file order. */
export function matchingRules(rules: readonly Rule[], entry: Entry, layer: number): Rule[] {
  return rules.filter((r) => r.match.length > 0 && ruleMatches(r, entry, layer));
}
