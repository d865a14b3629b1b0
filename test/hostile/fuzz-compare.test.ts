// Issue 8, item 5: property-based fuzzing of the comparison side (the reader has its own, in
// test/image/fuzz-reader.test.ts). Mutated tars, gzips, zips, ar/.deb files, zstd frames and JSON go through
// compareContent (which must never throw: a comparator that chokes degrades to bytes, with a warning) and
// pairs of mutated rootfs tars, mutated OCI archives and random directory trees (hostile links included) through compareInputs
// (which may refuse an unreadable input only with a ReproError). Every run has a time budget, and nothing
// may be written outside REPRO_TMPDIR (the cwd is watched too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compareContent } from '../../src/compare/content.js';
import { compareInputs } from '../../src/compare/engine.js';
import { ReproError } from '../../src/core/errors.js';
import { mutate, mutation } from '../helpers/fuzz.js';
import { CATEGORIES } from '../../src/core/finding.js';
import { arOf, blobs, ctxWith, tarOf, zipOf, gzip } from '../helpers/fixtures-content.js';
import { zstdRaw } from '../helpers/images-extra.js';
import { listTree } from '../helpers/hostile.js';
import { makeOciArchive } from '../helpers/images.js';
import { fileDir } from '../helpers/tmp.js';

const RUN_BUDGET_MS = 8000;
/** Small limits: a mutated length field must not make one run decompress gigabytes. */
const LIMITS = { maxMemberBytes: 8 << 20, maxTotalBytes: 64 << 20 };

let root = '';
let cwd = '';
let savedCwd = '';
let savedTmp: string | undefined;
let before0: string[] = [];

before(async () => {
  root = await fileDir('hostile-fuzz-'); // shared by every test of the file: removed when it exits
  cwd = join(root, 'cwd');
  await mkdir(cwd);
  await mkdir(join(root, 'tmp'));
  await mkdir(join(root, 'inputs'));
  savedTmp = process.env.REPRO_TMPDIR;
  process.env.REPRO_TMPDIR = join(root, 'tmp');
  savedCwd = process.cwd();
  process.chdir(cwd); // a member written under its own relative name would land here
  before0 = await listTree(root);
});

after(async () => {
  process.chdir(savedCwd);
  if (savedTmp === undefined) delete process.env.REPRO_TMPDIR;
  else process.env.REPRO_TMPDIR = savedTmp;
});

const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });


async function withBudget<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: over the ${RUN_BUDGET_MS} ms budget`)), RUN_BUDGET_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Seeds: one of each container the comparators open, with nested members so mutations reach recursion. */
async function seeds(): Promise<Record<string, Buffer>> {
  const inner = await tarOf([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: 'ID=debian\nVERSION_ID=12\n' },
    { name: 'usr/share/doc/changelog.gz', data: gzip('entry 1\n'.repeat(50), { mtime: 1700000000 }) },
    { name: 'link', type: 'symlink', linkname: '../../../etc/shadow' },
  ]);
  const json = Buffer.from(JSON.stringify({ name: 'x', built: '2024-01-01T00:00:00Z', list: [1, 2, { deep: [true, null] }] }));
  return {
    tar: inner,
    gzip: gzip(inner, { mtime: 1700000000, name: 'data.tar' }),
    zstd: zstdRaw(inner),
    zip: zipOf([
      { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n', deflate: true },
      { name: '../escape.txt', data: 'zip slip\n' },
      { name: 'nested.json', data: json, deflate: true },
    ]),
    deb: arOf([
      { name: 'debian-binary', data: '2.0\n' },
      { name: 'control.tar.gz', data: gzipSync(await tarOf([{ name: './control', data: 'Package: x\nVersion: 1\n' }])) },
      { name: 'data.tar.gz', data: gzipSync(inner) },
    ]),
    json,
  };
}

function checkFindings(found: { category: string; inner: string }[]): void {
  for (const f of found) {
    assert.ok((CATEGORIES as readonly string[]).includes(f.category), `category ${f.category}`);
    assert.equal(typeof f.inner, 'string');
  }
}

test('compareContent on mutated tar, gzip, zstd, zip, ar/.deb and JSON: findings only, never an exception', async () => {
  const base = await seeds();
  const kinds = Object.keys(base);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...kinds), mutations, fc.option(mutations, { nil: undefined }), async (kind, ma, mb) => {
      const seed = base[kind]!;
      const a = mutate(seed, ma);
      const b = mb ? mutate(seed, mb) : seed;
      const [ba, bb] = blobs(a, b, `fuzz.${kind}`);
      const found = await withBudget(kind, compareContent(ba, bb, ctxWith(LIMITS)));
      checkFindings(found);
      if (!a.equals(b)) assert.ok(found.length > 0, `${kind}: differing bytes gave no finding`);
    }),
    { numRuns: 200 },
  );
  assert.deepEqual(await listTree(cwd), [], 'nothing written to the cwd');
});

test('compareContent across formats (a mutated seed of one kind against another kind)', async () => {
  const base = await seeds();
  const kinds = Object.keys(base);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...kinds), fc.constantFrom(...kinds), mutations, async (ka, kb, ma) => {
      const [ba, bb] = blobs(mutate(base[ka]!, ma), base[kb]!, 'cross');
      checkFindings(await withBudget(`${ka} vs ${kb}`, compareContent(ba, bb, ctxWith(LIMITS))));
    }),
    { numRuns: 60 },
  );
});

test('compareInputs on pairs of mutated rootfs tars: a report, or a ReproError, nothing else', async () => {
  const base = await seeds();
  let n = 0;
  let reports = 0;
  const failures: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.boolean(), mutations, mutations, async (compress, ma, mb) => {
      const seed = compress ? gzipSync(base.tar!) : base.tar!;
      const dir = join(root, 'inputs', `t${n++}`);
      await mkdir(dir);
      const [a, b] = [join(dir, 'a.tar'), join(dir, 'b.tar')];
      await writeFile(a, mutate(seed, ma));
      await writeFile(b, mutate(seed, mb));
      try {
        const report = await withBudget('compareInputs', compareInputs(a, b, { limits: LIMITS }));
        checkFindings(report.findings.toArray().map((f) => ({ ...f, inner: f.inner ?? '' })));
        assert.equal(report.identical, report.findings.length === 0);
        reports++;
      } catch (err) {
        if (!(err instanceof ReproError)) throw err;
        failures.push(err.message);
        // the one line a user sees names where
        assert.ok(err.where, `ReproError without where: ${err.message}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 100 },
  );
  // both outcomes must occur, or the mutations never reach the comparators (or never break the reader)
  assert.ok(reports > 0 && failures.length > 0, `${reports} reports, ${failures.length} refusals`);
  assert.deepEqual(await listTree(cwd), []);
});

