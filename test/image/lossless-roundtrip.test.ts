// Issue 13: every metadata byte survives read → normalize → write. Random tar entries (binary xattrs, PAX
// records of other tools, long and non-UTF-8 names, devices, hardlinks, 33-bit mtimes, ids over 262143) are
// normalized with no rules; Python's tarfile and GNU tar read the input and the output back equal. The input
// tars are built byte by byte here (test/helpers/images-extra.ts), not by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { normalizeImage } from '../../src/rules/normalize-image.js';
import { Layout, MT, paxBytes, rawTar, type RawMember } from '../helpers/images-extra.js';
import { gnuTarListing, ociDirLayers, pythonTarMembers, type PyMember } from '../helpers/tar-readers.js';
import { testDir } from '../helpers/tmp.js';
import { firstSkip, requireRoot, requireTools } from '../helpers/tools.js';

const NO_RULES = { rules: [], files: [] };
const tools = requireTools(['python3', 'python3'], ['tar', 'tar']);

interface Gen {
  name: Buffer;
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  content: Buffer;
  linkname: Buffer;
  dev: [number, number];
  xattrs: [string, Buffer][];
  records: [string, Buffer][];
  links: number;
}

const FLAGS = { file: '0', dir: '5', symlink: '2', char: '3', block: '4', fifo: '6' } as const;

/** A name segment of any bytes but NUL and "/", never "." or "..", never a whiteout. */
const segment = fc.uint8Array({ minLength: 1, maxLength: 14 })
  .map((a) => Buffer.from(a.filter((b) => b !== 0 && b !== 0x2f)))
  .filter((b) => b.length > 0 && b.toString('latin1') !== '.' && b.toString('latin1') !== '..' && !b.toString('latin1').startsWith('.wh.'));
const latin1 = fc.constantFrom('café', 'naïve', 'ÆØÅ', 'straße').map((s) => Buffer.from(s, 'latin1'));
const longSegment = fc.integer({ min: 60, max: 130 }).map((n) => Buffer.from('l'.repeat(n)));
const name = fc.array(fc.oneof(segment, latin1, longSegment), { minLength: 1, maxLength: 4 })
  .map((segs) => Buffer.concat(segs.flatMap((s, i) => (i ? [Buffer.from('/'), s] : [s]))));

const xattrName = fc.tuple(fc.constantFrom('user.', 'trusted.', 'security.', 'system.posix_acl_'), fc.stringMatching(/^[a-z0-9_.-]{1,10}$/))
  .map(([ns, rest]) => ns + rest);
const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));

const gen: fc.Arbitrary<Gen> = fc.record({
  name,
  kind: fc.constantFrom('file', 'file', 'file', 'dir', 'symlink', 'char', 'block', 'fifo'),
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 262144, max: 2 ** 31 - 1 })),
  gid: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 262144, max: 2 ** 31 - 1 })),
  mtime: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2 ** 31, max: 2 ** 33 - 1 })),
  content: fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)),
  linkname: fc.oneof(name, fc.constant(Buffer.from('../up/x'))),
  dev: fc.tuple(fc.integer({ min: 0, max: 2 ** 21 - 1 }), fc.integer({ min: 0, max: 2 ** 21 - 1 })),
  xattrs: fc.uniqueArray(fc.tuple(xattrName, bytes), { maxLength: 4, selector: (x) => x[0] }),
  records: fc.uniqueArray(fc.tuple(fc.stringMatching(/^REPRO\.t\.[a-z]{1,6}$/), bytes), { maxLength: 3, selector: (x) => x[0] }),
  links: fc.integer({ min: 0, max: 2 }),
});

/** A PAX header for a member of `g` named `path`: the name, link target and ids, then g's xattrs and records. */
function paxFor(g: Gen, path: Buffer, linkpath?: Buffer): RawMember {
  return {
    name: 'PaxHeader',
    flag: 'x',
    body: paxBytes([
      ['path', path],
      ...(linkpath ? [['linkpath', linkpath] as [string, Buffer]] : []),
      ['uid', Buffer.from(String(g.uid))],
      ['gid', Buffer.from(String(g.gid))],
      ...g.xattrs.map(([k, v]) => [`SCHILY.xattr.${k}`, v] as [string, Buffer]),
      ...g.records,
    ]),
  };
}

