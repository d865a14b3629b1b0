// How a manifest or --rules names a rule file: a bare name ("debian", "common") is a built-in set that
// src/rules/load.ts resolves; anything else is a path, relative to the manifest (or the working directory).
import { resolve } from 'node:path';

export function ruleFileRef(given: string, dir: string): string {
  return /^[a-z0-9][a-z0-9-]*$/.test(given) ? given : resolve(dir, given);
}
