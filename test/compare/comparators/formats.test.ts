import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareContent } from '../../../src/compare/content.js';
import { blobs, ctxBuiltAround, ctxWith, pngOf } from '../../helpers/fixtures-content.js';
import { testDirSync } from '../../helpers/tmp.js';
import { requireTools } from '../../helpers/tools.js';
import { ev } from '../../helpers/evidence.js';

test('json: keys in another order → ordering; array permutation → ordering', async () => {
  const f = await compareContent(...blobs('{"a":1,"b":{"c":2,"d":3}}', '{"b":{"d":3,"c":2},"a":1}'), ctxWith());
  assert.deepEqual(f.map((d) => [d.category, ev(d)]), [['ordering', 'same 2 JSON object keys in another order']]);
  const g = await compareContent(...blobs('{"files":["x","y","z"]}', '{"files":["z","x","y"]}'), ctxWith());
  assert.equal(g[0]?.category, 'ordering');
});

test('json: differing leaves are classified and named by path', async () => {
  const f = await compareContent(
    ...blobs('{"name":"x","created":"2026-11-27T18:14:19Z"}\n', '{"name":"x","created":"2026-11-28T01:00:00Z"}\n'),
    ctxBuiltAround(),
  );
  assert.equal(f[0]?.category, 'timestamp');
  assert.match(ev(f[0]) ?? '', /^ISO 8601 timestamp differs at \$\.created/);
  const g = await compareContent(...blobs('{"id":"5f0c2a9e8b7d4e1fa3c6b9d2e5f80714","v":1}', '{"id":"0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e","v":1}'), ctxWith());
  assert.equal(g[0]?.category, 'random-id');
  const h = await compareContent(...blobs('{"v":1}', '{"v":2}'), ctxWith());
  assert.equal(h[0]?.category, 'content');
  assert.match(h[0]?.detail ?? '', /^- {2}"v": 1$/m);
});

test('json-looking INI text falls back to text rules without a warning', async () => {
  const f = await compareContent(...blobs('[main]\na=1\nb=2\n', '[main]\nb=2\na=1\n'), ctxWith());
  assert.deepEqual(f.map((d) => [d.category, d.warning]), [['ordering', undefined]]);
});

test('text: unified diff detail, bounded by maxDiffLines', async () => {
  const a = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const b = Array.from({ length: 100 }, (_, i) => `line ${i * 7}`).join('\n') + '\n';
  const f = await compareContent(...blobs(a, b, 'conf'), ctxWith({ maxDiffLines: 10 }));
  assert.equal(f[0]?.category, 'content');
  const lines = (f[0]?.detail ?? '').split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines[10] ?? '', /^\.\.\. \d+ more lines \(use --max-diff-lines to see more\)$/);
  assert.match(f[0]?.detail ?? '', /^@@ -1,/m);
});

test('text: build-env variations from the context', async () => {
  const ctx = ctxWith({}, [{ name: 'user', a: 'alice', b: 'bob' }]);
  const f = await compareContent(...blobs('built by alice\n', 'built by bob\n'), ctx);
  assert.equal(f[0]?.category, 'build-env');
  assert.match(ev(f[0]) ?? '', /the user variation shows \(alice vs bob\)/);
});

test('png: only tIME differs → compression-metadata; IDAT level only → compression-metadata; pixels → binary', async () => {
  const t1 = new Date(Date.UTC(2026, 10, 27, 18, 14, 19));
  const t2 = new Date(Date.UTC(2026, 10, 28, 9, 0, 0));
  const f = await compareContent(...blobs(pngOf({ time: t1 }), pngOf({ time: t2 })), ctxWith());
  assert.deepEqual(f.map((d) => [d.category, ev(d)]), [['compression-metadata', 'PNG tIME 2026-11-27 18:14:19 vs 2026-11-28 09:00:00']]);
  const g = await compareContent(...blobs(pngOf({ level: 0 }), pngOf({ level: 9 })), ctxWith());
  assert.equal(g[0]?.category, 'compression-metadata');
  const h = await compareContent(...blobs(pngOf(), pngOf({ pixels: [1, 2, 3, 4] })), ctxWith());
  assert.equal(h[0]?.category, 'binary');
});

