// Optional helper commands (zstd, faketime) are used when installed: where is one on PATH?
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Absolute path of `name` in the first PATH directory that has it, or undefined. */
export function findCommand(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
