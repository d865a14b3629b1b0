import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, utimes, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeImage } from '../../src/rules/normalize-image.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { loadRules } from '../../src/rules/load.js';
import { parseRuleFile } from '../../src/rules/schema.js';
import { tempRoot } from '../../src/core/temp.js';
import { testDir } from '../helpers/tmp.js';

async function tree(root: string, mtime: number, machineId: string): Promise<void> {
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc', 'machine-id'), machineId);
  await writeFile(join(root, 'etc', 'os-release'), 'ID=test\n');
  for (const p of ['etc/machine-id', 'etc/os-release', 'etc']) await utimes(join(root, p), mtime, mtime);
}

test('two directories built at other times with other ids normalize to one digest (common + debian)', async (t) => {
  const d = await testDir(t, 'norm-dir-');
  await tree(join(d, 'one'), 1_700_000_000, '0123456789abcdef0123456789abcdef\n');
  await tree(join(d, 'two'), 1_800_000_000, 'fedcba9876543210fedcba9876543210\n');
  const rules = await loadRules(['common', 'debian']);
  const before = new Set(await readdir(tempRoot()));
  const a = await normalizeImage(join(d, 'one'), rules, { epoch: 1_600_000_000, format: 'oci', out: join(d, 'a.tar'), platform: 'linux/amd64' });
  const b = await normalizeImage(join(d, 'two'), rules, { epoch: 1_600_000_000, format: 'oci', out: join(d, 'b.tar'), platform: 'linux/amd64' });
  assert.equal(a.manifestDigest, b.manifestDigest);
  assert.deepEqual(new Set(await readdir(tempRoot())), before, 'no spool left in the temp area');
  const img = await openImage(join(d, 'a.tar'));
  assert.equal(img.config?.created, '2020-09-13T12:26:40Z');
  assert.equal(img.config?.architecture, 'amd64');
  const seen = new Map<string, number>();
  for await (const { entry } of readLayer(img, img.layers[0]!)) seen.set(entry.path, entry.size);
  assert.equal(seen.get('etc/machine-id'), 0, 'machine-id emptied by the debian set');
  assert.equal(seen.get('etc/os-release'), 8);
});

test('normalizing twice with the same rules is a fixed point, in every output format and compression', async (t) => {
  const d = await testDir(t, 'norm-fix-');
  await tree(join(d, 'root'), 1_700_000_000, 'x\n');
  const rules = { rules: parseRuleFile('version: 1\nrules:\n  - match: /**\n    action: clamp-mtime\n', 'r.yml'), files: ['r.yml'] };
  for (const [format, compression] of [['oci', 'gzip'], ['oci-dir', 'zstd'], ['docker', 'none']] as const) {
    const first = await normalizeImage(join(d, 'root'), rules, { epoch: 0, format, compression, out: join(d, `1-${format}`), platform: 'linux/amd64' });
    const second = await normalizeImage(join(d, `1-${format}`), rules, { epoch: 0, format, compression, out: join(d, `2-${format}`) });
    assert.equal(second.manifestDigest, first.manifestDigest, `${format}/${compression}`);
    assert.equal(second.layers[0]?.compression, compression);
  }
});
