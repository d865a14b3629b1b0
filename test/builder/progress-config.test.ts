import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressPrinter } from '../../src/builder/progress.js';
import { formatBytes, formatMs } from '../../src/core/format.js';
import { buildEnv, imageConfig } from '../../src/builder/image-config.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = { isTTY, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

test('progress: plain lines when not a TTY, one line rewritten in place on a TTY', () => {
  for (const tty of [false, true]) {
    const { stream, text } = fakeStream(tty);
    const p = progressPrinter(stream);
    p({ kind: 'phase-start', phase: 'packages', index: 1, total: 3 });
    p({ kind: 'phase-done', phase: 'packages', index: 1, total: 3, elapsedMs: 36_700, size: 25 * 1024 * 1024, entries: 1975, digest: 'sha256:498342861a76886568e2' });
    if (tty) assert.equal(text(), '[2/3] packages …\r\x1b[K[2/3] packages: 36.7 s, layer 25.0 MiB (1975 entries) 498342861a76\n');
    else assert.equal(text(), '[2/3] packages: running\n[2/3] packages: 36.7 s, layer 25.0 MiB (1975 entries) 498342861a76\n');
  }
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatMs(95_000), '1 min 35 s');
});

test('image config: times from the epoch only, one history entry per layer, env merged over the base', () => {
  const c = imageConfig({
    base: { architecture: 'arm64', os: 'linux', config: { Env: ['PATH=/bin', 'A=1'], Cmd: ['/bin/bash'] }, history: [{ created: '2020-01-01T00:00:00Z', created_by: 'base' }] },
    epoch: 86400,
    names: ['base layer 0', 'one', 'two'],
    keptCount: 1,
    env: { A: '2', B: '3' },
    label: 'image x',
    shell: true,
  });
  assert.equal(c.created, '1970-01-02T00:00:00Z');
  assert.equal(c.architecture, 'arm64');
  assert.deepEqual((c.config as { Env: string[] }).Env, ['PATH=/bin', 'A=2', 'B=3']);
  assert.deepEqual((c.config as { Cmd: string[] }).Cmd, ['/bin/bash']);
  assert.deepEqual(c.history?.map((h) => h.created_by), ['base', 'repro build: phase one', 'repro build: phase two']);
  assert.deepEqual(c.history?.slice(1).map((h) => h.created), ['1970-01-02T00:00:00Z', '1970-01-02T00:00:00Z']);
  const env = buildEnv(5, { TZ: 'Asia/Tokyo' });
  assert.equal(env.SOURCE_DATE_EPOCH, '5');
  assert.equal(env.TZ, 'Asia/Tokyo', 'variations override the fixed values');
  assert.equal(env.LC_ALL, 'C.UTF-8');
});
