import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../src/builder/manifest-schema.js';
import { ReproError } from '../../src/core/errors.js';
import { dirname, join } from 'node:path';

// a name only: parseManifest reads no file, it resolves relative paths against this one's directory
const FILE = '/projects/m/manifest.yml';

function errorOf(text: string): ReproError {
  let caught: unknown;
  try {
    parseManifest(text, FILE);
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof ReproError)) return assert.fail(`expected a validation error, got ${String(caught)}`);
  return caught;
}

test('a full manifest parses with defaults, octal modes and steps in manifest order', () => {
  const m = parseManifest(
    [
      'version: 1',
      'name: demo',
      'epoch: 1700000000',
      'base:',
      '  debootstrap: {suite: bookworm, include: [dbus, systemd]}',
      'phases:',
      '  - name: one',
      '    run: echo hi && echo there',
      '    files:',
      '      - {src: conf/a.conf, dest: /etc/a.conf, mode: 0640, owner: "0:0"}',
      '    apt: [curl]',
      '    env: {A: "1"}',
      'normalize: [rules.yml, debian]',
      'output: {format: docker, compression: zstd}',
    ].join('\n'),
    FILE,
  );
  assert.equal(m.name, 'demo');
  assert.equal(m.epoch, 1700000000);
  assert.deepEqual(m.base, { kind: 'debootstrap', suite: 'bookworm', variant: 'minbase', include: ['dbus', 'systemd'], components: ['main'], mirror: 'auto' });
  assert.deepEqual(m.phases[0]!.steps.map((s) => s.kind), ['run', 'files', 'apt', 'env']);
  const [run, files] = m.phases[0]!.steps;
  if (run?.kind !== 'run' || files?.kind !== 'files') return assert.fail('unexpected step kinds');
  assert.deepEqual(run.commands, ['echo hi && echo there']);
  assert.equal(files.files[0]!.mode, 0o640);
  assert.equal(files.files[0]!.src, '/projects/m/conf/a.conf');
  assert.deepEqual(m.normalize, ['/projects/m/rules.yml', 'debian']);
  assert.deepEqual(m.output, { format: 'docker', compression: 'zstd' });
});

test('scratch base in both spellings; output defaults to oci+gzip', () => {
  assert.deepEqual(parseManifest('name: a\nbase: scratch\n', FILE).base, { kind: 'scratch' });
  const m = parseManifest('name: a\nbase: {scratch: null}\n', FILE);
  assert.deepEqual(m.base, { kind: 'scratch' });
  assert.deepEqual(m.output, { format: 'oci', compression: 'gzip' });
});

test('errors name file:line of the offending node', () => {
  const e1 = errorOf('name: a\nbase: scratch\nphases:\n  - name: p\n    copy: [x]\n');
  assert.equal(e1.where, `${FILE}:5`);
  assert.match(e1.message, /unknown key "copy"/);

  const e2 = errorOf('name: a\nbase: scratch\nphases:\n  - name: p\n    files:\n      - {content: x, dest: /a, mode: rw}\n');
  assert.equal(e2.where, `${FILE}:6`);
  assert.match(e2.message, /octal mode/);

  const e3 = errorOf('name: a\nbase: scratch\nphases:\n  - name: p\n  - name: p\n');
  assert.equal(e3.where, `${FILE}:5`);
  assert.match(e3.message, /duplicate phase name/);

  const e4 = errorOf('name: a\nepoch: yesterday\nbase: scratch\n');
  assert.equal(e4.where, `${FILE}:2`);
});

test('base and builder exclude each other; one is required', () => {
  assert.match(errorOf('name: a\n').message, /exactly one of "base"/);
  assert.match(errorOf('name: a\nbase: scratch\nbuilder: {command: x}\n').message, /exactly one of "base"/);
  assert.match(errorOf('name: a\nbuilder: {command: x}\nphases: []\n').message, /not allowed with "builder"/);
  assert.deepEqual(parseManifest('name: a\nbuilder: {command: make image}\n', FILE).builder, { kind: 'command', command: 'make image', line: 2 });
});

test('builder.containerfile: paths against the manifest, context defaults to the Containerfile directory, args and target kept', () => {
  const dir = dirname(FILE);
  assert.deepEqual(parseManifest('name: a\nbuilder:\n  containerfile: img/Containerfile\n  args: {VERSION: 1.2, DEBUG: "0"}\n  target: final\n  timestamp: true\n', FILE).builder, {
    kind: 'containerfile',
    containerfile: join(dir, 'img/Containerfile'),
    context: join(dir, 'img'),
    args: { VERSION: '1.2', DEBUG: '0' },
    target: 'final',
    timestamp: true,
    line: 3,
  });
  const b = parseManifest('name: a\nbuilder: {containerfile: Containerfile, context: src}\n', FILE).builder;
  assert.equal(b?.kind === 'containerfile' && b.context, join(dir, 'src'));
  assert.match(errorOf('name: a\nbuilder: {command: x, containerfile: y}\n').message, /exactly one of "command" or "containerfile"/);
  assert.match(errorOf('name: a\nbuilder: {command: x, target: y}\n').message, /builder.target: only with "containerfile"/);
  assert.match(errorOf('name: a\nbuilder: {containerfile: y, timestamp: yes}\n').message, /builder.timestamp: expected true or false/);
  assert.match(errorOf('name: a\nbuilder: {containerfile: y, args: {1x: a}}\n').message, /not an argument name/);
  assert.equal(errorOf('name: a\nbuilder:\n  containerfile: y\n  args: [a]\n').where, `${FILE}:4`);
});

test('bad YAML, bad version, relative dest and unknown output format are rejected', () => {
  assert.match(errorOf('name: [a\n').message, /invalid YAML/);
  assert.match(errorOf('version: 2\nname: a\nbase: scratch\n').message, /schema version 1/);
  assert.match(errorOf('name: a\nbase: scratch\nphases:\n  - name: p\n    files: [{content: x, dest: etc/x}]\n').message, /absolute path/);
  assert.match(errorOf('name: a\nbase: scratch\noutput: {format: tgz}\n').message, /output.format/);
});

test('a phase may name the user its commands run as (NAME, NAME:GROUP or ids), nothing else', () => {
  const m = parseManifest(['version: 1', 'name: u', 'base: scratch', 'phases:', '  - name: one', '    user: builder:staff', '    run: make'].join('\n'), FILE);
  assert.deepEqual(m.phases[0]?.user, { spec: 'builder:staff', line: 6 });
  assert.equal(parseManifest(['version: 1', 'name: u', 'base: scratch', 'phases:', '  - name: one', '    run: make'].join('\n'), FILE).phases[0]?.user, undefined);
  assert.match(errorOf(['version: 1', 'name: u', 'base: scratch', 'phases:', '  - name: one', '    user: "a b"'].join('\n')).message, /user: expected NAME, NAME:GROUP or UID:GID/);
});
