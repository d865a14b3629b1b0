// The attribution rule of check --explain, on findings made by hand: the same finding in a one-variation
// build names that variation; in the rebuild with no variation, none; the path in another category counts
// only when no rebuild shows the same finding; shown by every one-variation build but not by the rebuild
// in the control's own directory, the build path; shown by none, no single variation. And the words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causeOf, shownBy, summarise } from '../../src/check/explain.js';
import { causeText } from '../../src/core/evidence.js';
import type { Finding } from '../../src/core/finding.js';

const f = (path: string, category: Finding['category'], facts: Finding['facts'] = []): Finding => ({ path, layer: 1, category, code: 'text', facts, detail: '' });

test('causeOf: the variation whose build alone shows the finding; none when a rebuild with none shows it', () => {
  const host = f('/info.json', 'build-env');
  const mode = f('/etc/x', 'metadata');
  const id = f('/etc/machine-id', 'random-id');
  const list = f('/list', 'content');
  const none = shownBy([id]);
  const single = new Map([
    ['hostname', shownBy([id, host])],
    ['umask', shownBy([id, mode])],
    ['time', shownBy([id, f('/list', 'ordering')])],
  ]);
  assert.deepEqual(causeOf(host, none, single), { variations: ['hostname'], withoutVariation: false, match: 'finding' });
  assert.deepEqual(causeOf(mode, none, single), { variations: ['umask'], withoutVariation: false, match: 'finding' });
  assert.deepEqual(causeOf(id, none, single), { variations: [], withoutVariation: true, match: 'finding' });
  assert.deepEqual(causeOf(list, none, single), { variations: ['time'], withoutVariation: false, match: 'path' }, 'the path, in another category');
  assert.deepEqual(causeOf(f('/other', 'content'), none, single), { variations: [], withoutVariation: false, match: 'none' });
  assert.deepEqual(causeOf(f('/etc/x', 'metadata'), none, new Map([['umask', shownBy([])]])).variations, [], 'another layer or path is another finding');
});

test('causeOf: shown by every one-variation build (three or more) and not by the rebuild in the same directory: the build path', () => {
  const leak = f('/usr/lib/x.pc', 'content');
  const single = new Map(['hostname', 'umask', 'locale'].map((v) => [v, shownBy([leak])]));
  assert.deepEqual(causeOf(leak, shownBy([]), single), { variations: ['build-path'], withoutVariation: false, match: 'finding', byElimination: true });
  const two = new Map(['hostname', 'umask'].map((v) => [v, shownBy([leak])]));
  assert.deepEqual(causeOf(leak, shownBy([]), two).variations, ['hostname', 'umask'], 'with two, each is as likely');
});

test('causeText and the summary per cause', () => {
  const cause = (c: Partial<NonNullable<Finding['cause']>>): NonNullable<Finding['cause']> => ({ variations: [], withoutVariation: false, match: 'finding', ...c });
  assert.equal(causeText({ ...f('/a', 'metadata'), cause: cause({ variations: ['umask'] }) }), 'caused by: umask');
  assert.equal(causeText({ ...f('/a', 'content'), cause: cause({ variations: ['time', 'timezone'] }) }), 'caused by: time, timezone (each alone)');
  assert.equal(causeText({ ...f('/a', 'random-id'), cause: cause({ withoutVariation: true }) }), 'differs with no variation: inherent randomness (random ids, keys)');
  assert.equal(causeText({ ...f('/a', 'timestamp'), cause: cause({ withoutVariation: true }) }), 'differs with no variation: the time each build runs at');
  assert.equal(causeText({ ...f('/a', 'compression-metadata', [{ field: 'gzip mtime', a: '1', b: '2' }]), cause: cause({ withoutVariation: true }) }), 'differs with no variation: the time each build runs at');
  assert.equal(causeText({ ...f('/a', 'content'), cause: cause({}) }), 'caused by: no single variation (several together, or it shows only now and then)');
  assert.match(causeText({ ...f('/a', 'content'), cause: cause({ variations: ['build-path'], byElimination: true }) }) ?? '', /^caused by: build-path \(every one-variation build shows it/);
  assert.equal(causeText(f('/a', 'content')), undefined, 'no cause without --explain');

  const findings = [
    { ...f('/a', 'metadata'), cause: cause({ variations: ['umask'] }) },
    { ...f('/b', 'metadata'), cause: cause({ variations: ['umask'] }) },
    { ...f('/c', 'random-id'), cause: cause({ withoutVariation: true }) },
    { ...f('/d', 'build-env'), cause: cause({ variations: ['hostname'] }) },
  ];
  assert.deepEqual(summarise(findings, ['hostname', 'umask']), [
    { kind: 'variation', variation: 'hostname', findings: 1, paths: ['/d'] },
    { kind: 'variation', variation: 'umask', findings: 2, paths: ['/a', '/b'] },
    { kind: 'without-variation', findings: 1, paths: ['/c'] },
  ]);
});

test('explainFindings: a rebuild that fails counts for nothing and is said; the others still attribute', async () => {
  const { explainFindings } = await import('../../src/check/explain.js');
  const { planBuilds } = await import('../../src/check/variations.js');
  const { runCleanup } = await import('../../src/core/cleanup.js');
  const { Findings } = await import('../../src/core/findings.js');
  const ctx = { root: '/tmp/c', faketime: undefined };
  const setup = planBuilds(['umask', 'kernel'], 2, ctx).setups[0]!;
  const run = (label: string, digest: string) => ({ setup: { ...setup, label }, result: { out: `/x/${label}.tar`, manifestDigest: digest, layers: [], epoch: 0, epochSource: 'manifest' as const, durationMs: 1 } });
  const mode = f('/etc/x', 'metadata');
  const id = f('/etc/machine-id', 'random-id');
  const out = await explainFindings({
    control: run('A', 'sha256:a'),
    variations: ['umask', 'kernel'],
    ctx,
    findings: Findings.from([mode, id]),
    build: async (setups) => setups.map((s) => (s.label === 'A+kernel' ? new Error('phase "x" failed: kernel too old\nmore') : run(s.label, `sha256:${s.label}`))),
    compare: async (_a, b) => Findings.from(b.setup.label === 'A+umask' ? [mode, id] : [id]),
  });
  await runCleanup();
  const found = out.findings.toArray();
  assert.deepEqual(found.map((x) => x.cause?.variations), [['umask'], []]);
  assert.equal(found[1]?.cause?.withoutVariation, true);
  const kernel = out.explanation.builds.find((b) => b.label === 'A+kernel');
  assert.equal(kernel?.failed, 'phase "x" failed: kernel too old');
  assert.deepEqual(out.explanation.builds.map((b) => b.label), ['A+none', 'A+umask', 'A+kernel']);
});
