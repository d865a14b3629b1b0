import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyText, classifyValue } from '../../src/classify/index.js';
import { ev } from '../helpers/evidence.js';

const none = { variations: [] };
// Bare numbers are times only near a clock of the comparison (src/classify/clocks.ts).
const clocked = { variations: [], clocks: [{ a: 1700000000, b: 1700259200, slack: 3600, source: 'build clocks' }] };
// Two builds hours apart (27 Nov 18:14 and 28 Nov 03:00): a time either wrote is placed by these clocks.
const around = { variations: [], clocks: [{ a: Date.UTC(2026, 10, 27, 18, 14, 19) / 1000, b: Date.UTC(2026, 10, 28, 3) / 1000, slack: 12 * 3600, source: 'build clocks' }] };

test('timestamps of every supported format are masked', () => {
  const pairs: [string, string, RegExp][] = [
    ['built 2026-11-27T18:14:19Z ok', 'built 2026-11-28T09:01:02Z ok', /ISO 8601 timestamp/],
    ['2026-11-27 18:14:19 install x', '2026-11-27 18:15:00 install x', /ISO 8601 timestamp/],
    ['Nov 27 18:14:19 host sshd', 'Nov 28 01:02:03 host sshd', /syslog date/],
    ['Date: Fri, 27 Nov 2026 18:14:19 +0000', 'Date: Sat, 28 Nov 2026 09:00:00 +0000', /RFC 2822 date/],
    ['Last-Modified: Fri, 27 Nov 2026 18:14:19 GMT', 'Last-Modified: Sat, 28 Nov 2026 09:00:00 GMT', /RFC 2822 date/],
    ['built on Fri Nov 27 18:14:19 UTC 2026', 'built on Sat Nov 28 09:00:00 UTC 2026', /ctime date/],
    ['compiled Nov 27 2026 at 18:14:19', 'compiled Nov 28 2026 at 09:00:00', /C __DATE__|time of day/],
    ['root:*:20419:0:99999:7:::\nbin:*:20419:0:99999:7:::\n', 'root:*:20420:0:99999:7:::\nbin:*:20420:0:99999:7:::\n', /day number/],
  ];
  for (const [a, b, kind] of pairs) {
    const c = classifyText(a, b, around);
    assert.equal(c.category, 'timestamp', a);
    assert.match(ev(c), kind, a);
  }
  // A bare number counts only near the clocks, both sides near the same clock pair.
  assert.equal(classifyText('SOURCE_DATE=1700000000', 'SOURCE_DATE=1700259200', clocked).category, 'timestamp');
  assert.equal(classifyText('SOURCE_DATE=1700000000', 'SOURCE_DATE=1700259200', none).category, 'content');
  assert.equal(classifyText('SOURCE_DATE=1700000000', 'SOURCE_DATE=1700000100', clocked).category, 'content');
});

test('a date that no clock places and no other time of the text moves with is content: a changed digit in a date', () => {
  // One date alone, nothing to place it: an expiry date edited, a flipped digit.
  assert.equal(classifyText('valid-until 2031-05-01\n', 'valid-until 2031-05-07\n', none).category, 'content');
  assert.equal(classifyText('built 2026-11-27T18:14:19Z ok\n', 'built 2026-11-27T18:14:59Z ok\n', none).category, 'content');
  // A log written a day later: every line moved by the same day, so the times explain each other.
  const log = (day: number, sec: number[]): string => sec.map((s, i) => `2026-11-${day} 10:00:${String(s).padStart(2, '0')} step ${i}\n`).join('');
  assert.equal(classifyText(log(27, [1, 5, 9]), log(28, [2, 5, 11]), none).category, 'timestamp');
  // The same log with one date's digit changed besides: that line moved by a month, the others by a day.
  const b = log(28, [2, 5, 11]).replace('2026-11-28 10:00:05', '2026-12-28 10:00:05');
  assert.equal(classifyText(log(27, [1, 5, 9]), b, none).category, 'content');
  // A clock of the comparison places a single time; near a clock, a local time under the other zone too.
  const clocked1 = { variations: [], clocks: [{ a: Date.UTC(2026, 10, 27, 18) / 1000, b: Date.UTC(2026, 10, 30, 18) / 1000, slack: 600, source: 'build clocks', local: { a: 0, b: 14 * 3600 } }] };
  assert.equal(classifyText('at 2026-11-27 18:03:00\n', 'at 2026-12-01 08:04:00\n', clocked1).category, 'timestamp');
  assert.equal(classifyText('at 2026-11-27 18:03:00\n', 'at 2026-12-01 18:04:00\n', clocked1).category, 'content');
});

test('a 10-digit number that is no plausible build time is content, not a timestamp', () => {
  assert.equal(classifyText('size=9999999999\n', 'size=9999999998\n', none).category, 'content');
  assert.equal(classifyText('n=123456789\n', 'n=123456780\n', none).category, 'content');
  // a 5-digit field that is not in shadow's third column, or not a plausible day, stays content
  assert.equal(classifyText('port=20419\n', 'port=20420\n', none).category, 'content');
  assert.equal(classifyText('u:*:00419:0\n', 'u:*:00420:0\n', none).category, 'content');
});

