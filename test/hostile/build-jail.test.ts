// Issue 13, reproductions 1 and 2: the build tree is a jail. Base images (`base: image:`) whose layers
// point symlinks at a host directory (absolute, or climbing with ".."), delete through them with whiteouts
// and opaque markers, write through them, hardlink to host files, carry device nodes or replace a
// directory by a symlink after its children; `files:` steps that copy a symlink. The "host" is a directory
// of the sandbox, outside the build's work area: its state (every entry's metadata, times and content) must
// be the same after the build, and nothing may appear anywhere in the sandbox besides the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openImage, readLayer } from '../../src/image/index.js';
import { assertNoStrayWrites, listTree, runMeasured, sandbox, type Sandbox } from '../helpers/hostile.js';
import { makeOciImage, type TestMember } from '../helpers/images.js';
import { firstSkip, requireRoot, requireTool } from '../helpers/tools.js';
import { treeState } from '../helpers/tree-state.js';

const skip = firstSkip(requireRoot('owners, device numbers and xattrs of a base image are only set as root'), requireTool('getfattr', 'attr'));

/** The victim: a host directory with a file, an empty directory and a directory with a file. */
async function hostDir(box: Sandbox): Promise<string> {
  const victim = join(box.root, 'host/victim');
  await mkdir(join(victim, 'keep'), { recursive: true });
  await mkdir(join(victim, 'sub'));
  await writeFile(join(victim, 'file1'), 'host one\n');
  await writeFile(join(victim, 'sub/x'), 'host x\n');
  return victim;
}

interface Case {
  name: string;
  layers: (victim: string) => TestMember[][];
  /** Phases of the manifest (YAML lines under `phases:`), default none. */
  phases?: (victim: string, box: Sandbox) => Promise<string> | string;
  /** Exit 2 and this one-line message, instead of a built image. */
  error?: RegExp;
  check?: (out: string) => Promise<void>;
}

async function layerSummaries(out: string): Promise<string[][]> {
  const image = await openImage(out);
  const layers: string[][] = [];
  for (const layer of image.layers) {
    const list: string[] = [];
    for await (const { entry, body } of readLayer(image, layer)) {
      body.resume();
      list.push(`${entry.type} ${entry.path}${entry.devmajor !== undefined ? ` ${entry.devmajor}:${entry.devminor}` : ''}`);
    }
    layers.push(list);
  }
  return layers;
}

const up = '../../../../../../../../../../../..';

