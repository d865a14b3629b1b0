import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onCleanup, runCleanup } from '../../src/core/cleanup.js';

test('a failed undo is reported, not swallowed, and the undos after it still run', async () => {
  const ran: string[] = [];
  onCleanup(() => void ran.push('temp dir'));
  onCleanup(() => {
    throw new Error('umount: target is busy');
  });
  onCleanup(() => void ran.push('partial output'));
  const failed: unknown[] = [];
  await runCleanup((err) => failed.push(err));
  assert.deepEqual(ran, ['partial output', 'temp dir']);
  assert.equal(failed.length, 1);
  assert.match(String(failed[0]), /target is busy/);
  await runCleanup((err) => failed.push(err));
  assert.equal(failed.length, 1, 'each undo runs once');
});
