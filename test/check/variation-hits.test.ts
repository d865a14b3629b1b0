import { test } from 'node:test';
import assert from 'node:assert/strict';
import { variationFindings, variationsIn } from '../../src/check/variation-hits.js';
import type { Finding } from '../../src/core/finding.js';
import { ev } from '../helpers/evidence.js';

const host = { name: 'hostname', a: 'repro-a-host', b: 'repro-b-host' };
const tz = { name: 'timezone', a: 'UTC', b: 'Etc/GMT-14' };

const json: Finding = {
  path: '/usr/share/demo/build-info.json',
  layer: 1,
  category: 'timestamp',
  code: 'legacy', facts: [{ note: '$.built differs' }],
  detail: '--- a\n+++ b\n@@ -1 +1 @@\n-{"built": "2026-01-01", "host": "repro-a-host"}\n+{"built": "2026-01-04", "host": "repro-b-host"}',
};

test('variationsIn: A value on a removed line and B value on an added line; short values never count', () => {
  assert.deepEqual(variationsIn(json, [host, tz]).map((v) => v.name), ['hostname']);
  const swapped = { ...json, detail: '-repro-b-host\n+repro-a-host' };
  assert.deepEqual(variationsIn(swapped, [host]), [], 'values on the wrong sides are not this variation');
  const tzOnly = { ...json, detail: '-UTC\n+Etc/GMT-14' };
  assert.deepEqual(variationsIn(tzOnly, [tz]), []);
});

test('variationFindings: one build-env finding per path, none when one exists already', () => {
  const extra = variationFindings([json, { ...json, category: 'mtime', detail: 'mtime: 1 → 2' }], [host]);
  assert.equal(extra.length, 1);
  assert.equal(extra[0]?.category, 'build-env');
  assert.equal(extra[0]?.layer, 1);
  assert.match(ev(extra[0]) ?? '', /hostname variation/);
  const already = variationFindings([json, { ...json, category: 'build-env' }], [host]);
  assert.deepEqual(already, []);
});
