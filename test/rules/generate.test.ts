import { test } from 'node:test';
import assert from 'node:assert/strict';
import picomatch from 'picomatch';
import type { Fact, Finding, FindingCode, Report } from '../../src/core/finding.js';
import { generateRules, collapsePaths, escapeGlob } from '../../src/rules/generate.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import { Findings } from '../../src/core/findings.js';

function report(findings: Finding[]): Report {
  return {
    schema: 'repro-report/2',
    identical: findings.length === 0,
    inputs: [{ path: 'a.oci.tar', kind: 'oci-archive' }, { path: 'b.oci.tar', kind: 'oci-archive' }],
    findings: Findings.from(findings),
    ignored: [],
    warnings: [],
  };
}

const f = (path: string, category: Finding['category'], code: FindingCode, facts: Fact[], detail = ''): Finding => ({ path, category, code, facts, detail, layer: 1 });
const mtime = (path: string): Finding => f(path, 'mtime', 'entry-fields', [{ field: 'mtime', a: '1700000000', b: '1700000777' }]);
const only = (path: string, what: string): Finding => f(path, 'added', 'only-in', [{ only: 'b', what }]);

const ALL: Finding[] = [
  mtime('/usr/share/doc/README'),
  mtime('/etc'),
  f('/etc/shadow', 'metadata', 'entry-fields', [{ field: 'mode', a: '0640', b: '0600' }, { field: 'uid', a: '0', b: '42' }]),
  f('/etc/group', 'ordering', 'text', [{ order: 'lines', count: 30, moved: 29 }]),
  f('/usr/bin/gunzip', 'ordering', 'hardlink-order', [{ order: 'hardlink pair /usr/bin/gunzip ↔ /usr/bin/uncompress', count: 2 }]),
  f('/etc/app.json', 'ordering', 'json-order', [{ order: 'JSON object keys', count: 3 }]),
  f('/var/log/dpkg.log', 'timestamp', 'text', [{ token: 'ISO 8601 timestamp', line: 1, a: '2024-01-01 10:00:00', b: '2024-01-01 10:00:01' }]),
  f('/etc/build-info', 'timestamp', 'text', [{ token: 'ISO 8601 timestamp', line: 1, a: '2024-01-01T10:00:00Z', b: '2024-01-02T11:00:00Z' }]),
  f('/etc/machine-id', 'random-id', 'text', [{ token: '32-hex token', line: 1, a: 'a'.repeat(32), b: 'b'.repeat(32) }]),
  f('/etc/ssh/ssh_host_rsa_key', 'random-id', 'text', [{ token: 'PEM OPENSSH PRIVATE KEY block', line: 1, a: 'x', b: 'y' }]),
  f('/usr/share/doc/changelog.gz', 'compression-metadata', 'gzip-header', [{ field: 'mtime', a: '1700000000', b: '1700000777' }]),
  f('/usr/lib/app.jar', 'compression-metadata', 'zip-metadata', [{ note: 'a: DOS time 1 vs 2' }]),
  f('', 'image-metadata', 'image-field', [{ field: 'config.created', a: '2023-11-14T22:13:20Z', b: '2023-11-14T22:26:17Z' }]),
  f('', 'image-metadata', 'image-field', [{ field: 'manifest.layers[0].digest', a: 'sha256:aa', b: 'sha256:bb' }]),
  only('/var/lib/extra-state', 'file'),
  f('/etc/hostname', 'build-env', 'text', [{ variation: 'hostname', a: 'builder-one', b: 'builder-two' }], '--- a\n+++ b\n-builder-one\n+builder-two'),
  f('/var/cache/ld/aux-cache', 'binary', 'bytes', [{ at: 'offset 0x3e8' }]),
  f('/etc/motd', 'content', 'text', [{ at: 'line 2' }]),
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
    'regex-replace:/etc/hostname',
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
  const rules = parseRuleFile(generateRules(report([mtime('/opt/b'), mtime('/etc/x')])), 'm.yml');
  assert.equal(rules.length, 1);
  assert.equal(rules[0]?.action, 'clamp-mtime');
  assert.deepEqual(rules[0]?.match, ['/**']);
});

test('same-action findings merge into one rule; paths with glob characters are escaped', () => {
  const text = generateRules(report([
    only('/opt/a[1]/x', 'file'),
    only('/opt/b', 'directory'),
    only('/opt/c', 'file'),
  ]));
  const rules = parseRuleFile(text, 'm.yml');
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0]?.match, ['/opt/a\\[1\\]/x', '/opt/b', '/opt/c']);
  assert.deepEqual(rules[0]?.reason?.evidence, ['file only in b', 'directory only in b']);
  assert.ok(picomatch(rules[0]?.match ?? [], { dot: true })('/opt/a[1]/x'));
  assert.ok(!picomatch(rules[0]?.match ?? [], { dot: true })('/opt/a1/x'));
  assert.equal(escapeGlob('/a*b?{c}'), '/a\\*b\\?\\{c\\}');
});

test('member order: zip-like files get zip-normalize, other nested archives and inner findings only a commented rule', () => {
  const text = generateRules(report([
    f('/usr/lib/app.jar', 'ordering', 'member-order', [{ order: 'members', count: 12 }]),
    f('/opt/bundle.tar', 'ordering', 'member-order', [{ order: 'members', count: 3 }]),
    { ...f('/var/cache/apt/x.deb', 'timestamp', 'text', [{ token: 'ISO 8601 timestamp', line: 1, a: '2024-01-01', b: '2024-01-02' }]), inner: 'data.tar.gz/usr/share/doc/x' },
    f('', 'ordering', 'member-order', [{ order: 'members', count: 40 }]),
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
