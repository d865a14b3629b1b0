import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCheck } from '../../src/check/render.js';
import { assembleCheckReport } from '../../src/check/check-report.js';
import type { BuildRun } from '../../src/check/builds.js';
import { buildReport } from '../../src/core/report.js';
import type { Finding } from '../../src/core/finding.js';
import { planBuilds } from '../../src/check/variations.js';

function runs(digests: [string, string]): BuildRun[] {
  const plan = planBuilds(['hostname'], 2, { root: '/r', faketime: undefined });
  return plan.setups.map((setup, i) => ({
    setup,
    startedAt: 1700000000,
    result: { out: `/r/${setup.label}.tar`, manifestDigest: digests[i]!, layers: [{ phase: 'base', digest: 'sha256:b', diffId: 'sha256:b', size: 1 }, { phase: 'generate', digest: `sha256:g${i}`, diffId: 'x', size: 1 }], epoch: 0, epochSource: 'default', durationMs: 1200 },
  }));
}

test('renderCheck: verdict and both digests first, then categories, phases, findings by phase, packages', () => {
  const findings: Finding[] = [
    { path: '/etc/machine-id', layer: 1, category: 'random-id', code: 'legacy', facts: [{ note: '32-hex token differs' }], detail: '-a\n+b', package: undefined },
    { path: '/usr/bin/tool', layer: 1, category: 'mtime', code: 'legacy', facts: [{ note: 'mtime 1 vs 2' }], detail: '' },
  ];
  const plan = planBuilds(['hostname'], 2, { root: '/r', faketime: undefined });
  const r = assembleCheckReport({
    manifest: '/m.yml',
    compared: buildReport({ inputs: [], findings, ignored: [], warnings: [] }),
    runs: runs(['sha256:aaa', 'sha256:bbb']),
    plan,
    packages: { packages: [{ name: 'gzip', files: [{ path: '/usr/share/doc/gzip/changelog.gz', categories: ['compression-metadata'] }] }, { name: 'tool', files: [{ path: '/usr/bin/tool', categories: ['mtime'] }] }], identical: 0, unowned: [{ path: '/etc/machine-id', categories: ['random-id'] }], shared: [] },
    startedAt: Date.now(),
  });
  const text = renderCheck(r);
  const lines = text.split('\n');
  assert.equal(lines[0], 'NOT REPRODUCIBLE');
  assert.match(lines[1] ?? '', /build A: sha256:aaa/);
  assert.match(lines[2] ?? '', /build B: sha256:bbb/);
  assert.match(lines[3] ?? '', /variations: hostname/);
  const order = ['random-id', 'layer 1 — phase generate', '/etc/machine-id', 'packages', 'gzip → 1 file', '/usr/share/doc/gzip/changelog.gz  compression-metadata', '1 package with mtime differences only: tool (1)', '(no package'].map((s) => text.indexOf(s));
  assert.ok(order.every((at) => at >= 0), `all sections present: ${order.join(',')}`);
  assert.deepEqual([...order].sort((x, y) => x - y), order, 'sections in order');
});

test('renderCheck: identical digests say REPRODUCIBLE', () => {
  const plan = planBuilds([], 2, { root: '/r', faketime: undefined });
  const r = assembleCheckReport({ manifest: '/m.yml', compared: buildReport({ inputs: [], findings: [], ignored: [], warnings: [] }), runs: runs(['sha256:same', 'sha256:same']), plan, packages: undefined, startedAt: Date.now() });
  const text = renderCheck(r);
  assert.equal(text.split('\n')[0], 'REPRODUCIBLE');
  assert.match(text, /variations: none/);
});
