// The blob store: content by digest, shared and refcounted, spilled to digest-named files over budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStore } from '../../src/compare/blob-store.js';
import { sha256 } from '../../src/core/digest.js';

function body(...parts: string[]): Readable {
  return Readable.from(parts.map((p) => Buffer.from(p)));
}

test('put hashes the stream and keeps the bytes in memory under the budget', async () => {
  const store = new BlobStore(1024);
  const { digest, size } = await store.put(body('hello ', 'world'));
  assert.equal(digest, sha256('hello world'));
  assert.equal(size, 11);
  const c = store.get(digest);
  assert.equal(c?.kind, 'memory');
  assert.equal(c?.kind === 'memory' ? c.data.toString() : '', 'hello world');
  assert.equal(store.memoryInUse, 11);
  store.release(digest);
  assert.equal(store.get(digest), undefined);
  assert.equal(store.memoryInUse, 0);
  await store.close();
});

test('same content twice is stored once and freed with its last reference', async () => {
  const store = new BlobStore(1024);
  const a = await store.put(body('same'));
  const b = await store.put(body('sa', 'me'));
  assert.equal(a.digest, b.digest);
  assert.equal(store.memoryInUse, 4);
  store.release(a.digest);
  assert.ok(store.get(a.digest));
  store.release(a.digest);
  assert.equal(store.get(a.digest), undefined);
  await store.close();
});

test('over budget, content spills to a file named by its digest and memory stays bounded', async () => {
  const store = new BlobStore(100);
  const big = 'x'.repeat(60);
  const first = await store.put(body(big));
  const second = await store.put(body('y'.repeat(30), 'y'.repeat(30), 'y'.repeat(30)));
  assert.equal(store.get(first.digest)?.kind, 'memory');
  const spilled = store.get(second.digest);
  assert.equal(spilled?.kind, 'file');
  if (spilled?.kind !== 'file') return;
  assert.equal(basename(spilled.path), second.digest.slice('sha256:'.length));
  assert.equal(await readFile(spilled.path, 'utf8'), 'y'.repeat(90));
  assert.ok(store.stats.peakMemory <= 100 + 30, `peak ${store.stats.peakMemory}`);
  store.release(second.digest);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(existsSync(spilled.path), false);
  await store.close();
});