test('compareInputs on mutated OCI archives against the good one: a report, or a ReproError', async () => {
  const good = join(root, 'inputs', 'good-oci.tar');
  await makeOciArchive(good, { layers: [[{ path: 'etc/hostname', content: 'h\n' }, { path: 'etc/motd', content: 'hello '.repeat(50) }], [{ path: 'etc/extra', content: 'x' }]] });
  const bytes = await readFile(good);
  let n = 0;
  await fc.assert(
    fc.asyncProperty(mutations, async (muts) => {
      const bad = join(root, 'inputs', `oci-${n++}.tar`);
      await writeFile(bad, mutate(bytes, muts));
      try {
        const report = await withBudget('compareInputs(oci)', compareInputs(bad, good, { limits: LIMITS }));
        checkFindings(report.findings.toArray().map((f) => ({ ...f, inner: f.inner ?? '' })));
      } catch (err) {
        if (!(err instanceof ReproError)) throw err;
        assert.ok(err.where, `ReproError without where: ${err.message}`);
      } finally {
        await rm(bad, { force: true });
      }
    }),
    { numRuns: 100 },
  );
});

/** Random trees with hostile links: compared as entries, links by target, never followed. */
const treeEntry = fc.record({
  name: fc.stringMatching(/^[a-z]{1,6}(\/[a-z]{1,6}){0,2}$/),
  kind: fc.constantFrom('file', 'symlink', 'dir'),
  data: fc.uint8Array({ maxLength: 300 }),
  target: fc.constantFrom('/etc/shadow', '../../..', '/', 'a', '../../../../tmp', '/proc/self/root'),
});

async function underSymlink(dir: string, name: string): Promise<boolean> {
  const parts = name.split('/');
  for (let i = 1; i < parts.length; i++) {
    const st = await lstat(join(dir, ...parts.slice(0, i))).catch(() => undefined);
    if (st?.isSymbolicLink()) return true;
  }
  return false;
}

async function makeTree(dir: string, entries: { name: string; kind: string; data: Uint8Array; target: string }[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const e of entries) {
    const path = join(dir, e.name);
    // the fixture itself must not write through a link it just made ("x" → ../../.., then "x/y"):
    // an entry below an existing symlink is left out
    if (await underSymlink(dir, e.name)) continue;
    try {
      await mkdir(join(path, '..'), { recursive: true });
      if (e.kind === 'file') await writeFile(path, e.data);
      else if (e.kind === 'symlink') await symlink(e.target, path);
      else await mkdir(path, { recursive: true });
    } catch {
      // a name clash between generated entries (file where a dir is wanted): that entry is simply absent
    }
  }
}

test('compareInputs on random directory trees with links out: never follows them, never throws', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(treeEntry, { maxLength: 12 }), fc.array(treeEntry, { maxLength: 12 }), async (ta, tb) => {
      const dir = join(root, 'inputs', `d${n++}`);
      await makeTree(join(dir, 'a'), ta);
      await makeTree(join(dir, 'b'), tb);
      try {
        const report = await withBudget('compareInputs(dirs)', compareInputs(join(dir, 'a'), join(dir, 'b'), { limits: LIMITS }));
        for (const f of report.findings) {
          // nothing from outside the trees: /etc/shadow's or /proc's content would show up as a content diff
          assert.doesNotMatch(f.detail, /root:[^\n]*:\d+:\d+:/, 'content of a host file reported');
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 100 },
  );
});

test('nothing was written outside REPRO_TMPDIR during the whole file', async () => {
  const after0 = (await listTree(root)).filter((p) => !p.startsWith('tmp/') && !p.startsWith('inputs/'));
  assert.deepEqual(after0, before0.filter((p) => !p.startsWith('tmp/') && !p.startsWith('inputs/')));
  assert.deepEqual(await listTree(cwd), []);
});
