// check on a small Debian-like tree (a dpkg database, no shell: phases run on the host with $ROOTFS):
// every differing path no package owns carries the step that made it, on the finding and in the package
// view, and every renderer shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCheck } from '../../src/check/run-check.js';
import { renderCheck } from '../../src/check/render.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { layerTar } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';

test('check: unowned differing paths get their build step; the package view has versions, identical count and steps', async (t) => {
  const dir = await testDir(t, 'repro-check-steps-');
  await writeFile(
    join(dir, 'root.tar'),
    await layerTar([
      { path: 'etc/', type: 'dir' },
      { path: 'usr/', type: 'dir' },
      { path: 'usr/bin/', type: 'dir' },
      { path: 'usr/bin/tool', content: 'v1' },
      { path: 'usr/bin/calm', content: 'same' },
      { path: 'var/', type: 'dir' },
      { path: 'var/lib/', type: 'dir' },
      { path: 'var/lib/dpkg/', type: 'dir' },
      { path: 'var/lib/dpkg/status', content: 'Package: tool\nStatus: install ok installed\nVersion: 1.2-3\n\nPackage: calm\nVersion: 0.9\n' },
      { path: 'var/lib/dpkg/info/', type: 'dir' },
      { path: 'var/lib/dpkg/info/tool.list', content: '/.\n/usr\n/usr/bin\n/usr/bin/tool\n' },
      { path: 'var/lib/dpkg/info/calm.list', content: '/.\n/usr\n/usr/bin\n/usr/bin/calm\n' },
    ]),
  );
  const manifest = [
    'name: steps',
    'epoch: 0',
    'base: {tarball: root.tar}',
    'normalize: [common]',
    'phases:',
    '  - name: setup',
    '    run:',
    '      - \'head -c 16 /dev/urandom | od -An -tx1 > "$ROOTFS/etc/machine-id"\'',
    '      - \'head -c 8 /dev/urandom | od -An -tx1 > "$ROOTFS/usr/bin/tool"\'',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), manifest + '\n');
  const r = await runCheck(join(dir, 'm.yml'), { vary: 'none' });
  assert.equal(r.reproducible, false);
  const machineId = r.findings.toArray().find((f) => f.path === '/etc/machine-id');
  assert.ok(machineId);
  assert.deepEqual(machineId?.step, { phase: 'setup', action: 'command', detail: 'head -c 16 /dev/urandom | od -An -tx1 > "$ROOTFS/etc/machine-id"', method: 'change-time' });
  const tool = r.findings.toArray().find((f) => f.path === '/usr/bin/tool');
  assert.equal(tool?.package, 'tool');
  assert.equal(tool?.step, undefined, 'a packaged file has its package, not a step');
  assert.ok(r.packages);
  assert.deepEqual(r.packages.packages.map((p) => [p.name, p.version]), [['tool', '1.2-3']]);
  assert.equal(r.packages.identical, 1, 'calm: none of its files differs');
  assert.equal(r.packages.unowned.find((u) => u.path === '/etc/machine-id')?.step?.action, 'command');

  const step = 'run: head -c 16 /dev/urandom | od -An -tx1 > "$ROOTFS/etc/machine-id", phase setup';
  const terminal = renderCheck(r);
  assert.match(terminal, /packages: 1 package with differing files, 1 identical, 1 path no package owns/);
  assert.match(terminal, /tool 1\.2-3 → 1 file/);
  assert.ok(terminal.includes(`/etc/machine-id  ${machineId.category}  ← ${step}`), terminal);
  assert.ok(terminal.includes(`made by: ${step}`), 'the finding itself says it too');
  const md = renderMarkdown(r);
  assert.match(md, /### Packages/);
  assert.match(md, /\| tool \| `1\.2-3` \| 1 \|/);
  assert.ok(md.includes(`| \`/etc/machine-id\` | ${machineId.category} | run: head -c 16`), md);
  const html = renderHtml(r);
  assert.ok(html.includes('<h2>Packages</h2>'));
  assert.ok(html.includes('<td class="small">1.2-3</td>'));
  assert.ok(html.includes('run: head -c 16 /dev/urandom | od -An -tx1 &gt; &quot;$ROOTFS/etc/machine-id&quot;, phase setup'));
  const json = JSON.parse(renderJson(r)) as { findings: { path: string; step?: { action: string } }[]; packages: { identical: number } };
  assert.equal(json.findings.find((f) => f.path === '/etc/machine-id')?.step?.action, 'command');
  assert.equal(json.packages.identical, 1);
});
