// Loading rule files: paths as given, or built-in set names (`debian`, `common`) resolved to rules/*.yml
// in the package root — found by walking up from this module, so it works from src/ (tsx) and dist/ alike.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReproError } from '../core/errors.js';
import { parseRuleFile } from './schema.js';
import type { RuleSet } from './types.js';

let cachedRoot: string | undefined;

/** The directory holding the package's built-in rule sets. */
export function builtinRulesDir(): string {
  if (!cachedRoot) {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'rules'))) break;
      const up = dirname(dir);
      if (up === dir) throw new ReproError('cannot find the built-in rules/ directory of the repro package');
      dir = up;
    }
    cachedRoot = join(dir, 'rules');
  }
  return cachedRoot;
}

/** A bare name without "/" or an extension is a built-in set when such a file exists. */
export function resolveRuleFile(nameOrPath: string): string {
  if (/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath)) {
    const builtin = join(builtinRulesDir(), `${nameOrPath}.yml`);
    if (existsSync(builtin)) return builtin;
    if (!existsSync(nameOrPath)) {
      throw new ReproError(`no such rule file or built-in rule set (built-in sets live in ${builtinRulesDir()})`, nameOrPath);
    }
  }
  return nameOrPath;
}

/** Load and validate rule files in order; rules keep file order, which is also application order. */
export async function loadRules(files: string[]): Promise<RuleSet> {
  const set: RuleSet = { rules: [], files: [] };
  for (const given of files) {
    const path = resolveRuleFile(given);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ReproError(code === 'ENOENT' ? 'no such rule file' : `cannot read rule file (${code ?? String(err)})`, given, { cause: err });
    }
    set.rules.push(...parseRuleFile(text, given));
    set.files.push(path);
  }
  return set;
}
