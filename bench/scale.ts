// `npm run bench:scale` (also the last section of `npm run bench`): repro diff on pairs of any size, against
// the floor (sha256sum of both inputs, in the same run) and the memory budget. Pairs are made in the temp
// area (test/helpers/scale-pairs.ts) and removed after their row. Each row is one run of the built CLI under
// /usr/bin/time -v: wall time, CPU time (user + system: on a shared machine the fairer ratio) and peak RSS.
//   BENCH_SCALE_ENTRIES=1000000 (entries of the big small-files pair; the other rows scale with it),
//   BENCH_SCALE_GIB=10 (size of the single-layer pair), BENCH_DIFFOSCOPE_TIMEOUT=600 (0 skips diffoscope),
//   BENCH_SCALE_ONLY=million,mtimes,big,existing,diffoscope,normalize,snapshot,merged (a subset of the rows)
// The normalize and snapshot rows (memory only) run `repro normalize` on an image of ENTRIES / 2 small files
// and the builder's snapshot + layer of the same files as a tree (test/helpers/snapshot-layer.ts).
// The merged row diffs two OCI layouts of ENTRIES / 2 small files whose layer counts differ (A: 2, B: 3):
// the merged filesystems are compared.
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../src/core/temp.js';
import { runCleanup } from '../src/core/cleanup.js';
import { bigLayerPair, layeredPair, smallFilesPair } from '../test/helpers/scale-pairs.js';
import { makeBenchImages } from './make-images.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = Number(process.env.BENCH_SCALE_ENTRIES ?? 1_000_000);
const GIB = Number(process.env.BENCH_SCALE_GIB ?? 10);
const DIFFOSCOPE_TIMEOUT = Number(process.env.BENCH_DIFFOSCOPE_TIMEOUT ?? 600);
const ONLY = process.env.BENCH_SCALE_ONLY ? new Set(process.env.BENCH_SCALE_ONLY.split(',')) : undefined;
const MEMORY_TARGET_MIB = 400;
const CLI = join(ROOT, 'dist/src/cli/main.js');

