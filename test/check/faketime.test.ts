// The time variation must not leave libfaketime's semaphore and shared memory behind in /dev/shm (one pair
// per build command piled up to thousands; a stale pair for a reused pid makes libfaketime fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { findLibfaketime, stageFaketime } from '../../src/check/faketime.js';
import { runCleanup } from '../../src/core/cleanup.js';

const installed = (await findLibfaketime()) !== undefined;

test('a wrapped command sees the moved clock and leaves nothing in /dev/shm', { skip: !installed && 'needs libfaketime: apt-get install faketime (or run scripts/install-system-deps.sh)' }, async () => {
  const staged = await stageFaketime();
  assert.ok(staged);
  try {
    const pairs = (): string[] => readdirSync('/dev/shm').filter((n) => n.includes('faketime_s'));
    const before = new Set(pairs());
    // shells leave through _exit and exec their last command: the cases that leaked
    const [cmd, ...args] = [...staged.wrap('+3650d'), 'sh', '-c', 'sh -c "date +%Y"; exec date +%Y'];
    const r = spawnSync(cmd as string, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const years = r.stdout.trim().split('\n').map(Number);
    assert.equal(years.length, 2);
    for (const y of years) assert.ok(y >= new Date().getFullYear() + 9, `the clock moved ten years ahead (${y})`);
    assert.doesNotMatch(r.stderr, /cannot be preloaded/);
    assert.ok(r.pid !== undefined && !existsSync(`/dev/shm/faketime_shm_${r.pid}`));
    const left = pairs().filter((n) => !before.has(n));
    assert.deepEqual(left, [], 'no semaphore or shared memory left behind');
  } finally {
    await runCleanup();
  }
});
