// `npm run bench`: repro diff against its floor (sha256sum of both inputs) and against diffoscope, on two
// synthetic images made in the temp area. Prints times (wall, and CPU under /usr/bin/time), ratios and repro's peak memory.
//   BENCH_MB=110 (size of each image's payload), BENCH_RUNS=3 (best of N for sha256sum and repro),
//   BENCH_DIFFOSCOPE_TIMEOUT=600 (seconds; 0 skips it; run once: it is the slow one),
//   BENCH_DEBIAN=1 (also the reference workload: two real debootstrap minbase tarballs; root, ~1 min once)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../src/core/temp.js';
import { runCleanup } from '../src/core/cleanup.js';
import { makeBenchImages } from './make-images.js';
import { debianPair } from './debian-pair.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MB = Number(process.env.BENCH_MB ?? 110);
const DIFFOSCOPE_TIMEOUT = Number(process.env.BENCH_DIFFOSCOPE_TIMEOUT ?? 600);

function timed(cmd: string, args: string[], timeoutS = 0): { s: number; code: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30, ...(timeoutS ? { timeout: timeoutS * 1000, killSignal: 'SIGKILL' as const } : {}) });
  const s = (performance.now() - start) / 1000;
  return { s, code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: r.signal === 'SIGKILL' };
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Which diffoscope: the full Debian package (with the tools it recommends) or diffoscope-minimal. */
function diffoscopeFlavour(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Version} ${Status}\n', 'diffoscope', 'diffoscope-minimal'], { encoding: 'utf8' });
  const installed = (r.stdout ?? '').split('\n').filter((l) => l.endsWith('install ok installed')).map((l) => l.split(' ').slice(0, 2).join(' '));
  return installed.length ? installed.join(', ') : 'not from a Debian package';
}

/** User + system seconds from /usr/bin/time -v (NaN without it): on a shared machine the steadier ratio. */
function cpuS(timeV: string): number {
  const f = (name: string): number => Number(new RegExp(`${name}: ([\\d.]+)`).exec(timeV)?.[1] ?? NaN);
  return f('User time \\(seconds\\)') + f('System time \\(seconds\\)');
}

function maxRssMb(timeV: string): number | undefined {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeV);
  return m ? Number(m[1]) / 1024 : undefined;
}

const fmt = (s: number): string => `${s.toFixed(2)} s`;

/** Runs of each fast contender; the best one counts (other load on the machine only ever adds time). */
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

function best<T extends { s: number }>(run: () => T): T {
  let top: T | undefined;
  for (let i = 0; i < RUNS; i++) {
    const r = run();
    if (!top || r.s < top.s) top = r;
  }
  return top as T;
}

const BUILT_CLI = 'dist/src/cli/main.js';

/** The built CLI run as users run it, through its `#!` line (node flags included; `npm run build` makes it
 * executable), else the sources through tsx (slow start-up). */
function cliCommand(): string[] {
  return existsSync(join(ROOT, BUILT_CLI)) ? [join(ROOT, BUILT_CLI)] : [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];
}

interface EngineResult {
  ms: number;
  maxRssKb: number;
  findings: number;
  categories: Record<string, number>;
  paths: string[];
}

