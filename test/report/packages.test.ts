import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../src/core/finding.js';
import { Findings } from '../../src/core/findings.js';
import { attributeWith, ownerIndex } from '../../src/packages/dpkg.js';
import { categoriesText, packageLines, packageMarkdown, packagesOf } from '../../src/report/packages.js';

const finding = (path: string, category: Finding['category'], cause?: Finding['cause']): Finding => ({ path, category, code: 'legacy', facts: [], detail: '', ...(cause ? { cause } : {}) });

test('package view: each file category with its --explain cause; versions; identical packages; read back from JSON', () => {
  const owners = ownerIndex(new Map([['app', '/usr/bin/app\n'], ['calm', '/usr/bin/calm\n']]));
  const hostname = { variations: ['hostname'], withoutVariation: false, match: 'finding' as const };
  const clock = { variations: [], withoutVariation: true, match: 'finding' as const };
  const findings = [finding('/usr/bin/app', 'build-env', hostname), finding('/usr/bin/app', 'mtime', clock), finding('/etc/machine-id', 'random-id', clock)];
  const p = attributeWith(owners, Findings.from(findings), new Map([['app', '2.0-1']]));
  assert.equal(p.identical, 1);
  const app = p.packages[0]!;
  assert.equal(app.version, '2.0-1');
  assert.equal(categoriesText(app.files[0]!), 'build-env (caused by: hostname), mtime (differs with no variation: the time each build runs at)');
  assert.equal(categoriesText(p.unowned[0]!), 'random-id (differs with no variation: inherent randomness (random ids, keys))');
  const lines = packageLines(p).join('\n');
  assert.match(lines, /app 2\.0-1 → 1 file\n {4}\/usr\/bin\/app {2}build-env \(caused by: hostname\), mtime/);
  const md = packageMarkdown(p, (s) => s, (s) => '`' + s + '`').join('\n');
  assert.match(md, /\| app \| `2\.0-1` \| 1 \| build-env \(caused by: hostname\), mtime \(differs with no variation: the time each build runs at\) \|/);
  // what a JSON report holds reads back the same, and junk is dropped rather than trusted
  assert.deepEqual(packagesOf(JSON.parse(JSON.stringify(p))), p);
  assert.deepEqual(packagesOf({ packages: [{ files: 3 }, { name: 'x', files: [{ path: 1 }] }], unowned: 'no' }), { packages: [{ name: 'x', files: [] }], identical: 0, unowned: [], shared: [] });
});
