// Issue 13, lossless half: what normalize writes keeps every metadata byte of what it read, a diff sees a
// changed xattr byte, and an output never destroys data that is not an image. Outputs are read back with
// Python's tarfile, not with our reader, so one bug cannot hide another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { paxBytes, rawTar } from '../helpers/images-extra.js';
import { ociDirLayers, pythonTarMembers } from '../helpers/tar-readers.js';
import { requireTool, requireTools } from '../helpers/tools.js';
import { spawnSync } from 'node:child_process';

/** `setcap cap_setuid,cap_net_raw+ep`: vfs_cap_data revision 2, effective, permitted bits 7 and 13. */
const CAP = Buffer.from('0100000280200000000000000000000000000000', 'hex');
/** The same value decoded as UTF-8 and encoded again: 0x80 became EF BF BD, 22 bytes the kernel rejects. */
const MANGLED = Buffer.from(CAP.toString('utf8'), 'utf8');

function capTar(value: Buffer): Buffer {
  return rawTar([
    { name: 'PaxHeaders/ping', flag: 'x', body: paxBytes([['SCHILY.xattr.security.capability', value]]) },
    { name: 'usr/bin/ping', mode: 0o755, body: 'ELF' },
  ]);
}

async function noRules(dir: string): Promise<string> {
  const file = join(dir, 'none.yml');
  await writeFile(file, 'version: 1\nrules: []\n');
  return file;
}

test('a file capability survives normalize byte for byte (20 bytes stay 20, read back by Python tarfile)', { skip: requireTool('python3', 'python3') }, async (t) => {
  assert.equal(CAP.length, 20);
  assert.equal(MANGLED.length, 22);
  const d = await testDir(t, 'lossless-cap-');
  await writeFile(join(d, 'in.tar'), capTar(CAP));
  const out = join(d, 'out');
  const r = await runRepro(['normalize', join(d, 'in.tar'), '--rules', await noRules(d), '--format', 'oci-dir', '--compression', 'none', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const [layer] = await ociDirLayers(out);
  const members = await pythonTarMembers(layer ?? '');
  const ping = members.find((m) => Buffer.from(m.name, 'hex').toString() === 'usr/bin/ping');
  assert.equal(ping?.pax['SCHILY.xattr.security.capability'], CAP.toString('hex'));
  // and repro itself sees no entry difference between the input and its output
  const same = await runRepro(['diff', join(d, 'in.tar'), out]);
  assert.doesNotMatch(same.stdout, /xattr|usr\/bin\/ping/, same.stdout);
});

test('diff of a capability and its UTF-8-mangled copy names the xattr and shows both values in hex', async (t) => {
  const d = await testDir(t, 'lossless-capdiff-');
  await writeFile(join(d, 'a.tar'), capTar(CAP));
  await writeFile(join(d, 'b.tar'), capTar(MANGLED));
  const r = await runRepro(['diff', join(d, 'a.tar'), join(d, 'b.tar'), '--json', join(d, 'r.json')]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /xattr security\.capability/);
  const report = await readFile(join(d, 'r.json'), 'utf8');
  assert.ok(report.includes(`0x${CAP.toString('hex')}`), 'the input value in hex');
  assert.ok(report.includes(`0x${MANGLED.toString('hex')}`), 'the mangled value in hex');
  const finding = (JSON.parse(report) as { findings: { path: string; category: string; evidence: string }[] }).findings
    .find((f) => f.evidence.includes('xattr security.capability'));
  assert.equal(finding?.category, 'metadata');
});

test('-o DIR --format oci-dir refuses a non-empty directory that is not an OCI layout, and keeps its files', async (t) => {
  const d = await testDir(t, 'lossless-out-');
  await writeFile(join(d, 'in.tar'), capTar(CAP));
  const mywork = join(d, 'mywork');
  await mkdir(mywork);
  await writeFile(join(mywork, 'notes.txt'), 'mine\n');
  const r = await runRepro(['normalize', join(d, 'in.tar'), '--rules', await noRules(d), '--format', 'oci-dir', '-o', mywork]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /mywork.*not an OCI layout/);
  assert.equal(await readFile(join(mywork, 'notes.txt'), 'utf8'), 'mine\n');
  // an earlier output (an OCI layout) is replaced as before
  const layout = join(d, 'layout');
  assert.equal((await runRepro(['normalize', join(d, 'in.tar'), '--rules', await noRules(d), '--format', 'oci-dir', '-o', layout])).code, 0);
  const again = await runRepro(['normalize', join(d, 'in.tar'), '--rules', await noRules(d), '--format', 'oci-dir', '-o', layout]);
  assert.equal(again.code, 0, again.stderr);
});

test('a directory input keeps its xattrs (getfattr) and its Latin-1 names through normalize', { skip: requireTools(['python3', 'python3'], ['setfattr', 'attr']) }, async (t) => {
  const d = await testDir(t, 'lossless-dir-');
  const root = join(d, 'root');
  await mkdir(join(root, 'usr', 'bin'), { recursive: true });
  await writeFile(join(root, 'usr', 'bin', 'ping'), 'ELF');
  const latin1 = Buffer.from(`${root}/caf\xe9`, 'latin1');
  await writeFile(latin1, 'x');
  const set = spawnSync('setfattr', ['-n', 'security.capability', '-v', `0x${CAP.toString('hex')}`, join(root, 'usr', 'bin', 'ping')]);
  // argv strings are UTF-8: the shell makes the Latin-1 name from an octal escape
  const setUser = spawnSync('sh', ['-c', 'setfattr -n user.bytes -v 0x0080ff00 "$(printf \'caf\\351\')"'], { cwd: root });
  if (set.status !== 0 || setUser.status !== 0) {
    t.skip(`the temp file system takes no xattrs here: ${set.stderr.toString().trim()} ${setUser.stderr.toString().trim()}`);
    return;
  }
  const out = join(d, 'out');
  const r = await runRepro(['normalize', root, '--rules', await noRules(d), '--format', 'oci-dir', '--compression', 'none', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const [layer] = await ociDirLayers(out);
  const members = await pythonTarMembers(layer ?? '');
  const byName = new Map(members.map((m) => [m.name, m]));
  assert.equal(byName.get(Buffer.from('usr/bin/ping').toString('hex'))?.pax['SCHILY.xattr.security.capability'], CAP.toString('hex'));
  const cafe = byName.get(Buffer.from('caf\xe9', 'latin1').toString('hex'));
  assert.ok(cafe, `the Latin-1 name as bytes, among ${members.map((m) => Buffer.from(m.name, 'hex').toString('latin1')).join(', ')}`);
  assert.equal(cafe.pax['SCHILY.xattr.user.bytes'], '0080ff00');
});
