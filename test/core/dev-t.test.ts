import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { devMajor, devMinor } from '../../src/core/dev-t.js';
import { testDir } from '../helpers/tmp.js';
import { requireRoot } from '../helpers/tools.js';

// glibc makedev: the low 8 bits of the minor, the low 12 of the major, then the high bits of each
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return (mi & 0xffn) | ((ma & 0xfffn) << 8n) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

test('major and minor numbers above 255 decode (a plain rdev/256 read the minor bits into the major)', () => {
  for (const [major, minor] of [[1, 3], [8, 0], [259, 0], [4095, 255], [4096, 256], [511, 1048575], [0xfffff, 0xfffff]] as const) {
    assert.deepEqual([devMajor(makedev(major, minor)), devMinor(makedev(major, minor))], [major, minor], `${major}:${minor}`);
    assert.deepEqual([devMajor(Number(makedev(major, minor))), devMinor(Number(makedev(major, minor)))], [major, minor], `${major}:${minor} as a number`);
  }
});

test('a device node made by mknod reads back with its numbers', { skip: requireRoot('mknod') }, async (t) => {
  const dir = await testDir(t, 'repro-devt-');
  const node = join(dir, 'node');
  execFileSync('mknod', [node, 'c', '300', '70000']);
  const st = lstatSync(node, { bigint: true });
  assert.deepEqual([devMajor(st.rdev), devMinor(st.rdev)], [300, 70000]);
  assert.deepEqual([devMajor(Number(st.rdev)), devMinor(Number(st.rdev))], [300, 70000]);
});
