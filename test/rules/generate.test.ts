import { test } from 'node:test';
import assert from 'node:assert/strict';
import picomatch from 'picomatch';
import type { Finding, Report } from '../../src/core/finding.js';
import { generateRules, collapsePaths, escapeGlob } from '../../src/rules/generate.js';
import { parseRuleFile } from '../../src/rules/schema.js';

function report(findings: Finding[]): Report {
  return {
    schema: 'repro-report/1',
    identical: findings.length === 0,
    inputs: [{ path: 'a.oci.tar', kind: 'oci-archive' }, { path: 'b.oci.tar', kind: 'oci-archive' }],
    findings,
    tree: { name: '', children: [], findings: [] },
    ignored: [],
    warnings: [],
  };
}

const f = (path: string, category: Finding['category'], evidence: string, detail = ''): Finding => ({ path, category, evidence, detail, layer: 1 });

const ALL: Finding[] = [
  f('/usr/share/doc/README', 'mtime', 'mtime 1700000000 vs 1700000777'),
  f('/etc', 'mtime', 'mtime 1700000000 vs 1700000777'),
  f('/etc/shadow', 'metadata', 'mode 0640 vs 0600; uid 0 vs 42'),
  f('/etc/group', 'ordering', 'same 30 lines in another order (29 moved)'),
  f('/usr/bin/gunzip', 'ordering', 'hardlink pair stored the other way round: usr/bin/gunzip ↔ usr/bin/uncompress'),
  f('/etc/app.json', 'ordering', 'same JSON value, object keys in another order'),
  f('/var/log/dpkg.log', 'timestamp', 'ISO 8601 timestamp differs on line 1'),
  f('/etc/build-info', 'timestamp', 'timestamp differs', '-built 2024-01-01T10:00:00Z\n+built 2024-01-02T11:00:00Z'),
  f('/etc/machine-id', 'random-id', '32-hex token differs on line 1'),
  f('/etc/ssh/ssh_host_rsa_key', 'random-id', 'key differs'),
  f('/usr/share/doc/changelog.gz', 'compression-metadata', 'gzip header mtime 1700000000 vs 1700000777'),
  f('/usr/lib/app.jar', 'compression-metadata', 'zip entry timestamps differ (3 entries): a: DOS time'),
  f('', 'image-metadata', 'config.created 2023-11-14T22:13:20Z vs 2023-11-14T22:26:17Z'),
  f('', 'image-metadata', 'manifest.layers[0].digest sha256:aa vs sha256:bb'),
  f('/var/lib/extra-state', 'added', 'file only in B'),
  f('/etc/hostname', 'build-env', 'hostname differs', '--- a\n+++ b\n-builder-one\n+builder-two'),
  f('/var/cache/ld/aux-cache', 'binary', 'bytes differ from offset 0x3e8'),
  f('/etc/motd', 'content', 'content differs from line 2'),
];

