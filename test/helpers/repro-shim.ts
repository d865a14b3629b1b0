// A `repro` executable for tests that run repro the way a script or an engine does (the GitHub Action's
// entry script, the Kubernetes Job's shell line, the rebuilderd backend): a shell script on PATH that
// runs the CLI from source through tsx.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** Writes `repro` into `dir` and returns the path. */
export async function reproShim(dir: string): Promise<string> {
  const file = join(dir, 'repro');
  await writeFile(file, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX)} ${JSON.stringify(MAIN)} "$@"\n`);
  await chmod(file, 0o755);
  return file;
}

/** A manifest that builds the same image every time, and one that writes a fresh random id. */
export const SAME_MANIFEST = `version: 1
name: same
base: scratch
phases:
  - name: files
    files:
      - dest: /etc/hello
        content: "hello\\n"
        mode: "0644"
normalize: [common]
`;

export const RANDOM_MANIFEST = `version: 1
name: rand
base: scratch
phases:
  - name: generate
    run:
      - mkdir -p "$ROOTFS/etc" && od -An -tx1 -N16 /dev/urandom | tr -d ' \\n' > "$ROOTFS/etc/machine-id"
normalize: [common]
`;