test('random ids: hex, UUID, base64, PEM and ssh keys', () => {
  const c1 = classifyText('5f0c2a9e8b7d4e1fa3c6b9d2e5f80714\n', '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e\n', none);
  assert.equal(c1.category, 'random-id');
  assert.equal(ev(c1), '32-hex token differs on line 1');
  const c2 = classifyText('id=123e4567-e89b-12d3-a456-426614174000', 'id=9b2f0c1e-5a4d-4c3b-8e7f-0a1b2c3d4e5f', none);
  assert.match(ev(c2), /UUID/);
  const c3 = classifyText('salt: Zx8Qm2Lp9Tr4Kv7Wn3Yb6Hc1', 'salt: Aq1Ws2Ed3Rf4Tg5Yh6Uj7Ik8', none);
  assert.equal(c3.category, 'random-id');
  assert.match(ev(c3), /base64 token/);
  const pem = (body: string): string => `x\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\ny\n`;
  const c4 = classifyText(pem('MIIBVAIBADANBgkq'), pem('hkiG9w0BAQEFAASC'), none);
  assert.match(ev(c4), /PEM PRIVATE KEY block differs on line 2/);
  const c5 = classifyText('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbcQ9fK2mZp7Lw0Rt root@h', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIXyzW3hJ8nVc1Bq5Ds root@h', none);
  assert.match(ev(c5), /ssh key/);
});

// `od -An -tx1` of 8 random bytes is 16 hex characters, all of them decimal digits with odds (10/16)^16,
// 1 in 1,845 a side. Such a run is a number (a size, a counter, a time in microseconds), not an id: the
// pair is content, whichever side has no letter. Fixtures that write random hex ids make them long enough
// (test/cli/check-containerfile.test.ts).
test('an all-decimal run is a number, not a hex id: a pair where either side has no letter is content', () => {
  assert.equal(classifyText('3f9a0c1be2d47a65', 'a1b2c3d4e5f60718', none).category, 'random-id');
  assert.deepEqual(classifyText('3f9a0c1be2d47a65', '8312907745102963', none), { category: 'content', facts: [{ at: 'line 1' }] });
  assert.equal(classifyText('8312907745102963', '3f9a0c1be2d47a65', none).category, 'content');
  assert.equal(classifyText('4839201746539201', '8312907745102963', none).category, 'content');
});

test('plain words and paths are not taken for base64 ids', () => {
  const c = classifyText('path /usr/lib/x86_64-linux-gnu/libfoo\n', 'path /usr/lib/aarch64-linux-gnu/libfoo\n', none);
  assert.equal(c.category, 'content');
});

test('build-env: each side masks its own variation values', () => {
  const ctx = { variations: [{ name: 'hostname', a: 'build-a', b: 'build-b' }, { name: 'build path', a: '/build/one', b: '/build/two' }] };
  const c = classifyText('host=build-a\nsrc=/build/one/src\n', 'host=build-b\nsrc=/build/two/src\n', ctx);
  assert.equal(c.category, 'build-env');
  assert.match(ev(c), /the hostname variation shows \(build-a vs build-b\)/);
  assert.equal(classifyText('host=build-a\n', 'host=build-c\n', ctx).category, 'content');
  // the same value on many lines is one fact, not one per line
  const many = classifyText('host=build-a\nhost=build-a\nhost=build-a\nsrc=/build/one\n', 'host=build-b\nhost=build-b\nhost=build-b\nsrc=/build/two\n', ctx);
  assert.deepEqual(many.facts.map((f) => ('variation' in f ? f.variation : '?')), ['hostname', 'build path']);
});

test('ordering: same multiset of lines', () => {
  const c = classifyText('a\nb\nc\n', 'c\na\nb\n', none);
  assert.equal(c.category, 'ordering');
  assert.equal(ev(c), 'same 3 lines in another order (3 moved)');
  assert.equal(classifyText('a\nb\nc\n', 'c\na\nd\n', none).category, 'content');
});

test('mixed causes: the commonest names the finding, the facts list them all', () => {
  const a = 'at 2026-11-27 18:14:19\nat 2026-11-27 18:14:20\nid 5f0c2a9e8b7d4e1fa3c6b9d2e5f80714\n';
  const b = 'at 2026-11-28 10:00:00\nat 2026-11-28 10:00:01\nid 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e\n';
  const c = classifyText(a, b, none);
  assert.equal(c.category, 'timestamp');
  assert.match(ev(c), /32-hex token differs on line 3/);
});

test('content: anything else, with the first differing line', () => {
  const c = classifyText('x\ny\n', 'x\nz\n', none);
  assert.equal(c.category, 'content');
  assert.equal(ev(c), 'differs from line 2');
});

test('classifyValue never says ordering', () => {
  assert.equal(classifyValue('a\nb', 'b\na', none).category, 'content');
});

test('only differing lines are masked, and evidence names their real line numbers', () => {
  const base = Array.from({ length: 1000 }, (_, i) => `entry ${i}`);
  const a = [...base];
  const b = [...base];
  a[499] = 'entry 499 at 2026-11-27 18:14:19';
  b[499] = 'entry 499 at 2026-11-28 07:00:00';
  const c = classifyText(a.join('\n') + '\n', b.join('\n') + '\n', around);
  assert.equal(c.category, 'timestamp');
  assert.match(ev(c), /differs on line 500 /);
  b[700] = 'changed';
  const d = classifyText(a.join('\n') + '\n', b.join('\n') + '\n', around);
  assert.equal(d.category, 'content');
  assert.equal(ev(d), 'differs from line 500');
});