/** The members a tar holds for one generated entry and its hardlinks (named after it, so it stays the file;
 * a hardlink carries its file's metadata, as tar writes it). */
function members(g: Gen): RawMember[] {
  const base = { mode: g.mode, mtime: g.mtime, devmajor: g.dev[0], devminor: g.dev[1] };
  const out: RawMember[] = [
    paxFor(g, g.name, g.kind === 'symlink' ? g.linkname : undefined),
    { ...base, name: g.name.subarray(0, 99), flag: FLAGS[g.kind], body: g.kind === 'file' ? g.content : '' },
  ];
  for (let i = 1; g.kind === 'file' && i <= g.links; i++) {
    const link = Buffer.concat([g.name, Buffer.from(`.lnk${i}`)]);
    out.push(paxFor(g, link, g.name), { ...base, name: link.subarray(0, 99), flag: '1' });
  }
  return out;
}

/** What must be equal: every field and every PAX record but those the canonical form re-derives. */
function comparable(m: PyMember): unknown {
  const pax = Object.fromEntries(Object.entries(m.pax).filter(([k]) => !['path', 'linkpath', 'hdrcharset', 'uid', 'gid', 'mtime', 'size'].includes(k)));
  const device = m.type === '3' || m.type === '4';
  return { ...m, pax, mtime: Math.floor(m.mtime), devmajor: device ? m.devmajor : 0, devminor: device ? m.devminor : 0 };
}

const byName = (ms: PyMember[]): Map<string, unknown> => new Map(ms.map((m) => [m.name, comparable(m)]));

/** GNU tar blocks with a directory's trailing "/" dropped (the writer adds it) and xattrs in name order (the
 * writer sorts them), in order. */
function gnuBlocks(blocks: string[]): string[] {
  return blocks.map((b) => {
    const [head = '', ...xattrs] = b.split('\n');
    // column widths follow the widest line so far: spaces collapsed (Python compares the names exactly)
    return [head.replace(/^(d.*)\/$/, '$1').replace(/ +/g, ' '), ...xattrs.sort()].join('\n');
  }).sort();
}

test('random entries with binary xattrs, PAX records, long and non-UTF-8 names: normalize keeps every byte (Python tarfile, GNU tar)', { skip: tools, timeout: 600_000 }, async (t) => {
  const d = await testDir(t, 'roundtrip-');
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(gen, { minLength: 1, maxLength: 12, selector: (g) => g.name.toString('hex') }), async (gens) => {
      // hardlink names must not collide with generated names
      const names = new Set(gens.map((g) => g.name.toString('hex')));
      for (const g of gens) for (let i = 1; i <= g.links; i++) if (names.has(Buffer.concat([g.name, Buffer.from(`.lnk${i}`)]).toString('hex'))) g.links = 0;
      const dir = join(d, String(run++));
      await mkdir(dir);
      const input = join(dir, 'in.tar');
      await writeFile(input, rawTar(gens.flatMap(members)));
      await normalizeImage(input, NO_RULES, { epoch: 0, format: 'oci-dir', out: join(dir, 'out'), compression: 'none' });
      const [layer] = await ociDirLayers(join(dir, 'out'));
      const [pin, pout] = [await pythonTarMembers(input), await pythonTarMembers(layer ?? '')];
      assert.deepEqual(byName(pout), byName(pin));
      assert.deepEqual(gnuBlocks(await gnuTarListing(layer ?? '')), gnuBlocks(await gnuTarListing(input)));
    }),
    { numRuns: Number(process.env.REPRO_ROUNDTRIP_RUNS ?? 15) },
  );
});