const cases: Case[] = [
  {
    name: 'an opaque whiteout under an absolute symlink to a host directory (was: the host directory emptied)',
    layers: (v) => [[{ path: 'd', type: 'symlink', linkname: v }], [{ path: 'd/.wh..wh..opq' }]],
  },
  {
    name: 'an opaque whiteout under a relative symlink that climbs with ".."',
    layers: (v) => [[{ path: 'r', type: 'symlink', linkname: up + v }], [{ path: 'r/.wh..wh..opq' }, { path: 'r/sub/.wh..wh..opq' }]],
  },
  {
    name: 'a whiteout under a symlink to a host directory, and one of a symlink to a host file',
    layers: (v) => [
      [{ path: 'w', type: 'symlink', linkname: v }, { path: 'f', type: 'symlink', linkname: join(v, 'file1') }],
      [{ path: 'w/.wh.file1' }, { path: 'w/.wh.sub' }, { path: '.wh.f' }],
    ],
  },
  {
    name: 'members written through symlinks land in the tree',
    layers: (v) => [
      [{ path: 'e', type: 'symlink', linkname: v }, { path: 'u', type: 'symlink', linkname: up + v }],
      [{ path: 'e/file1', content: 'pwned' }, { path: 'e/new', content: 'pwned' }, { path: 'u/sub/x', content: 'pwned' }, { path: 'e/keep', type: 'dir', mode: 0o777 }],
    ],
  },
  {
    name: 'a directory replaced by a symlink after its children gets no time set through the link',
    layers: (v) => [[
      { path: 't/', type: 'dir', mtime: 1 },
      { path: 't/sub/', type: 'dir', mtime: 2 },
      { path: 't/keep/', type: 'dir', mtime: 3 },
      { path: 't', type: 'symlink', linkname: v },
    ]],
  },
  {
    name: 'a hardlink through a symlink to a host file',
    layers: (v) => [[{ path: 'h', type: 'symlink', linkname: v }, { path: 'hl', type: 'hardlink', linkname: 'h/file1' }]],
    error: /hardlink hl points at h\/file1, which is not a file in the tree/,
  },
  {
    name: 'a hardlink that climbs out with ".."',
    layers: (v) => [[{ path: 'hl', type: 'hardlink', linkname: up + v + '/file1' }]],
    error: /refusing hardlink hl to a path with "\.\."/,
  },
  {
    name: 'a symlink loop',
    layers: () => [[{ path: 'loop', type: 'symlink', linkname: 'loop' }, { path: 'loop/x', content: 'x' }]],
    error: /base: too many levels of symbolic links in loop$/,
  },
  {
    name: 'device nodes are recorded, never made: the phase sees placeholders, the kept layer the nodes',
    layers: () => [[
      { path: 'dev/', type: 'dir' },
      { path: 'dev/mem', type: 'char', devmajor: 1, devminor: 1, mode: 0o640 },
      { path: 'dev/disk', type: 'block', devmajor: 8, devminor: 0, mode: 0o660 },
      { path: 'dev/gone', type: 'char', devmajor: 1, devminor: 3 },
    ]],
    phases: () => [
      '  - name: look',
      '    run:',
      '      - test -f "$ROOTFS/dev/mem" && test ! -c "$ROOTFS/dev/mem" && test ! -b "$ROOTFS/dev/disk"',
      '      - rm "$ROOTFS/dev/gone"',
    ].join('\n'),
    check: async (out) => {
      const [base, phase] = await layerSummaries(out);
      assert.deepEqual(base, ['dir dev', 'char dev/mem 1:1', 'block dev/disk 8:0', 'char dev/gone 1:3']);
      assert.deepEqual(phase, ['dir dev', 'whiteout dev/gone'], 'the untouched nodes stay out of the phase layer');
    },
  },
  {
    name: 'files: a copied symlink with a mode, and a dest under a symlink to the host',
    layers: (v) => [[{ path: 'opt', type: 'symlink', linkname: v }, { path: 'bin/', type: 'dir' }]],
    phases: async (v, box) => {
      await symlink(join(v, 'file1'), join(box.work, 'tool-link'));
      return [
        '  - name: copy',
        '    files:',
        '      - {src: tool-link, dest: /bin/tool, mode: "4755"}',
        '      - {content: "pwned\\n", dest: /opt/file1}',
        '      - {content: "pwned\\n", dest: /opt/sub/x}',
      ].join('\n');
    },
  },
];

for (const c of cases) {
  test(`hostile base: ${c.name}; the host is untouched`, { skip }, async (t) => {
    const box = await sandbox(t, 'hostile-jail-');
    const victim = await hostDir(box);
    await makeOciImage(join(box.work, 'base'), { layers: c.layers(victim), compression: 'none' });
    const phases = c.phases ? await c.phases(victim, box) : '';
    const manifest = join(box.work, 'm.yml');
    await writeFile(manifest, `version: 1\nname: jail\nepoch: 0\nbase: {image: base}\nphases:${phases ? '\n' + phases : ' []'}\n`);
    const hostBefore = await treeState(join(box.root, 'host'));
    const before = await listTree(box.root);
    const out = join(box.work, 'out.tar');
    const r = await runMeasured(['build', manifest, '-o', out], { cwd: box.cwd, env: box.env, measure: false });
    if (c.error) {
      assert.equal(r.code, 2, r.stderr);
      // one error line (after the progress lines a build may print), no stack trace
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('repro: '));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, c.error);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } else assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await treeState(join(box.root, 'host')), hostBefore, 'the host directory is exactly as it was');
    await assertNoStrayWrites(box, before, c.error ? [] : ['work/out.tar']);
    if (c.check) await c.check(out);
  });
}
