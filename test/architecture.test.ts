// The stage order of docs/architecture.md, enforced over the real import graph of src/: a module imports
// from its own folder or from an earlier stage, never from a later one (nor from a stage at the same rank).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const STAGES: Record<string, number> = {
  core: 0,
  formats: 1,
  image: 2,
  classify: 3,
  compare: 4,
  packages: 5,
  rules: 6,
  report: 7,
  builder: 8,
  check: 9,
  cli: 10,
};

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

// static imports and re-exports (`import … from`, `import type … from`, `export … from`), side-effect
// imports and dynamic `import('…')`; only relative specifiers point into src/
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1]!);
}

function stageOf(file: string): string {
  return relative(src, file).split('/')[0]!;
}

test('the import scanner sees every form of import', () => {
  const text = [
    "import { a } from '../core/a.js';",
    "import type { B } from '../image/b.js';",
    "export { c } from './c.js';",
    "import '../rules/d.js';",
    "const e = await import('../check/e.js');",
    'import {\n  f,\n  g,\n} from "../report/f.js";',
    "import { readFile } from 'node:fs/promises';",
  ].join('\n');
  assert.deepEqual(importsOf(text), ['../core/a.js', '../image/b.js', './c.js', '../rules/d.js', '../check/e.js', '../report/f.js']);
});

test('every folder of src/ is a stage, and no module imports from a later stage', () => {
  const files = tsFiles(src);
  assert.ok(files.length > 50, `src/ has ${files.length} modules`);
  const backwards: string[] = [];
  for (const file of files) {
    const from = stageOf(file);
    assert.ok(from in STAGES, `${relative(src, file)}: src/${from} is not a stage of docs/architecture.md`);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = normalize(join(dirname(file), spec));
      const to = stageOf(target);
      assert.ok(to in STAGES, `${relative(src, file)} imports ${spec}: outside the stages`);
      if (to !== from && STAGES[to]! >= STAGES[from]!) backwards.push(`src/${relative(src, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.deepEqual(backwards, []);
});