test('a sparse file (GNU tar), a hardlink across layers, device nodes and binary xattrs come out equal; GNU tar extracts them as root', { skip: firstSkip(tools, requireRoot('extracting device nodes and trusted.* xattrs')), timeout: 120_000 }, async (t) => {
  const d = await testDir(t, 'roundtrip-fixed-');
  // layer 0: what GNU tar itself writes for a sparse file (PAX format 1.0: map in the body, real name in
  // GNU.sparse.name), plus a file that layer 1 links to
  const src = join(d, 'src');
  await mkdir(src);
  const sparse = join(src, 'sparse.img');
  spawnSync('truncate', ['-s', '8M', sparse]);
  spawnSync('sh', ['-c', `printf middle | dd of="${sparse}" bs=1 seek=4000000 conv=notrunc status=none`]);
  await writeFile(join(src, 'shared'), 'linked across layers\n');
  const layer0 = join(d, 'layer0.tar');
  // whole-second mtimes: the canonical form stores no fractions
  const made = spawnSync('tar', ['--format=pax', '--sparse', '--numeric-owner', '--mtime=@1700000000', '--pax-option=delete=atime,delete=ctime', '-cf', layer0, '-C', src, 'sparse.img', 'shared']);
  assert.equal(made.status, 0, made.stderr.toString());
  const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
  const layer1 = rawTar([
    { name: 'hard', flag: '1', linkname: 'shared' },
    { name: 'PaxHeader', flag: 'x', body: paxBytes([['SCHILY.xattr.user.bin', Buffer.from([0, 0x80, 0xff, 0x0a, 0x3d])], ['SCHILY.xattr.trusted.t', Buffer.from([0xc3, 0x28])]]) },
    { name: 'etc/attrs', body: 'x' },
    { name: 'dev/null', flag: '3', mode: 0o666, devmajor: 1, devminor: 3 },
    { name: 'dev/sda', flag: '4', mode: 0o660, devmajor: 8, devminor: 0 },
    { name: 'PaxHeader', flag: 'x', body: paxBytes([['SCHILY.xattr.security.capability', cap]]) },
    { name: Buffer.from('bin/caf\xe9', 'latin1'), mode: 0o755, body: 'ELF' },
  ]);
  const layout = new Layout();
  const t0 = await readFile(layer0);
  layout.index([layout.image([{ tar: t0, blob: t0, mediaType: MT.layer }, { tar: layer1, blob: layer1, mediaType: MT.layer }])]);
  await layout.writeDir(join(d, 'in'));
  await normalizeImage(join(d, 'in'), NO_RULES, { epoch: 0, format: 'oci-dir', out: join(d, 'out'), compression: 'none' });
  const outLayers = await ociDirLayers(join(d, 'out'));
  await writeFile(join(d, 'layer1.tar'), layer1);
  for (const [i, input] of [layer0, join(d, 'layer1.tar')].entries()) {
    const [pin, pout] = [await pythonTarMembers(input), await pythonTarMembers(outLayers[i] ?? '')];
    assert.deepEqual(byName(pout), byName(pin), `layer ${i}`);
    assert.deepEqual(gnuBlocks(await gnuTarListing(outLayers[i] ?? '')), gnuBlocks(await gnuTarListing(input)), `layer ${i}`);
  }
  // GNU tar extracts the output as the input: a sparse file with its bytes and holes, xattrs byte for byte
  const root = join(d, 'root');
  await mkdir(root);
  for (const layer of outLayers) {
    const x = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', layer, '-C', root]);
    assert.equal(x.status, 0, x.stderr.toString());
  }
  assert.deepEqual(await readFile(join(root, 'sparse.img')), await readFile(sparse));
  const st = await stat(join(root, 'sparse.img'));
  assert.ok(st.blocks * 512 < st.size / 2, `sparse after extraction: ${st.blocks} blocks for ${st.size} bytes`);
  assert.equal((await stat(join(root, 'hard'))).ino, (await stat(join(root, 'shared'))).ino, 'hardlink across layers');
  assert.ok((await stat(join(root, 'dev/null'))).isCharacterDevice());
  const dump = spawnSync('getfattr', ['-d', '-m', '-', '-e', 'hex', '--absolute-names', join(root, 'etc/attrs')], { encoding: 'latin1' });
  assert.match(dump.stdout, /user\.bin=0x0080ff0a3d/);
  assert.match(dump.stdout, /trusted\.t=0xc328/);
  const capDump = spawnSync('sh', ['-c', `getfattr -n security.capability -e hex "$(printf '${root}/bin/caf\\351')"`], { encoding: 'latin1' });
  assert.match(capDump.stdout, new RegExp(`security\\.capability=0x${cap.toString('hex')}`));
});