/** One form of the pair: floor, repro (in-process and CLI), diffoscope. */
function measure(label: string, a: string, b: string, planted: string[], dir: string): void {
  console.log(`\n== ${label}: ${(statSync(a).size / 2 ** 20).toFixed(0)} + ${(statSync(b).size / 2 ** 20).toFixed(0)} MiB`);
  // warm the page cache so every contender reads from memory
  timed('cat', [a, b]);
  // Linux keeps a process's peak RSS across fork+exec, so a child spawned straight from this (large) process
  // would report ours; /usr/bin/time -v starts it from a small process and reports the child's own.
  const useTime = has('/usr/bin/time');
  const floor = best(() => (useTime ? timed('/usr/bin/time', ['-v', 'sha256sum', a, b]) : timed('sha256sum', [a, b])));
  const floorCpu = cpuS(floor.stderr);
  console.log(`sha256sum of both inputs (floor): ${fmt(floor.s)}, ${fmt(floorCpu)} CPU`);
  let peakMb = 0;
  // the heap flag the CLI's #! line gives (src/cli/main.ts), so engine and CLI differ only by start-up
  const childArgs = ['--initial-heap-size=64', '--import', 'tsx', 'bench/child.ts', a, b];
  const res = best(() => {
    const engine = useTime ? timed('/usr/bin/time', ['-v', process.execPath, ...childArgs]) : timed(process.execPath, childArgs);
    if (engine.code !== 0) throw new Error(`bench child failed: ${engine.stderr}`);
    const r = JSON.parse(engine.stdout) as EngineResult;
    r.maxRssKb = (maxRssMb(engine.stderr) ?? r.maxRssKb / 1024) * 1024;
    peakMb = Math.max(peakMb, r.maxRssKb / 1024);
    return { ...r, s: r.ms / 1000 };
  });
  const found = planted.filter((p) => res.paths.some((x) => x === p || x.startsWith(p + ' ') || x.startsWith(p.slice(1) + ' ')));
  console.log(`compareInputs (in-process): ${fmt(res.ms / 1000)}, peak RSS ${(res.maxRssKb / 1024).toFixed(0)} MiB, ${res.findings} findings ${JSON.stringify(res.categories)}; planted contents found ${found.length}/${planted.length}`);

  const out = join(dir, 'r.json');
  const [cliCmd, ...cliPre] = cliCommand() as [string, ...string[]];
  const cliArgs = [...cliPre, 'diff', a, b, '--quiet', '--json', out];
  const cli = best(() => {
    const r = useTime ? timed('/usr/bin/time', ['-v', cliCmd, ...cliArgs]) : timed(cliCmd, cliArgs);
    peakMb = Math.max(peakMb, maxRssMb(r.stderr) ?? 0);
    return r;
  });
  const cliRss = maxRssMb(cli.stderr);
  const how = cliCmd.endsWith(BUILT_CLI) ? 'built CLI' : 'CLI through tsx';
  const cliCpu = cpuS(cli.stderr);
  console.log(`repro diff (${how}, exit ${cli.code}): ${fmt(cli.s)}, ${fmt(cliCpu)} CPU${cliRss ? `, peak RSS ${cliRss.toFixed(0)} MiB` : ''}`);
  console.log(`ratio to the hashing floor: engine ${(res.ms / 1000 / floor.s).toFixed(2)}×, CLI ${(cli.s / floor.s).toFixed(2)}× wall, ${(cliCpu / floorCpu).toFixed(2)}× CPU (target ≤ 2.5×)`);
  console.log(`peak memory over every repro run: ${peakMb.toFixed(0)} MiB (target < 300 MiB)`);

  if (DIFFOSCOPE_TIMEOUT > 0 && has('diffoscope')) {
    console.log(`diffoscope (${diffoscopeFlavour()}): running once…`);
    const d = timed('diffoscope', ['--no-progress', '--text', join(dir, 'diffoscope.txt'), a, b], DIFFOSCOPE_TIMEOUT);
    const s = d.timedOut ? DIFFOSCOPE_TIMEOUT : d.s;
    const note = d.timedOut ? ` (killed at the ${DIFFOSCOPE_TIMEOUT} s timeout: the ratio is a lower bound)` : ` (exit ${d.code})`;
    console.log(`diffoscope: ${fmt(s)}${note}`);
    console.log(`speed-up over diffoscope: engine ${(s / (res.ms / 1000)).toFixed(1)}×, CLI ${(s / cli.s).toFixed(1)}× (target ≥ 25×)`);
  } else {
    console.log('diffoscope: not run (not installed or BENCH_DIFFOSCOPE_TIMEOUT=0)');
  }
}

async function main(): Promise<void> {
  const dir = await tempDir('bench-');
  // always rebuilt: timing a stale dist/ would measure old code
  console.log('building the CLI (npm run build): the timing uses what users run…');
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);
  const t = performance.now();
  const { inputs, shape } = await makeBenchImages(dir, MB * 1024 * 1024);
  console.log(`synthetic root filesystems: ${shape.files} files, ${(shape.totalBytes / 2 ** 20).toFixed(0)} MiB each, made in ${fmt((performance.now() - t) / 1000)}`);
  console.log(`planted: every mtime, ${shape.changed.length} contents (${shape.changed.join(', ')}), config.created`);
  console.log(`best of ${RUNS} runs for sha256sum and repro; machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine skews every number alike)`);
  measure('rootfs tarballs (.tar.gz)', ...inputs.rootfs, shape.changed, dir);
  measure('oci-archives (2 gzip layers; diffoscope cannot pair blobs here, so it does far less work)', ...inputs.oci, shape.changed, dir);
  if (process.env.BENCH_DEBIAN === '1') {
    const pair = await debianPair((line) => console.log(line));
    // what a correct run finds there: the three logs (timestamps) and ldconfig's aux-cache
    if (pair) measure('Debian minbase tarballs (the reference workload: two real debootstrap runs)', ...pair, ['/var/log/dpkg.log', '/var/log/alternatives.log', '/var/log/bootstrap.log', '/var/cache/ldconfig/aux-cache'], dir);
  }
}

try {
  await main();
} finally {
  await runCleanup();
}
