// The builder's snapshot of a tree and its layer against an empty tree, written by the one writer: the
// bounded-memory test runs it in a child with a capped heap, `npm run bench:scale` under /usr/bin/time.
//   node --import tsx test/helpers/snapshot-layer.ts TREE   → prints "<diff_id> <entries>"
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { diffSnapshots } from '../../src/builder/layer-diff.js';
import { dropSnapshot, emptySnapshot, takeSnapshot } from '../../src/builder/snapshot.js';
import { runCleanup } from '../../src/core/cleanup.js';
import { tempDir } from '../../src/core/temp.js';
import { writeNormalizedLayer } from '../../src/rules/normalize-layer.js';

/** The base layer a build would write for `root`: its diff_id and entry count. */
export async function snapshotLayer(root: string): Promise<{ diffId: string; entries: number }> {
  const dir = await tempDir('snapshot-layer-');
  const snap = await takeSnapshot(root);
  try {
    const diff = diffSnapshots(emptySnapshot(root), snap);
    const { written, entries } = await writeNormalizedLayer(diff.items, undefined, { epoch: 0, layer: 0, compression: 'gzip', dir, spoolDir: dir, warn: () => undefined });
    return { diffId: written.diffId, entries };
  } finally {
    await dropSnapshot(snap);
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2];
  if (!root) throw new Error('usage: snapshot-layer.ts TREE');
  try {
    const { diffId, entries } = await snapshotLayer(root);
    process.stdout.write(`${diffId} ${entries}\n`);
  } finally {
    await runCleanup();
  }
}
