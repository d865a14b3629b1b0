// set-xattr and remove-xattr: the schema, the actions, and a rule generated from an xattr finding that
// makes B carry A's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entryFrom } from '../../src/core/entry.js';
import { applyRulesToLayer } from '../helpers/layer-rules.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import type { RuleSet } from '../../src/rules/types.js';
import { runRepro } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { paxBytes, rawTar } from '../helpers/images-extra.js';

const CAP = '0x0100000280200000000000000000000000000000';

function rules(yaml: string): RuleSet {
  return { rules: parseRuleFile(`version: 1\nrules:\n${yaml}`, 'test.yml'), files: ['test.yml'] };
}

test('set-xattr takes hex bytes or UTF-8 text; remove-xattr takes a name or a glob', async () => {
  const set = rules(`  - match: /usr/bin/ping
    action: set-xattr
    name: security.capability
    value: '${CAP}'
  - match: /usr/bin/ping
    action: set-xattr
    name: user.note
    text: "café"
  - match: /**
    action: remove-xattr
    name: trusted.*
`);
  const entry = entryFrom({ path: 'usr/bin/ping', type: 'file', size: 1, xattrs: { 'trusted.a': Buffer.of(1), 'trusted.b': Buffer.of(2), 'user.keep': Buffer.of(0x80) } });
  const [out] = await applyRulesToLayer([{ entry, content: () => Readable.from([Buffer.from('x')]) }], set, { epoch: 0, layer: 0 });
  assert.deepEqual(out?.entry.xattrs, {
    'security.capability': Buffer.from(CAP.slice(2), 'hex'),
    'user.note': Buffer.from('café'),
    'user.keep': Buffer.of(0x80),
  });
});

test('bad set-xattr and remove-xattr rules fail with the field named', () => {
  const cases: [string, RegExp][] = [
    [`    action: set-xattr\n    name: security.capability\n    value: '0x123'`, /value: "0x123" is not hex bytes/],
    [`    action: set-xattr\n    name: security.capability`, /needs value .* or text/],
    [`    action: set-xattr\n    name: security.capability\n    value: '0x00'\n    text: a`, /not both/],
    [`    action: set-xattr\n    name: capability\n    value: '0x00'`, /"capability" is not an xattr name/],
    [`    action: set-xattr\n    name: user.*\n    value: '0x00'`, /one name, not a glob/],
    [`    action: remove-xattr`, /name: missing/],
  ];
  for (const [body, re] of cases) {
    assert.throws(() => rules(`  - match: /x\n${body}\n`), (err: Error) => re.test(err.message), body);
  }
});

test('diff → rules → normalize: a generated set-xattr gives B the capability A has', async (t) => {
  const d = await testDir(t, 'xattr-rules-');
  const cap = Buffer.from(CAP.slice(2), 'hex');
  const image = (value?: Buffer): Buffer => rawTar([
    ...(value ? [{ name: 'PaxHeaders/ping', flag: 'x', body: paxBytes([['SCHILY.xattr.security.capability', value]]) }] : []),
    { name: 'usr/bin/ping', mode: 0o755, body: 'ELF' },
  ]);
  // rootfs tarballs: their findings say /usr/bin/ping as an image's do, so the generated rule matches
  for (const [side, value] of [['a', cap], ['b', undefined]] as const) await writeFile(join(d, `${side}.in.tar`), image(value));
  const before = await runRepro(['diff', join(d, 'a.in.tar'), join(d, 'b.in.tar'), '--json', join(d, 'r.json'), '-q']);
  assert.equal(before.code, 1, before.stderr);
  const gen = await runRepro(['rules', join(d, 'r.json'), '-o', join(d, 'rules.yml')]);
  assert.equal(gen.code, 0, gen.stderr);
  const text = await readFile(join(d, 'rules.yml'), 'utf8');
  assert.match(text, /action: set-xattr\n\s+name: "security\.capability"\n\s+value: "0x0100000280200000000000000000000000000000"/);
  for (const side of ['a', 'b']) {
    const r = await runRepro(['normalize', join(d, `${side}.in.tar`), '--rules', join(d, 'rules.yml'), '-o', join(d, `${side}.oci.tar`)]);
    assert.equal(r.code, 0, r.stderr);
  }
  const after = await runRepro(['diff', join(d, 'a.oci.tar'), join(d, 'b.oci.tar')]);
  assert.equal(after.code, 0, after.stdout);
});