interface Run {
  wall: number;
  cpu: number;
  rssMiB: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One process under /usr/bin/time -v (it starts the child from a small process: the RSS is the child's). */
function measured(cmd: string, args: string[]): Run {
  const start = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - start) / 1000;
  const field = (name: string): number => Number(new RegExp(`${name}: ([\\d.]+)`).exec(r.stderr ?? '')?.[1] ?? NaN);
  return {
    wall,
    cpu: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
    rssMiB: field('Maximum resident set size \\(kbytes\\)') / 1024,
    code: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

interface Row {
  pair: string;
  floor: Run;
  repro: Run;
  /** Wall-time ratio target (undefined: memory only). */
  ratio?: number;
  note: string;
}

const rows: Row[] = [];
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '?');

/** The run of median wall time (runs of one pair, the same command). */
function medianRun(runs: Run[]): Run {
  return [...runs].sort((x, y) => x.wall - y.wall)[Math.floor(runs.length / 2)] as Run;
}

/**
 * Floor and repro on one pair; `check` reads the JSON report and says whether the findings are right. With
 * `runs` > 1 (the short rows) the two alternate that many times and the median of each counts: here
 * `sha256sum` of one pair took anywhere from 0.6 to 1.5 s within minutes while repro stayed within 5%, so
 * one run of each says more about the machine than about repro. The best runs' ratio is printed beside it.
 */
function row(pair: string, a: string, b: string, dir: string, ratio: number | undefined, check: (report: ReportSummary) => string, extra: string[] = [], runs = 1): void {
  console.log(`\n== ${pair}`);
  spawnSync('cat', [a, b], { stdio: 'ignore' }); // warm the page cache for both contenders
  const json = join(dir, 'r.json');
  const floors: Run[] = [];
  const repros: Run[] = [];
  for (let i = 0; i < runs; i++) {
    floors.push(existsSync(join(a, 'index.json')) ? layoutFloor(a, b) : measured('sha256sum', [a, b]));
    const r = measured(CLI, ['diff', a, b, '--quiet', '--json', json, ...extra]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`repro diff failed (exit ${r.code}):\n${r.stderr}`);
    repros.push(r);
  }
  const floor = medianRun(floors);
  const repro = medianRun(repros);
  const which = runs > 1 ? ` (median of ${runs})` : '';
  console.log(`floor (sha256sum of both)${which}: ${f1(floor.wall)} s wall, ${f1(floor.cpu)} s CPU`);
  const note = check(summarise(json));
  console.log(`repro diff${which}: ${f1(repro.wall)} s wall, ${f1(repro.cpu)} s CPU, peak RSS ${Math.max(...repros.map((r) => r.rssMiB)).toFixed(0)} MiB; ${note}`);
  if (runs > 1) {
    const span = (rs: Run[]): string => `${rs.map((r) => r.wall.toFixed(2)).join(', ')} s`;
    const best = (rs: Run[], k: 'wall' | 'cpu'): number => Math.min(...rs.map((r) => r[k]));
    console.log(`walls: floor ${span(floors)}; repro ${span(repros)}; best against best: ${(best(repros, 'wall') / best(floors, 'wall')).toFixed(2)}× wall, ${(best(repros, 'cpu') / best(floors, 'cpu')).toFixed(2)}× CPU`);
  }
  rows.push({ pair, floor, repro: { ...repro, rssMiB: Math.max(...repros.map((r) => r.rssMiB)) }, ...(ratio !== undefined ? { ratio } : {}), note: runs > 1 ? `${note} (median of ${runs})` : note });
}

/** An OCI layout's floor: every blob of both sides hashed (what repro must read). */
function layoutFloor(a: string, b: string): Run {
  const blobs = [a, b].flatMap((d) => {
    const dir = join(d, 'blobs', 'sha256');
    return execFileSync('ls', [dir], { encoding: 'utf8' }).trim().split('\n').map((f) => join(dir, f));
  });
  return measured('sha256sum', blobs);
}

interface ReportSummary {
  findings: number;
  categories: Record<string, number>;
  /** Paths of content or binary findings (a file over --max-member-bytes is compared by digest: binary). */
  content: string[];
}

function summarise(json: string): ReportSummary {
  const report = JSON.parse(readFileSync(json, 'utf8')) as { findings: { path: string; category: string }[] };
  const categories: Record<string, number> = {};
  for (const f of report.findings) categories[f.category] = (categories[f.category] ?? 0) + 1;
  return { findings: report.findings.length, categories, content: report.findings.filter((f) => f.category === 'content' || f.category === 'binary').map((f) => f.path) };
}

const expectContent = (changed: string[]) => (r: ReportSummary): string => {
  const found = changed.filter((p) => r.content.includes(p)).length;
  return `${r.findings} findings ${JSON.stringify(r.categories)}, planted contents found ${found}/${changed.length}`;
};

function table(): void {
  console.log('\n| pair | floor (wall / CPU) | repro (wall / CPU) | ratio wall / CPU | peak RSS | target | met |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const wall = r.repro.wall / r.floor.wall;
    const cpu = r.repro.cpu / r.floor.cpu;
    const memOk = r.repro.rssMiB <= MEMORY_TARGET_MIB;
    // a loaded machine stretches wall time of both alike only roughly: the CPU ratio is the steadier one
    const speedOk = r.ratio === undefined || Math.min(wall, cpu) <= r.ratio;
    const target = `≤ ${MEMORY_TARGET_MIB} MB${r.ratio !== undefined ? `, ≤ ${r.ratio}×` : ''}`;
    console.log(`| ${r.pair} | ${f1(r.floor.wall)} / ${f1(r.floor.cpu)} s | ${f1(r.repro.wall)} / ${f1(r.repro.cpu)} s | ${wall.toFixed(2)}× / ${cpu.toFixed(2)}× | ${r.repro.rssMiB.toFixed(0)} MiB | ${target} | ${memOk && speedOk ? 'yes' : 'NO'} |`);
  }
}

const want = (name: string): boolean => !ONLY || ONLY.has(name);

/** `repro normalize` of an image of many small files; floor: sha256sum of the input. */
function normalizeRow(dir: string, files: number): string {
  const p = smallFilesPair(dir, files, 0);
  rmSync(p.b);
  console.log(`\n== normalize`);
  const floor = measured('sha256sum', [p.a]);
  const out = join(dir, 'normalized.tar');
  const repro = measured(CLI, ['normalize', p.a, '--rules', 'common', '-o', out, '--quiet']);
  if (repro.code !== 0) throw new Error(`repro normalize failed (exit ${repro.code}):\n${repro.stderr}`);
  const note = `${p.shape.entries} entries, output ${(statSync(out).size / 2 ** 20).toFixed(0)} MiB`;
  console.log(`repro normalize: ${f1(repro.wall)} s wall, ${f1(repro.cpu)} s CPU, peak RSS ${repro.rssMiB.toFixed(0)} MiB; ${note}`);
  rows.push({ pair: `normalize, ${(files / 1e3).toFixed(0)}k-file image`, floor, repro, note });
  rmSync(out);
  return p.a;
}

/** The builder's snapshot and base layer of the same files as a tree; floor: tar of the tree into sha256sum. */
function snapshotRow(dir: string, tar: string, files: number): void {
  const tree = join(dir, 'tree');
  execFileSync('mkdir', ['-p', tree]);
  execFileSync('tar', ['-xf', tar, '-C', tree]);
  console.log(`\n== snapshot`);
  const floor = measured('sh', ['-c', 'tar -cf - -C "$1" . | sha256sum', 'floor', tree]);
  const repro = measured(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/snapshot-layer.ts'), tree]);
  if (repro.code !== 0) throw new Error(`snapshot failed (exit ${repro.code}):\n${repro.stderr}`);
  const note = `${repro.stdout.trim().split(' ')[1] ?? '?'} entries in the layer`;
  console.log(`snapshot + layer: ${f1(repro.wall)} s wall, ${f1(repro.cpu)} s CPU, peak RSS ${repro.rssMiB.toFixed(0)} MiB; ${note}`);
  rows.push({ pair: `builder snapshot + layer, ${(files / 1e3).toFixed(0)}k-file tree`, floor, repro, note });
  rmSync(tree, { recursive: true });
}

/** Merged mode: layer counts differ (A: 2, B: 3), 50 files changed (half by B's third layer), one whiteout. */
async function mergedRow(dir: string): Promise<void> {
  const files = ENTRIES / 2;
  const t = performance.now();
  const p = await layeredPair(dir, files, 50);
  console.log(`\nmade two OCI layouts of ${files} files (A: 2 layers, B: 3) in ${f1((performance.now() - t) / 1000)} s`);
  row(`${(files / 1e3).toFixed(0)}k entries, layer counts differ (merged), 50 differ + 1 whiteout`, p.a, p.b, dir, undefined, (r) => {
    const removed = r.categories.removed ?? 0;
    return `${expectContent(p.shape.changed)(r)}, ${removed} removed (1 planted)`;
  });
  rmSync(p.a, { recursive: true });
  rmSync(p.b, { recursive: true });
}

async function main(): Promise<void> {
  if (!has('/usr/bin/time')) throw new Error('the scale section needs /usr/bin/time (Debian package "time")');
  console.log('building the CLI (npm run build): the timing uses what users run…');
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work skews wall times; CPU times less)`);
  const dir = await tempDir('bench-scale-');

  if (want('million')) {
    const t = performance.now();
    const p = smallFilesPair(dir, ENTRIES, 50);
    console.log(`\nmade ${p.shape.entries} entries a side (${(statSync(p.a).size / 2 ** 20).toFixed(0)} MiB each) in ${f1((performance.now() - t) / 1000)} s`);
    row(`${(ENTRIES / 1e6).toFixed(1)}M-entry rootfs pair, 50 differ`, p.a, p.b, dir, 3, expectContent(p.shape.changed), [], 3);
    rmSync(p.a);
    rmSync(p.b);
  }
  if (want('mtimes')) {
    const entries = ENTRIES / 2;
    const p = smallFilesPair(dir, entries, 0, { mtimes: entries / 5 });
    row(`${(entries / 1e3).toFixed(0)}k entries, ${(entries / 5 / 1e3).toFixed(0)}k mtime findings (JSON and HTML written)`, p.a, p.b, dir, undefined, (r) => {
      const html = join(dir, 'r.html');
      const bytes = existsSync(html) ? statSync(html).size : 0;
      const ok = bytes > 0 ? `HTML ${(bytes / 2 ** 20).toFixed(0)} MiB, ${Math.round(bytes / Math.max(1, r.findings))} bytes a finding` : 'no HTML';
      return `${r.findings} findings ${JSON.stringify(r.categories)}, ${ok}`;
    }, ['--html', join(dir, 'r.html')]);
    rmSync(p.a);
    rmSync(p.b);
  }
  if (want('big')) {
    const t = performance.now();
    const p = await bigLayerPair(dir, GIB);
    console.log(`\nmade two ${GIB} GiB single-layer OCI layouts (sparse) in ${f1((performance.now() - t) / 1000)} s`);
    row(`${GIB} GiB single-layer image pair`, p.a, p.b, dir, undefined, expectContent([p.changed]));
    rmSync(p.a, { recursive: true });
    rmSync(p.b, { recursive: true });
  }
  if (want('existing')) {
    const { inputs, shape } = await makeBenchImages(dir, 110 * 2 ** 20);
    const plain = inputs.rootfs.map((gz) => gz.replace(/\.gz$/, '')) as [string, string];
    for (const [i, gz] of inputs.rootfs.entries()) await pipeline(createReadStream(gz), createGunzip(), createWriteStream(plain[i] as string));
    row(`bench pair, uncompressed (${shape.files} files)`, ...plain, dir, 1.3, expectContent(shape.changed), [], 5);
    row(`bench pair, .tar.gz (${shape.files} files)`, ...inputs.rootfs, dir, 2.5, expectContent(shape.changed), [], 5);
  }
  if (want('diffoscope')) {
    const entries = Math.round(ENTRIES * 0.3);
    const p = smallFilesPair(dir, entries, 60);
    if (DIFFOSCOPE_TIMEOUT > 0 && has('diffoscope')) {
      row(`${(entries / 1e3).toFixed(0)}k-entry pair, 60 differ`, p.a, p.b, dir, undefined, expectContent(p.shape.changed));
      // timeout(1) ends diffoscope itself (a timeout on /usr/bin/time would leave it running); diffoscope
      // outlived its SIGTERM by minutes on this pair, so a KILL follows 10 s later (exit 137)
      const d = measured('timeout', ['-k', '10', String(DIFFOSCOPE_TIMEOUT), 'diffoscope', '--no-progress', '--text', join(dir, 'diffoscope.txt'), p.a, p.b]);
      const killed = d.code === 124 || d.code === 137;
      console.log(`diffoscope on the same pair: ${killed ? `killed at the ${DIFFOSCOPE_TIMEOUT} s timeout` : `${f1(d.wall)} s (exit ${d.code})`}, peak RSS ${d.rssMiB.toFixed(0)} MiB`);
    } else console.log(`\n${(entries / 1e3).toFixed(0)}k-entry pair: diffoscope not installed (or BENCH_DIFFOSCOPE_TIMEOUT=0): not compared`);
  }
  if (want('normalize') || want('snapshot')) {
    const files = ENTRIES / 2;
    const tar = want('normalize') ? normalizeRow(dir, files) : smallFilesPair(dir, files, 0).a;
    if (want('snapshot')) snapshotRow(dir, tar, files);
    rmSync(tar, { force: true });
    rmSync(tar.replace(/-a\.tar$/, '-b.tar'), { force: true });
  }
  if (want('merged')) await mergedRow(dir);
  table();
}

try {
  await main();
} finally {
  await runCleanup();
}
