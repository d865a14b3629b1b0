// `npm run bench:scale`'s snapshot row (and the bounded-memory test) run this in a child: the builder's
// snapshot of a tree, its layer against an empty tree, written by the one writer; prints the layer digest.
//   node --import tsx bench/snapshot-child.ts TREE
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { diffSnapshots } from '../src/builder/layer-diff.js';
import { dropSnapshot, emptySnapshot, takeSnapshot } from '../src/builder/snapshot.js';
import { runCleanup } from '../src/core/cleanup.js';
import { tempDir } from '../src/core/temp.js';
import { writeNormalizedLayer } from '../src/rules/normalize-layer.js';

const root = process.argv[2];
if (!root) throw new Error('usage: snapshot-child.ts TREE');
try {
  const dir = await tempDir('snapshot-bench-');
  const snap = await takeSnapshot(root);
  const diff = diffSnapshots(emptySnapshot(root), snap);
  const { written, entries } = await writeNormalizedLayer(diff.items, undefined, { epoch: 0, layer: 0, compression: 'gzip', dir, spoolDir: dir, warn: () => undefined });
  await dropSnapshot(snap);
  await rm(join(dir, written.digest.slice(7)));
  process.stdout.write(`${written.diffId} ${entries}\n`);
} finally {
  await runCleanup();
}
