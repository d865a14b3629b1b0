import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDeb822, parseOneLine, resolveMirror } from '../../src/builder/mirror.js';
import { testDir } from '../helpers/tmp.js';

test('one-line sources: options, comments and deb-src are handled', () => {
  const s = parseOneLine('# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\ndeb-src http://s.example/debian bookworm main\n');
  assert.deepEqual(s, [
    { types: ['deb'], uris: ['http://m.example/debian'], suites: ['bookworm'] },
    { types: ['deb-src'], uris: ['http://s.example/debian'], suites: ['bookworm'] },
  ]);
});

test('deb822 sources: several suites per paragraph, disabled paragraphs skipped', () => {
  const s = parseDeb822('Types: deb\nURIs: http://a.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nEnabled: no\nTypes: deb\nURIs: http://b.example/debian\nSuites: trixie\n');
  assert.equal(s.length, 1);
  assert.deepEqual(s[0]!.suites, ['bookworm', 'bookworm-updates']);
});

test('mirror auto: first host source carrying the suite, in apt reading order', async (t) => {
  const etc = await testDir(t, 'repro-apt-');
  await mkdir(join(etc, 'sources.list.d'));
  await writeFile(join(etc, 'sources.list'), 'deb http://one.example/debian trixie main\n');
  await writeFile(join(etc, 'sources.list.d', 'b.sources'), 'Types: deb\nURIs: http://two.example/debian\nSuites: bookworm\n');
  await writeFile(join(etc, 'sources.list.d', 'a.list'), 'deb http://sec.example/debian-security bookworm-security main\n');
  await writeFile(join(etc, 'sources.list.d', 'c.list.disabled'), 'deb http://no.example/debian bookworm main\n');
  assert.equal(await resolveMirror('auto', 'bookworm', etc), 'http://two.example/debian');
  assert.equal(await resolveMirror('auto', 'trixie', etc), 'http://one.example/debian');
  assert.equal(await resolveMirror('http://given.example/', 'bookworm', etc), 'http://given.example/');
  await assert.rejects(resolveMirror('auto', 'sid', etc), /no apt source for suite "sid"/);
});
