import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleCheckReport, mergeReports, phaseSummaries } from '../../src/check/check-report.js';
import type { BuildRun } from '../../src/check/builds.js';
import { buildReport } from '../../src/core/report.js';
import type { Finding } from '../../src/core/finding.js';
import { planBuilds } from '../../src/check/variations.js';

const f = (path: string, category: Finding['category'], layer?: number): Finding => ({ path, category, code: 'legacy', facts: [{ note: 'e' }], detail: '', ...(layer !== undefined ? { layer } : {}) });

function run(label: string, digest: string, layers: [string, string][]): BuildRun {
  const setup = planBuilds([], 2, { root: '/r', faketime: undefined }).setups[0]!;
  return {
    setup: { ...setup, label },
    startedAt: 1700000000,
    result: { out: `/r/image-${label}.tar`, manifestDigest: digest, layers: layers.map(([phase, d]) => ({ phase, digest: d, diffId: d, size: 1 })), epoch: 0, epochSource: 'default', durationMs: 5 },
  };
}

test('mergeReports: later comparisons add only findings not seen yet', () => {
  const r1 = buildReport({ inputs: [{ path: 'a', kind: 'oci-archive' }, { path: 'b', kind: 'oci-archive' }], findings: [f('/etc/x', 'mtime', 0)], ignored: [], warnings: ['w1'] });
  const r2 = buildReport({ inputs: [{ path: 'a', kind: 'oci-archive' }, { path: 'c', kind: 'oci-archive' }], findings: [f('/etc/x', 'mtime', 0), f('/etc/y', 'random-id', 1)], ignored: [], warnings: ['w1', 'w2'] });
  const m = mergeReports([r1, r2], []);
  assert.deepEqual(m.findings.toArray().map((x) => x.path), ['/etc/x', '/etc/y']);
  assert.deepEqual(m.inputs.map((i) => i.path), ['a', 'b', 'c']);
  assert.deepEqual(m.warnings, ['w1', 'w2']);
  assert.equal(m.identical, false);
});

test('phaseSummaries and the verdict: by layer, digests of every build, reproducible only when all agree', () => {
  const runs = [run('A', 'sha256:1', [['base', 'sha256:b'], ['config', 'sha256:c1']]), run('B', 'sha256:2', [['base', 'sha256:b'], ['config', 'sha256:c2']])];
  const findings = [f('/etc/a', 'mtime', 1), f('/etc/a', 'metadata', 1), f('', 'image-metadata')];
  const phases = phaseSummaries(runs, findings);
  assert.deepEqual(phases.map((p) => [p.phase, p.identical, p.findings]), [['base', true, 0], ['config', false, 2]]);
  assert.deepEqual(phases[1]?.categories, { mtime: 1, metadata: 1 });
  const plan = planBuilds([], 2, { root: '/r', faketime: undefined });
  const compared = buildReport({ inputs: [], findings, ignored: [], warnings: [] });
  const report = assembleCheckReport({ manifest: '/m.yml', compared, runs, plan, packages: undefined, startedAt: Date.now() });
  assert.equal(report.reproducible, false);
  assert.equal(report.schema, 'repro-report/2');
  assert.deepEqual(report.builds.map((b) => b.manifestDigest), ['sha256:1', 'sha256:2']);
  assert.equal(report.packages, null);
  const same = assembleCheckReport({ manifest: '/m.yml', compared, runs: [runs[0]!, { ...runs[1]!, result: { ...runs[0]!.result } }], plan, packages: undefined, startedAt: Date.now() });
  assert.equal(same.reproducible, true);
});