test('each category maps to the rule the issue asks for; content and binary only commented out', () => {
  const text = generateRules(report(ALL));
  const rules = parseRuleFile(text, 'gen.yml');
  const summary = rules.map((r) => `${r.action}:${r.match.join(',')}${r.review ? ':review' : ''}`);
  assert.deepEqual(summary, [
    'clamp-mtime:/**',
    'set-mode:/etc/shadow',
    'set-owner:/etc/shadow',
    'sort-json-keys:/etc/app.json',
    'sort-lines:/etc/group',
    'regex-replace:/etc/build-info',
    'truncate:/var/log/dpkg.log',
    'delete:/etc/ssh/ssh_host_rsa_key',
    'truncate:/etc/machine-id',
    'gzip-normalize:/usr/share/doc/changelog.gz',
    'zip-normalize:/usr/lib/app.jar',
    'regex-replace:/etc/hostname:review',
    'image-timestamps:',
    'delete:/var/lib/extra-state:review',
  ]);
  const mode = rules.find((r) => r.action === 'set-mode');
  assert.ok(mode?.action === 'set-mode' && mode.mode === 0o640, 'the A side value');
  const owner = rules.find((r) => r.action === 'set-owner');
  assert.ok(owner?.action === 'set-owner' && owner.uid === 0 && owner.gid === undefined);
  const ts = rules.find((r) => r.action === 'regex-replace' && r.match[0] === '/etc/build-info');
  assert.ok(ts?.action === 'regex-replace' && ts.replacement === '1970-01-01T00:00:00Z');
  assert.ok(new RegExp(ts.pattern).test('built 2024-01-01T10:00:00Z'));
  // commented out: present in the text, applied only once uncommented
  assert.match(text, /^ {2}# - match: \/var\/cache\/ld\/aux-cache$/m);
  assert.match(text, /^ {2}# - match: \/etc\/motd$/m);
  assert.match(text, /^# {3}\/usr\/bin\/gunzip \[ordering\]: hardlink pair order/m);
  const accepted = parseRuleFile(text.replace(/^ {2}# /gm, '  '), 'accepted.yml');
  assert.deepEqual(accepted.slice(rules.length).map((r) => `${r.action}:${r.match.join(',')}:${r.reason?.category}`), [
    'delete:/var/cache/ld/aux-cache:binary',
    'delete:/etc/motd:content',
  ]);
  assert.ok(accepted.every((r) => r.reason && r.reason.evidence.length > 0), 'evidence kept as the reason');
});

test('the same report gives byte-identical text, whatever the finding order', () => {
  const one = generateRules(report(ALL));
  assert.equal(generateRules(report(ALL)), one);
  assert.equal(generateRules(report([...ALL].reverse())), one);
  assert.ok(!/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/.test(one), 'no generation time in the file');
});

test('mtime findings give one clamp over the whole tree (the paths that cross a second differ per run)', () => {
  const rules = parseRuleFile(generateRules(report([f('/opt/b', 'mtime', 'mtime 1 vs 3'), f('/etc/x', 'mtime', 'mtime 1 vs 2')])), 'm.yml');
  assert.equal(rules.length, 1);
  assert.equal(rules[0]?.action, 'clamp-mtime');
  assert.deepEqual(rules[0]?.match, ['/**']);
});

test('same-action findings merge into one rule; paths with glob characters are escaped', () => {
  const text = generateRules(report([
    f('/opt/a[1]/x', 'added', 'file only in B'),
    f('/opt/b', 'added', 'directory only in B'),
    f('/opt/c', 'added', 'file only in B'),
  ]));
  const rules = parseRuleFile(text, 'm.yml');
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0]?.match, ['/opt/a\\[1\\]/x', '/opt/b', '/opt/c']);
  assert.deepEqual(rules[0]?.reason?.evidence, ['file only in B', 'directory only in B']);
  assert.ok(picomatch(rules[0]?.match ?? [], { dot: true })('/opt/a[1]/x'));
  assert.ok(!picomatch(rules[0]?.match ?? [], { dot: true })('/opt/a1/x'));
  assert.equal(escapeGlob('/a*b?{c}'), '/a\\*b\\?\\{c\\}');
});

test('member order: zip-like files get zip-normalize, other nested archives and inner findings only a commented rule', () => {
  const text = generateRules(report([
    f('/usr/lib/app.jar', 'ordering', 'same 12 members in another order'),
    f('/opt/bundle.tar', 'ordering', 'same 3 members in another order'),
    { ...f('/var/cache/apt/x.deb', 'timestamp', 'ISO 8601 timestamp differs'), inner: 'data.tar.gz/usr/share/doc/x' },
    f('', 'ordering', 'same 40 members in another order'),
  ]));
  const active = parseRuleFile(text, 'g.yml');
  assert.deepEqual(active.map((r) => `${r.action}:${r.match.join(',')}`), ['zip-normalize:/usr/lib/app.jar']);
  assert.match(text, /^ {2}# - match: \/opt\/bundle\.tar$/m);
  assert.match(text, /^ {2}# - match: \/var\/cache\/apt\/x\.deb$/m);
  assert.match(text, /^# {3}\(image\) \[ordering\]: member order: the canonical writer sorts members by path$/m);
});

test('an empty report gives a valid empty rule file; many mtime paths fold into covering directory globs', () => {
  assert.deepEqual(parseRuleFile(generateRules(report([])), 'e.yml'), []);
  const paths = Array.from({ length: 200 }, (_, i) => `/usr/share/locale/l${i % 20}/LC_MESSAGES/m${i}.mo`).concat(['/etc/x', '/var/lib/y']);
  const globs = collapsePaths(paths);
  assert.ok(globs.length <= 24, `${globs.length} globs`);
  const isMatch = picomatch(globs, { dot: true });
  assert.ok(paths.every((p) => isMatch(p)), 'every path still covered');
  assert.ok(!isMatch('/home/user/file'), 'not the whole filesystem');
});
