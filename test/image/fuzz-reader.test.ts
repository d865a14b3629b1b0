// Issue 8, fuzzing: mutated tars, gzips, zstd streams and OCI layouts, and random JSON documents, fed to
// openImage + readLayer. Properties: the only error is ReproError, every run ends quickly, and nothing is
// written outside the fuzz directory (the watched temp area and the cwd stay as they were).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { openImage, readLayer } from '../../src/image/index.js';
import { ReproError } from '../../src/core/errors.js';
import { mutate, mutation } from '../helpers/fuzz.js';
import { makeOciArchive, makeDockerArchive } from '../helpers/images.js';
import { Layout, layerOf, rawTar, zstdRaw, gnuLong, paxLong, MT } from '../helpers/images-extra.js';
import { inSandbox, listTree, sandbox } from '../helpers/hostile.js';
import type { AfterHook } from '../helpers/tmp.js';

const RUN_TIMEOUT_MS = 10_000;



/** How the consumer treats each body, in turn: read it all, sniff the first chunk, destroy it, leave it. */
type Policy = 0 | 1 | 2 | 3;

async function consume(body: NodeJS.ReadableStream & { destroy(): void }, policy: Policy): Promise<void> {
  if (policy === 0) {
    for await (const c of body) void c;
  } else if (policy === 1) {
    for await (const c of body) if (c) break;
  } else if (policy === 2) {
    body.destroy();
  }
}

/** Open and read every layer; anything but a ReproError fails the property, so does a hang. */
async function readAll(path: string, policies: Policy[] = [0]): Promise<void> {
  const work = (async () => {
    try {
      const image = await openImage(path);
      let n = 0;
      for (const layer of image.layers) {
        for await (const { body } of readLayer(image, layer, { maxBytes: 64 << 20 })) await consume(body, policies[n++ % policies.length] ?? 0);
      }
    } catch (err) {
      if (!(err instanceof ReproError)) throw new Error(`unexpected ${String((err as Error)?.stack ?? err)}`);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${path}: no result after ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `body` in a sandbox (its temp area and cwd watched); asserts both are untouched afterwards. */
/**
 * CPU ms (user + system, every thread of this process) since `c0`: bounded time is asserted as CPU time,
 * since wall time on the shared CI machine grows with its load while a loop burns CPU whatever the load.
 */
function cpuMsSince(c0: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(c0);
  return (cpu.user + cpu.system) / 1000;
}

async function watched(t: AfterHook, body: (dir: string) => Promise<void>): Promise<void> {
  const box = await sandbox(t, 'fuzz-reader-');
  await inSandbox(box, () => body(box.work));
  assert.deepEqual(await listTree(box.tmp), [], 'nothing was written in the temp area');
  assert.deepEqual(await listTree(box.cwd), [], 'nothing was written in the cwd');
}

const members = rawTar([
  { name: './etc/', flag: '5', mode: 0o40755 },
  { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\n' },
  ...gnuLong('usr/share/' + 'long/'.repeat(25) + 'gnu.txt', { body: 'g' }),
  ...paxLong('usr/share/' + 'pax/'.repeat(30) + 'pax.txt', { body: 'p' }, { 'SCHILY.xattr.user.a': 'b' }),
  { name: 'bin/sh', flag: '2', linkname: 'dash' },
  { name: 'bin/hard', flag: '1', linkname: 'etc/passwd' },
  { name: 'etc/.wh.old' },
  { name: 'opt/.wh..wh..opq' },
]);

test('mutated plain, gzip and zstd layer tarballs: only ReproError, bounded time', async (t) => {
  await watched(t, async (dir) => {
    const bases = [members, gzipSync(members), zstdRaw(members)];
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bases.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom<Policy>(0, 1, 2, 3), { minLength: 1, maxLength: 5 }),
        async (which, muts, policies) => {
          const file = join(dir, `in-${i++ % 4}`);
          await writeFile(file, mutate(bases[which]!, muts));
          await readAll(file, policies);
        },
      ),
      { numRuns: 300 },
    );
    const ms = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    t.diagnostic(`300 mutated layer tarballs in ${Math.round(ms)} ms (CPU ${Math.round(cpuMs)} ms)`);
    assert.ok(cpuMs < 60_000, `${cpuMs} ms of CPU (${ms} ms of wall time)`);
  });
});

test('mutated oci-archives and docker-archives: only ReproError, bounded time', async (t) => {
  await watched(t, async (dir) => {
    const spec = { layers: [[{ path: 'etc/a', content: 'a' }], [{ path: 'etc/.wh.a' }, { path: 'b', content: 'b' }]] };
    await makeOciArchive(join(dir, 'base.oci.tar'), spec);
    await makeDockerArchive(join(dir, 'base.docker.tar'), spec);
    const bases = [await readFile(join(dir, 'base.oci.tar')), await readFile(join(dir, 'base.docker.tar'))];
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom<Policy>(0, 1, 2, 3), { minLength: 1, maxLength: 3 }),
        async (which, muts, policies) => {
          const file = join(dir, 'mutated.tar');
          await writeFile(file, mutate(bases[which]!, muts));
          await readAll(file, policies);
        },
      ),
      { numRuns: 200 },
    );
    const ms = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    t.diagnostic(`200 mutated image archives in ${Math.round(ms)} ms (CPU ${Math.round(cpuMs)} ms)`);
    assert.ok(cpuMs < 60_000, `${cpuMs} ms of CPU (${ms} ms of wall time)`);
  });
});

test('random JSON as index.json, manifest and config of an OCI layout: only ReproError', async (t) => {
  await watched(t, async (dir) => {
    const layer = await layerOf([{ path: 'x', content: 'x' }]);
    // documents shaped like the real ones, with any field replaced by random JSON
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.record({ manifests: fc.array(fc.oneof(fc.jsonValue(), fc.record({ mediaType: fc.constantFrom(MT.manifest, MT.index, 'x'), digest: fc.oneof(fc.string(), fc.constant('sha256:' + 'a'.repeat(64))), size: fc.jsonValue() }))) }),
      fc.record({ config: fc.jsonValue(), layers: fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue())) }),
      fc.record({ rootfs: fc.oneof(fc.jsonValue(), fc.record({ diff_ids: fc.array(fc.oneof(fc.string(), fc.jsonValue())) })), history: fc.jsonValue(), created: fc.jsonValue() }),
    );
    let n = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 }), doc, async (slot, value) => {
        const lay = new Layout();
        const text = JSON.stringify(value) ?? 'null';
        if (slot === 0) lay.files.set('index.json', Buffer.from(text));
        else if (slot === 1) lay.index([lay.blob(text, MT.manifest)]);
        else {
          const cfg = lay.blob(text, MT.config);
          lay.index([lay.json({ schemaVersion: 2, config: cfg, layers: [lay.blob(layer.blob, layer.mediaType)] }, MT.manifest)]);
        }
        const out = join(dir, `layout-${n++}`);
        await lay.writeDir(out);
        await readAll(out);
        await rm(out, { recursive: true });
      }),
      { numRuns: 200 },
    );
    const cpuMs = cpuMsSince(c0);
    assert.ok(cpuMs < 60_000, `${cpuMs} ms of CPU (${performance.now() - t0} ms of wall time)`);
  });
});
