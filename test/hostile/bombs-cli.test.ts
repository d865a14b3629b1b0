// Issue 8, item 2: decompression bombs through `repro diff`, as top-level files and as members inside a
// layer: gzip 2 MB → 2 GiB, zstd (made by the zstd binary) 2 GiB, a zip whose deflate stream expands to
// 2 GiB, a gzip nested 200 deep. Each run is measured in the child (GNU time: wall time, peak RSS) and must
// end with a finding carrying a warning, never a crash. The bombs are built once per run, in a directory the
// file's tests share and that is removed when the file is done.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { gzipBomb, rawHeader, rawTar } from '../helpers/images-extra.js';
import { zipOf } from '../helpers/fixtures-content.js';
import { listTree, runMeasured, sandbox } from '../helpers/hostile.js';
import { fileDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
/**
 * Bounded time is bounded CPU time (user + system): a quadratic step or a loop burns it whatever the load,
 * while wall time on the CI machine (2 cores shared with other jobs) grows with the load; the entries bomb
 * once took 127 s of wall time at a load of 12. Idle runs take a fraction of this.
 */
const MAX_CPU_MS = 90_000;
/** Wall time only catches a hang (nothing burns CPU): room for a machine loaded six times over. */
const MAX_MS = 600_000;
const MAX_RSS_MIB = 512;

let cache: Promise<string> | undefined;

async function cached(name: string, make: (path: string) => Promise<void>): Promise<string> {
  cache ??= fileDir('repro-hostile-bombs-');
  const path = join(await cache, name);
  if (!existsSync(path)) {
    const part = `${path}.${process.pid}.part`;
    await make(part);
    await rename(part, path);
  }
  return path;
}

/** A byte of `tag`, then 2 GiB - 1 zeros: two bombs that differ only in their first byte. */
const gzipFile = (tag: string): Promise<string> => cached(`gzip-2g-${tag}.gz`, (p) => writeFile(p, gzipBomb(Buffer.from(tag), 2 * GIB - 1)));

function zstdFile(tag: string): Promise<string> {
  return cached(`zstd-2g-${tag}.zst`, async (p) => {
    const r = spawnSync('sh', ['-c', `{ printf ${tag}; head -c ${2 * GIB - 1} /dev/zero; } | zstd -q -c > "${p}"`]);
    assert.equal(r.status, 0, r.stderr.toString());
  });
}

/**
 * A zip with one member whose deflate stream expands to 2 GiB of zeros. Full-flush blocks are byte-aligned
 * and need no earlier window, so one compressed MiB of zeros repeated 2048 times plus a final empty block
 * is a valid deflate stream (APPNOTE 4.4; RFC 1951 3.2.3) built without compressing 2 GiB.
 */
function zipBomb(tag: string, declaredSize: number): Promise<string> {
  return cached(`zip-2g-${tag}-${declaredSize}.zip`, async (p) => {
    const zero = Buffer.alloc(MIB);
    const head = deflateRawSync(Buffer.concat([Buffer.from(tag), zero.subarray(1)]), { finishFlush: constants.Z_FULL_FLUSH });
    const block = deflateRawSync(zero, { finishFlush: constants.Z_FULL_FLUSH });
    const stream = Buffer.concat([head, ...Array<Buffer>(2047).fill(block), deflateRawSync(Buffer.alloc(0))]);
    let crc = crc32(Buffer.from(tag));
    crc = crc32(zero.subarray(1), crc);
    for (let i = 0; i < 2047; i++) crc = crc32(zero, crc);
    const zip = zipOf([{ name: 'zeros.bin', data: Buffer.alloc(0) }]);
    // patch method, crc, sizes and append the real stream: zipOf writes an empty stored member
    const body = rebuildZip(zip, stream, crc, declaredSize);
    await writeFile(p, body);
  });
}

/** zipOf's one-member zip rewritten to hold `stream` (deflate), with `crc` and the declared size. */
function rebuildZip(zip: Buffer, stream: Buffer, crc: number, size: number): Buffer {
  const nameLen = zip.readUInt16LE(26);
  const local = Buffer.from(zip.subarray(0, 30 + nameLen));
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(stream.length, 18);
  local.writeUInt32LE(size, 22);
  const cdStart = 30 + nameLen;
  const central = Buffer.from(zip.subarray(cdStart, cdStart + 46 + nameLen));
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(stream.length, 20);
  central.writeUInt32LE(size, 24);
  const end = Buffer.from(zip.subarray(zip.length - 22));
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(local.length + stream.length, 16);
  return Buffer.concat([local, stream, central, end]);
}

function nestedGzip(tag: string, depth: number): Buffer {
  let data = Buffer.from(`innermost ${tag}\n`);
  for (let i = 0; i < depth; i++) data = gzipSync(data);
  return data;
}

interface Finding {
  path: string;
  inner?: string;
  category: string;
  evidence: string;
  detail: string;
  warning?: string;
}

async function diffMeasured(t: TestContext, a: string, b: string, flags: string[], label: string) {
  const box = await sandbox(t, 'hostile-bomb-');
  const out = join(box.work, 'report.json');
  const r = await runMeasured(['diff', a, b, '--json', out, ...flags], { cwd: box.cwd, env: box.env });
  t.diagnostic(`${label}: exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s, CPU ${(r.cpuMs / 1000).toFixed(1)} s, peak RSS ${Math.round(r.rssMiB)} MiB`);
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  // without GNU time, wall time stands in for CPU time (the stricter bound)
  assert.ok((Number.isNaN(r.cpuMs) ? r.ms : r.cpuMs) < MAX_CPU_MS, `${label}: used ${r.cpuMs} ms of CPU, ${r.ms} ms of wall time`);
  assert.ok(r.ms < MAX_MS, `${label}: took ${r.ms} ms`);
  if (!Number.isNaN(r.rssMiB)) assert.ok(r.rssMiB < MAX_RSS_MIB, `${label}: peak RSS ${r.rssMiB} MiB`);
  assert.deepEqual(await listTree(box.tmp), [], 'temp area removed');
  const report = JSON.parse(await readFile(out, 'utf8')) as { findings: Finding[] };
  return { report, run: r };
}

test('gzip bomb 2 MB → 2 GiB as top-level files: stops at --max-total-bytes with a warning', async (t) => {
  const [a, b] = [await gzipFile('A'), await gzipFile('B')];
  const { report } = await diffMeasured(t, a, b, ['--max-total-bytes', '1G'], 'gzip 2 GiB, top level');
  const f = report.findings.find((x) => x.warning);
  assert.ok(f, JSON.stringify(report.findings));
  assert.equal(f.category, 'binary');
  assert.match(f.warning ?? '', /decompression budget of 1073741824 bytes exhausted/);
});

test('gzip bomb as a member inside a layer: a finding on the member, warned', async (t) => {
  const box = await sandbox(t, 'hostile-bomb-layer-');
  const [ga, gb] = [await readFile(await gzipFile('A')), await readFile(await gzipFile('B'))];
  const [a, b] = [join(box.work, 'a.tar'), join(box.work, 'b.tar')];
  await writeFile(a, rawTar([{ name: 'usr/share/doc/bomb.gz', body: ga }, { name: 'etc/os-release', body: 'ID=x\n' }]));
  await writeFile(b, rawTar([{ name: 'usr/share/doc/bomb.gz', body: gb }, { name: 'etc/os-release', body: 'ID=x\n' }]));
  const { report } = await diffMeasured(t, a, b, ['--max-total-bytes', '1G'], 'gzip 2 GiB, layer member');
  const f = report.findings.find((x) => x.path.endsWith('usr/share/doc/bomb.gz'));
  assert.ok(f, JSON.stringify(report.findings));
  assert.match(f.warning ?? '', /budget .* exhausted/);
});

test('--max-member-bytes bounds the memory of a bomb: payloads above it are hashed, not held', async (t) => {
  const [a, b] = [await gzipFile('A'), await gzipFile('B')];
  const { report, run } = await diffMeasured(t, a, b, ['--max-total-bytes', '1G', '--max-member-bytes', '16M'], 'gzip 2 GiB, 16M member limit');
  assert.ok(report.findings.some((f) => f.warning));
  if (!Number.isNaN(run.rssMiB)) assert.ok(run.rssMiB < 300, `peak RSS ${run.rssMiB} MiB with a 16 MiB member limit`);
});

test('zstd bomb (zstd binary, 2 GiB of zeros) as top-level files', { skip: requireTool('zstd', 'zstd') }, async (t) => {
  const [a, b] = [await zstdFile('A'), await zstdFile('B')];
  const { report } = await diffMeasured(t, a, b, ['--max-total-bytes', '1G'], 'zstd 2 GiB, top level');
  const f = report.findings.find((x) => x.warning);
  assert.ok(f, JSON.stringify(report.findings));
  assert.match(f.warning ?? '', /budget .* exhausted|compared by digest/);
});

test('zip bombs: an honest 2 GiB size and a lying small size both stop at the limit, warned', async (t) => {
  for (const declared of [2 * GIB - 1, 1000]) {
    const [a, b] = [await zipBomb('A', declared), await zipBomb('B', declared)];
    const { report } = await diffMeasured(t, a, b, [], `zip 2 GiB (declared ${declared})`);
    assert.ok(report.findings.length > 0);
    const warned = report.findings.filter((f) => f.warning);
    assert.ok(warned.length > 0, JSON.stringify(report.findings));
    assert.match(warned.map((f) => f.warning).join('\n'), /decompression limit|larger than|budget/);
  }
});

test('a gzip nested 200 deep: the depth limit stops it (warned), and no stack overflow without one', async (t) => {
  const box = await sandbox(t, 'hostile-nest-');
  const [a, b] = [join(box.work, 'a.gz'), join(box.work, 'b.gz')];
  await writeFile(a, nestedGzip('A', 200));
  await writeFile(b, nestedGzip('B', 200));
  const limited = await diffMeasured(t, a, b, [], 'gzip nested 200 deep, default depth');
  const deepest = limited.report.findings.find((f) => f.warning);
  assert.ok(deepest, JSON.stringify(limited.report.findings));
  assert.match(deepest.warning ?? '', /depth limit 8 reached/);
  const unlimited = await diffMeasured(t, a, b, ['--max-depth', '1000'], 'gzip nested 200 deep, --max-depth 1000');
  const inner = unlimited.report.findings.find((f) => f.category === 'content');
  assert.ok(inner, JSON.stringify(unlimited.report.findings));
  assert.match(inner.evidence + '\n' + inner.detail, /-innermost A\n\+innermost B/, 'the difference is found at the bottom');
});

test('the reader\'s layer limit through diff: one line, exit 2, nothing left behind', async (t) => {
  const box = await sandbox(t, 'hostile-layer-limit-');
  const big = rawTar([{ name: 'big', body: Buffer.alloc(4 * MIB) }]);
  await writeFile(join(box.work, 'a.tar'), big);
  await writeFile(join(box.work, 'b.tar'), rawTar([{ name: 'big', body: Buffer.alloc(4 * MIB, 1) }]));
  const r = await runMeasured(['diff', join(box.work, 'a.tar'), join(box.work, 'b.tar'), '--max-layer-bytes', '1M', '--json', join(box.work, 'r.json')], {
    cwd: box.cwd,
    env: box.env,
    measure: false,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^repro: .*a\.tar: cannot read layer 0 .*exceeds the limit of 1048576 bytes[^\n]*\n$/);
  assert.equal(existsSync(join(box.work, 'r.json')), false);
  assert.deepEqual(await listTree(box.tmp), []);
});

/** A rootfs .tar.gz of `n` empty files in one directory: ~10 bytes each once compressed. */
function entriesBomb(n: number): Promise<string> {
  return cached(`entries-${n}.tar.gz`, async (p) => {
    const gz = createGzip({ level: 1 });
    const out = gz.pipe(createWriteStream(p));
    for (let i = 0; i < n; i++) if (!gz.write(rawHeader({ name: `d/${i.toString(36)}` }))) await once(gz, 'drain');
    gz.end(Buffer.alloc(1024));
    await once(out, 'close');
  });
}

test('an entries bomb (120k empty files, 1.2 MB): compared in bounded time; --max-entries stops it with one line', async (t) => {
  const box = await sandbox(t, 'hostile-entries-');
  const a = await entriesBomb(120_000);
  const b = join(box.work, 'small.tar');
  await writeFile(b, rawTar([{ name: 'd/0' }]));
  // the whole comparison: 119,999 "removed" findings in one directory (a quadratic report tree took minutes)
  await diffMeasured(t, a, b, [], 'entries 120k, default limit');
  const r = await runMeasured(['diff', a, b, '--max-entries', '100000', '--json', join(box.work, 'r.json')], { cwd: box.cwd, env: box.env });
  t.diagnostic(`entries 120k, --max-entries 100000: exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s, peak RSS ${Math.round(r.rssMiB)} MiB`);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^repro: .*entries-120000\.tar\.gz: layer 0 has more than 100000 entries \(raise the limit with --max-entries\)\n$/);
  assert.equal(existsSync(join(box.work, 'r.json')), false);
  assert.deepEqual(await listTree(box.tmp), []);
});
