// `npm run bench` (first part): the classifier's honesty in numbers.
// - false-harmless rate: 10,000 random mutations (byte flips, block rewrites, insertions, deletions; raw and
//   inside text, JSON, gzip, zip and tar), compared with a check's build clocks around; any finding that
//   is not content/binary/added/removed for a mutated pair is a false harmless. Target 0.
// - recall: the labelled positive pairs (real build-time differences planted where they live, built in
//   test/fixtures/honesty.ts), 20 seeds each, plus the false-positive set; the expected category must be
//   found. Target 100%. An outside set of labelled pairs (a.*, b.*, expect.json per folder) is added when BENCH_CORPUS names one.
//   BENCH_MUTATIONS=10000, BENCH_SEEDS=20, BENCH_CORPUS (default: none; the bench never reads outside the repository unless told)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { blobFromBuffer } from '../src/compare/blob.js';
import { compareContent, newContentContext } from '../src/compare/content.js';
import { compareInputs } from '../src/compare/engine.js';
import type { Category } from '../src/core/finding.js';
import { tempDir } from '../src/core/temp.js';
import { runCleanup } from '../src/core/cleanup.js';
import { CARRIERS, CLOCKS, POSITIVE_KINDS, falsePositives, mutatedPair, positivePair } from '../test/fixtures/honesty.js';

const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 10_000);
const SEEDS = Number(process.env.BENCH_SEEDS ?? 20);
const REAL: readonly Category[] = ['content', 'binary', 'added', 'removed'];
const CORPUS = process.env.BENCH_CORPUS;

async function cats(a: Buffer, b: Buffer, opts: Parameters<typeof newContentContext>[0]): Promise<Category[]> {
  return (await compareContent(blobFromBuffer('f', a), blobFromBuffer('f', b), newContentContext(opts))).map((f) => f.category);
}

async function falseHarmless(): Promise<void> {
  const start = performance.now();
  let harmless = 0;
  const byCarrier = new Map<string, number>(CARRIERS.map((c) => [c, 0]));
  const examples: string[] = [];
  for (let seed = 0; seed < MUTATIONS; seed++) {
    const p = await mutatedPair(seed);
    if (p.a.equals(p.b)) continue;
    byCarrier.set(p.carrier, (byCarrier.get(p.carrier) ?? 0) + 1);
    const found = await cats(p.a, p.b, { clocks: CLOCKS });
    if (!found.some((c) => REAL.includes(c))) {
      harmless++;
      if (examples.length < 5) examples.push(`seed ${seed} ${p.carrier}/${p.mutation}: ${found.join(', ') || '(no finding)'}`);
    }
  }
  const s = ((performance.now() - start) / 1000).toFixed(1);
  const per = [...byCarrier].map(([c, n]) => `${c} ${n}`).join(', ');
  console.log(`false-harmless: ${harmless} of ${MUTATIONS} random mutations (${(100 * harmless / MUTATIONS).toFixed(2)}%; target 0) [${per}] in ${s} s`);
  for (const e of examples) console.log(`  ${e}`);
}

async function recall(): Promise<void> {
  let ok = 0;
  let total = 0;
  const misses: string[] = [];
  for (const kind of POSITIVE_KINDS) {
    for (let seed = 0; seed < SEEDS; seed++) {
      const p = await positivePair(kind, seed);
      const found = await cats(p.a, p.b, { clocks: p.clocks ?? [], variations: p.variations ?? [] });
      total++;
      if (found.includes(p.expect) && !found.some((c) => REAL.includes(c))) ok++;
      else if (misses.length < 5) misses.push(`${kind} seed ${seed}: expected ${p.expect}, got ${found.join(', ')}`);
    }
  }
  const positives = `${ok}/${total}`;
  // The false-positive set is labelled too: each must come out content or binary.
  let fpOk = 0;
  const dir = await tempDir('bench-honesty-');
  for (const [i, fp] of falsePositives().entries()) {
    for (const [side, tree] of [['a', fp.a], ['b', fp.b]] as const) {
      for (const [path, data] of Object.entries(tree)) {
        await mkdir(dirname(join(dir, String(i), side, path)), { recursive: true });
        await writeFile(join(dir, String(i), side, path), data);
      }
    }
    const r = await compareInputs(join(dir, String(i), 'a'), join(dir, String(i), 'b'));
    const mine = r.findings.toArray().filter((f) => f.path === fp.path && f.category !== 'mtime');
    if (mine.length > 0 && mine.every((f) => REAL.includes(f.category))) fpOk++;
    else misses.push(`${fp.name}: ${mine.map((f) => f.category).join(', ') || '(no finding)'}`);
  }
  let corpus = '';
  if (CORPUS && existsSync(CORPUS)) {
    let cOk = 0;
    let cTotal = 0;
    for (const name of readdirSync(CORPUS).filter((d) => existsSync(join(CORPUS, d, 'expect.json')))) {
      const files = readdirSync(join(CORPUS, name));
      const a = files.find((f) => f.startsWith('a.'));
      const b = files.find((f) => f.startsWith('b.'));
      if (!a || !b) continue;
      const expect = JSON.parse(readFileSync(join(CORPUS, name, 'expect.json'), 'utf8')) as { identical?: boolean; expect: { path: string; category: string; alt?: string[] }[] };
      const report = await compareInputs(join(CORPUS, name, a), join(CORPUS, name, b));
      for (const e of expect.expect) {
        cTotal++;
        // the corpus writes rootfs-tar paths without the leading "/" that every finding now has
        const paths = [e.path, ...(e.alt ?? [])].map((p) => (p && !p.startsWith('/') ? `/${p}` : p));
        if (report.findings.toArray().some((f) => paths.includes(f.path) && f.category === e.category)) cOk++;
        else misses.push(`corpus ${name}: expected ${e.category} at "${e.path}", got ${report.findings.toArray().filter((f) => paths.includes(f.path)).map((f) => f.category).join(', ') || '(none)'}`);
      }
    }
    corpus = `; BENCH_CORPUS ${CORPUS}: ${cOk}/${cTotal} expected findings (its log pairs also differ in package names on every line: content, not timestamp)`;
  }
  console.log(`recall on labelled positive pairs: ${positives} (${(100 * ok / total).toFixed(1)}%; target 100%; ${POSITIVE_KINDS.length} kinds × ${SEEDS} seeds); false-positive fixtures kept content/binary: ${fpOk}/${falsePositives().length}${corpus}`);
  for (const m of misses.slice(0, 10)) console.log(`  miss: ${m}`);
}

try {
  await falseHarmless();
  await recall();
} finally {
  await runCleanup();
}
