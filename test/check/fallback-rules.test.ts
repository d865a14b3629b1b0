import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { clampAllRule, fallbackRules, persistenceKeys } from '../../src/check/fallback-rules.js';
import type { Finding } from '../../src/core/finding.js';

const f = (path: string, category: Finding['category'], inner?: string): Finding => ({ path, category, code: 'legacy', facts: [{ note: `${category} differs` }], detail: '', ...(inner ? { inner } : {}) });

interface RuleFile {
  rules: { match: string; action: string; review?: boolean; reason: { category: string; evidence: string[] } }[];
}

test('fallbackRules: only differences that survived a round, never content, binary, mtime or modes', () => {
  const round1 = [f('/a.gz', 'timestamp'), f('/b.json', 'build-env'), f('/c.bin', 'binary'), f('/d', 'mtime'), f('/e.jar', 'ordering', 'list.txt')];
  const round2 = [f('/a.gz', 'timestamp'), f('/b.json', 'build-env'), f('/c.bin', 'binary'), f('/d', 'mtime'), f('/e.jar', 'ordering', 'list.txt'), f('/new.log', 'timestamp'), f('/c.bin', 'timestamp')];
  const { text, paths } = fallbackRules(round2, persistenceKeys(round1));
  assert.deepEqual(paths, ['/a.gz', '/b.json', '/e.jar'], 'new findings get their generated rule first; a path with a binary difference is left to a person');
  const parsed = parse(text) as RuleFile;
  assert.ok(parsed.rules.every((r) => r.action === 'delete' && r.review === true));
  assert.equal(parsed.rules.find((r) => r.match === '/e.jar')?.reason.evidence[0], 'list.txt: ordering differs');
  assert.deepEqual(fallbackRules(round1, new Set()).paths, []);
});

test('clampAllRule: one clamp on every path once any mtime differed', () => {
  assert.equal(clampAllRule([f('/a', 'timestamp')]), undefined);
  const parsed = parse(clampAllRule([f('/a', 'mtime'), f('/b', 'mtime')]) ?? '') as RuleFile;
  assert.deepEqual(parsed.rules.map((r) => [r.match, r.action]), [['/**', 'clamp-mtime']]);
});
