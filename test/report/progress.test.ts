import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { compareInputs } from '../../src/compare/engine.js';
import { buildProgress, createProgress, formatBytes, formatElapsed, scanProgress } from '../../src/report/progress.js';

function sink(tty: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (tty) {
    stream.isTTY = true;
    stream.columns = 100;
  }
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

test('on a TTY: one redrawn line with phase, entries, bytes and elapsed; throttled', () => {
  withEnv({ NO_COLOR: '1', FORCE_COLOR: undefined }, () => {
    const { stream, text } = sink(true);
    let t = 0;
    const p = createProgress({ stream, now: () => t, interval: 100 });
    p.phase('comparing layer 0');
    for (let i = 1; i <= 50; i++) {
      t += 10; // 500 ms over 50 updates → about 5 redraws
      p.update({ entries: i * 100, bytes: i * 1024 * 1024 });
    }
    p.done();
    const out = text();
    const draws = out.split('\r\x1b[2K').length - 1;
    assert.ok(draws >= 5 && draws <= 8, `throttled redraws: ${draws}`);
    assert.ok(out.includes('comparing layer 0  5,000 entries · 50.0 MiB · 0.5s'), JSON.stringify(out.slice(-120)));
    assert.ok(out.endsWith('\n'), 'done leaves a fresh line');
    assert.equal(out.split('\n').length - 1, 1, 'one line for one phase');
    assert.ok(!out.includes('\x1b[1m'), 'NO_COLOR: no styling escapes');
  });
});

test('colour on a TTY unless NO_COLOR', () => {
  withEnv({ NO_COLOR: undefined, FORCE_COLOR: undefined }, () => {
    const { stream, text } = sink(true);
    const p = createProgress({ stream });
    p.phase('building A');
    p.done();
    assert.ok(text().includes('\x1b[1m'), 'bold phase name');
  });
});

test('not a TTY: one plain line per phase, nothing for updates', () => {
  const { stream, text } = sink(false);
  const p = createProgress({ stream });
  p.phase('building A');
  p.update({ entries: 10, bytes: 10 });
  p.phase('building B');
  p.update({ entries: 20 });
  p.done();
  assert.equal(text(), 'repro: building A\nrepro: building B\n');
});

test('--quiet writes nothing, even on a TTY', () => {
  const { stream, text } = sink(true);
  const p = createProgress({ quiet: true, stream });
  p.phase('x');
  p.update({ entries: 1 });
  p.done();
  assert.equal(text(), '');
});

test('scan adapter starts a phase per side and layer', () => {
  const { stream, text } = sink(false);
  const onScan = scanProgress(createProgress({ stream }));
  onScan({ side: 0, layer: 0, entries: 1, bytes: 1 });
  onScan({ side: 0, layer: 0, entries: 2, bytes: 2 });
  onScan({ side: 1, layer: 0, entries: 1, bytes: 1 });
  assert.equal(text(), 'repro: reading A, layer 0\nrepro: reading B, layer 0\n');
});

test('formatting helpers', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
  assert.equal(formatElapsed(1234), '1.2s');
  assert.equal(formatElapsed(125_000), '2:05');
});

test('build adapter names each phase with its position', () => {
  const { stream, text } = sink(false);
  const onEvent = buildProgress(createProgress({ stream }), 'building A');
  onEvent({ kind: 'epoch' });
  onEvent({ kind: 'phase-start', phase: 'base', index: 0, total: 2 });
  onEvent({ kind: 'phase-done', phase: 'base', index: 0, total: 2, entries: 10, size: 100 });
  onEvent({ kind: 'phase-start', phase: 'packages', index: 1, total: 2 });
  assert.equal(text(), 'repro: building A: base (1/2)\nrepro: building A: packages (2/2)\n');
});

test('the scan adapter plugs into compareInputs: a phase per side and layer of the corpus pair', async () => {
  const { stream, text } = sink(false);
  const corpus = '/work/shared/corpus/oci-image';
  await compareInputs(`${corpus}/a.oci.tar`, `${corpus}/b.oci.tar`, { onProgress: scanProgress(createProgress({ stream })) });
  const lines = text().trim().split('\n');
  for (const side of ['A', 'B']) {
    for (const layer of [0, 1]) assert.ok(lines.includes(`repro: reading ${side}, layer ${layer}`), lines.join(' | '));
  }
});