test('binary: an aligned 4-byte epoch near the clocks → timestamp; without clocks, or other bytes → binary with a bounded hexdump', async () => {
  const a = Buffer.alloc(64, 0xaa);
  const b = Buffer.from(a);
  a.writeUInt32LE(1700000000, 20);
  b.writeUInt32LE(1700259200, 20);
  a[0] = 0; // NUL: not text
  b[0] = 0;
  const clocks = [{ a: 1700000100, b: 1700259000, slack: 3600, source: 'build clocks' }];
  const f = await compareContent(...blobs(a, b), { ...ctxWith(), clocks });
  assert.equal(f[0]?.category, 'timestamp');
  assert.match(ev(f[0]) ?? '', /epoch 1700000000 vs 1700259200 at offset 0x14 \(32-bit LE field near the build clocks\)/);
  assert.equal((await compareContent(...blobs(a, b), ctxWith()))[0]?.category, 'binary', 'no clock: no proof');
  const c = Buffer.from(a);
  c[40] = 0x01;
  const g = await compareContent(...blobs(a, c), ctxWith());
  assert.equal(g[0]?.category, 'binary');
  assert.match(g[0]?.detail ?? '', /^-00000020: /m);
  const big = Buffer.alloc(64 * 1024);
  const big2 = Buffer.alloc(64 * 1024, 1);
  const h = await compareContent(...blobs(big, big2), ctxWith({ maxDiffLines: 20 }));
  assert.ok((h[0]?.detail ?? '').split('\n').length <= 21);
});

function compile(dir: string, name: string, src: string): Buffer {
  writeFileSync(join(dir, `${name}.c`), src);
  const r = spawnSync('cc', ['-O1', '-Wl,--build-id', '-o', join(dir, name), join(dir, `${name}.c`)]);
  if (r.status !== 0) throw new Error(`cc failed: ${String(r.stderr)}`);
  return readFileSync(join(dir, name));
}

test('elf: differing sections and build-id are named', { skip: requireTools(['cc', 'gcc'], ['readelf', 'binutils']) }, async (t) => {
  const dir = testDirSync(t, 'repro-elf-');
  const a = compile(dir, 'a', 'int main(void){return 1;}\nconst char *v = "one";\n');
  const b = compile(dir, 'b', 'int main(void){return 2;}\nconst char *v = "two";\n');
  const f = await compareContent(...blobs(a, b), ctxWith());
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'binary');
  assert.match(ev(f[0]) ?? '', /sections .*\.text.* differ; build-id [0-9a-f]{8}\.\. vs [0-9a-f]{8}\.\./);
  assert.match(ev(f[0]) ?? '', /\.rodata/);
  assert.match(f[0]?.detail ?? '', /^[-+] .*Build ID: [0-9a-f]+$/m);
});

test('binary: only embedded strings differ and they name the build environment → build-env', async () => {
  const blob = (path: string): Buffer => Buffer.concat([Buffer.from([0, 1, 2, 3, 0xff]), Buffer.from(`${path}/src/main.c\0`), Buffer.from([9, 0, 0xee])]);
  const ctx = ctxWith({}, [{ name: 'build path', a: '/build/aaa', b: '/tmp/b' }]);
  const f = await compareContent(...blobs(blob('/build/aaa'), blob('/tmp/b')), ctx);
  assert.equal(f[0]?.category, 'build-env');
  assert.match(ev(f[0]) ?? '', /^embedded strings: the build path variation shows \(\/build\/aaa vs \/tmp\/b\)/);
  const g = await compareContent(...blobs(blob('/build/aaa'), blob('/build/ccc')), ctx);
  assert.equal(g[0]?.category, 'binary');
});
