// Issue 13 reproduction 7: a zstd member inside an image is decoded by the same guarded decoder as layers.
// Two 10-byte frames that each declare a 1 GiB window took 2.1 GB of memory when nested members were
// decoded by fzstd alone; now the frames are refused before any window is allocated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawTar } from '../../helpers/images-extra.js';
import { runMeasured } from '../../helpers/hostile.js';
import { testDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { GuardedZstd } from '../../../src/image/decompress.js';
import { compareInputs } from '../../../src/compare/engine.js';

/** magic, frame header descriptor 0 (window descriptor follows), window log 30, one last RLE block of 1000. */
function hugeWindowFrame(byte: number): Buffer {
  const block = (1 | (1 << 1) | (1000 << 3)) >>> 0;
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (30 - 10) << 3, block & 0xff, (block >> 8) & 0xff, (block >> 16) & 0xff, byte]);
}

test('the guarded decoder refuses a frame declaring a 1 GiB window before decoding it', () => {
  const frame = hugeWindowFrame(0x41);
  assert.equal(frame.length, 10);
  let out = 0;
  const d = new GuardedZstd((c) => void (out += c.length));
  assert.throws(() => d.push(frame), /window/);
  assert.equal(out, 0);
});

/**
 * A refused frame (window log 30) whose window descriptor and RLE block header read, as a 32-bit LE field
 * at offset 4, as 1_700_000_000 — the member's mtime in rawTar — with descriptor 0xf1; 0xf0 on the other side
 * is one flipped bit (windowLog 30 either way), the field moving by 256 seconds.
 */
function refusedFrameOnTheClock(windowDescriptor: number): Buffer {
  const block = (1 | (1 << 1) | (3242 << 3)) >>> 0;
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor, block & 0xff, (block >> 8) & 0xff, (block >> 16) & 0xff, 0x41]);
}

test('a refused .zst member compared as bytes: neither the fixture nor one flipped bit on the mtime clock is a timestamp', async (t) => {
  const d = await testDir(t, 'zstd-window-');
  assert.equal(refusedFrameOnTheClock(0xf1).readUInt32LE(4), 1_700_000_000);
  const pairs = {
    fixture: [Buffer.concat([hugeWindowFrame(0x41), hugeWindowFrame(0x41)]), Buffer.concat([hugeWindowFrame(0x42), hugeWindowFrame(0x42)])],
    'one bit on the clock': [refusedFrameOnTheClock(0xf1), refusedFrameOnTheClock(0xf0)],
  };
  for (const [name, [a, b]] of Object.entries(pairs)) {
    await writeFile(join(d, 'a.tar'), rawTar([{ name: 'usr/share/data.zst', body: a! }]));
    await writeFile(join(d, 'b.tar'), rawTar([{ name: 'usr/share/data.zst', body: b! }]));
    const r = await compareInputs(join(d, 'a.tar'), join(d, 'b.tar'));
    assert.deepEqual(r.findings.toArray().map((f) => [f.path, f.category, f.warning?.match(/^zstd comparator failed \(.*window/) !== null]), [['/usr/share/data.zst', 'binary', true]], name);
  }
});

test('diff of images holding a .zst member of two 1 GiB-window frames stays small', { skip: requireTool('time', 'time') }, async (t) => {
  const d = await testDir(t, 'zstd-window-');
  for (const [side, byte] of [['a', 0x41], ['b', 0x42]] as const) {
    const member = Buffer.concat([hugeWindowFrame(byte), hugeWindowFrame(byte)]);
    await writeFile(join(d, `${side}.tar`), rawTar([{ name: 'usr/share/data.zst', body: member }]));
  }
  const r = await runMeasured(['diff', join(d, 'a.tar'), join(d, 'b.tar'), '--json', '-']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.rssMiB < 600, `peak RSS ${r.rssMiB.toFixed(0)} MiB`);
  assert.match(r.stdout, /usr\/share\/data\.zst/);
  t.diagnostic(`peak RSS ${r.rssMiB.toFixed(0)} MiB, ${r.ms.toFixed(0)} ms`);
});
