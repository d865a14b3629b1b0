// Issue 13 reproduction 6: names from an image reach the terminal, Markdown and HTML only escaped, through
// the one function (src/core/printable.ts); the JSON report keeps them exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { rawTar } from '../helpers/images-extra.js';

/** Sets the window title and turns text red, on a terminal that prints it raw. */
const EVIL = 'etc/evil\x1b]0;pwned\x07\x1b[31mred';
const LATIN1 = Buffer.from('etc/caf\xe9', 'latin1');

test('diff shows names with terminal escapes and Latin-1 bytes escaped in terminal, Markdown and HTML output', async (t) => {
  const d = await testDir(t, 'escape-');
  const side = (body: string): Buffer => rawTar([{ name: EVIL, body }, { name: LATIN1, body }]);
  await writeFile(join(d, 'a.tar'), side('one\n'));
  await writeFile(join(d, 'b.tar'), side('two\n'));
  const r = await runRepro(['diff', join(d, 'a.tar'), join(d, 'b.tar'), '--markdown', join(d, 'r.md'), '--html', join(d, 'r.html'), '--json', join(d, 'r.json')]);
  assert.equal(r.code, 1, r.stderr);
  const md = await readFile(join(d, 'r.md'), 'utf8');
  const html = await readFile(join(d, 'r.html'), 'utf8');
  for (const [what, text] of [['terminal', r.stdout], ['markdown', md]] as const) {
    assert.ok(!/[\x07\x1b]/.test(text), `${what}: no raw control characters`);
    assert.ok(text.includes('evil\\x1b]0;pwned\\x07\\x1b[31mred'), `${what}: the name escaped`);
    assert.ok(text.includes('caf\\xe9'), `${what}: the Latin-1 byte shown as a byte`);
  }
  // the HTML page carries its data as JSON: the escaped text, not "\u001b" that the page would print raw
  assert.ok(html.includes('evil\\\\x1b]0;pwned\\\\x07\\\\x1b[31mred'), 'html: the name escaped');
  assert.ok(!html.includes('\\u001b'), 'html: no raw ESC in the data');
  assert.ok(html.includes('caf\\\\xe9'), 'html: the Latin-1 byte shown as a byte');
  // the JSON report is data, not a rendering: the name exactly as read
  const json = JSON.parse(await readFile(join(d, 'r.json'), 'utf8')) as { findings: { path: string }[] };
  assert.ok(json.findings.some((f) => f.path.endsWith('evil\x1b]0;pwned\x07\x1b[31mred')), 'json keeps the name');
});
