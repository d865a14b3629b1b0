// The HTML report in a real browser: the oci-image pair (test/fixtures/pairs.ts) compared by the engine, rendered, opened from
// file:// in headless Chromium; filtering and expanding are checked the way a person uses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareInputs } from '../../src/compare/engine.js';
import { htmlChunks, renderHtml, RULE_FINDINGS } from '../../src/report/html.js';
import { writeOutput } from '../../src/core/atomic.js';
import { chromiumMissing, openBrowser, visibleFindings } from './browser.js';
import { hostileReport, largeReport } from './sample-report.js';
import { testDir } from '../helpers/tmp.js';
import { pairs } from '../fixtures/pairs.js';
import { printable } from '../../src/core/printable.js';

const OUT = resolve('test-output');
const skip = chromiumMissing();

test('HTML report of the oci-image pair: filter by category, expand a diff, screenshot', { skip, timeout: 60_000 }, async (t) => {
  const { a, b: bImage } = (await pairs())['oci-image'];
  const report = await compareInputs(a, bImage);
  assert.equal(report.identical, false);
  const dir = await testDir(t, 'repro-html-');
  const file = join(dir, 'report.html');
  await writeFile(file, renderHtml(report));
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="1"]');
    assert.match((await page.textContent('.verdict')) ?? '', /Differences found/);
    const all = await visibleFindings(page);
    assert.equal(all.length, report.findings.length, 'a small report opens fully expanded');

    // filter by one category: only its findings stay visible
    const cat = 'random-id';
    const expected = report.findings.toArray().map((f, i) => ({ f, i })).filter(({ f }) => f.category === cat);
    assert.ok(expected.length > 0, 'the pair has a random-id finding');
    await page.click(`#chips .chip[data-cat="${cat}"]`);
    const shown = await visibleFindings(page);
    assert.deepEqual(shown.map((s) => s.index).sort(), expected.map((e) => e.i).sort());
    assert.ok(shown.every((s) => s.cat === cat));
    assert.match((await page.textContent('#shown')) ?? '', new RegExp(`^${expected.length} of ${report.findings.length} findings`));

    // expand it: the side-by-side diff appears with both versions of the id, differing words marked
    const target = expected[0]!;
    await page.click(`.frow[data-f="${target.i}"]`);
    const detail = page.locator(`.frow[data-f="${target.i}"] + .detail`);
    await detail.waitFor({ state: 'visible' });
    assert.equal(await detail.locator('table.diff.side').count(), 1);
    const oldId = /^-(.+)$/m.exec(target.f.detail)![1]!;
    const newId = /^\+(.+)$/m.exec(target.f.detail)![1]!;
    assert.ok((await detail.locator('td.del').first().textContent())?.includes(oldId));
    assert.ok((await detail.locator('td.ins').first().textContent())?.includes(newId));
    await page.check('input[name=view][value=unified]');
    assert.equal(await page.locator(`.frow[data-f="${target.i}"] + .detail table.diff.uni`).count(), 1, 'unified view');
    await page.check('input[name=view][value=side]');

    // the screenshot shows the filtered tree with the open diff plus a second, multi-line one
    await page.click(`#chips .chip[data-cat="${cat}"]`);
    const other = report.findings.toArray().findIndex((f) => f.path === '/var/log/dpkg.log' && f.detail.startsWith('@@'));
    if (other >= 0) {
      await page.click(`#chips .chip[data-cat="${report.findings.toArray()[other]!.category}"]`);
      await page.click(`#chips .chip[data-cat="${cat}"]`);
      await page.click(`.frow[data-f="${other}"]`);
      assert.ok((await page.locator(`.frow[data-f="${other}"] + .detail mark.ins`).count()) > 0, 'word-level marks in a log diff');
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await mkdir(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'html-report-oci-image.png'), fullPage: true });

    // path text filter
    await page.click('#clear');
    await page.fill('#q', 'machine-id');
    const byText = await visibleFindings(page);
    assert.ok(byText.length > 0 && byText.every((s) => report.findings.toArray()[s.index]!.path.includes('machine-id')));
    assert.deepEqual(b.errors, [], 'no script errors and no CSP violations');
  } finally {
    await b.close();
  }
});

test('hostile names render as text in the browser', { skip, timeout: 30_000 }, async (t) => {
  const dir = await testDir(t, 'repro-html-');
  const file = join(dir, 'hostile.html');
  const report = hostileReport();
  await writeFile(file, renderHtml(report));
  const b = await openBrowser();
  try {
    const { page } = b;
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="1"]');
    await page.click('.frow[data-f="0"]');
    await page.locator('.detail').waitFor({ state: 'visible' });
    assert.equal(await page.locator('img, svg[onload], script[src]').count(), 0, 'no injected elements');
    assert.equal(await page.locator('.detail dd.mono').first().textContent(), printable(report.findings.toArray()[0]!.path));
    assert.equal(dialogs, 0, 'no script from the data ran');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('HTML report of the identical pair opens cleanly with the verdict', { skip, timeout: 30_000 }, async (t) => {
  const { a, b: bImage } = (await pairs()).identical;
  const report = await compareInputs(a, bImage);
  assert.equal(report.identical, true);
  const dir = await testDir(t, 'repro-html-');
  const file = join(dir, 'identical.html');
  await writeFile(file, renderHtml(report));
  const b = await openBrowser();
  try {
    await b.page.goto(pathToFileURL(file).href);
    await b.page.waitForSelector('body[data-ready="1"]');
    assert.match((await b.page.textContent('.verdict')) ?? '', /Identical/);
    assert.equal(await b.page.locator('#empty').isVisible(), true);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a 20,000-finding report opens at the top level, filters, drills down and expands (functional, not timed)', { skip, timeout: 180_000 }, async (t) => {
  const N = 20_000;
  const report = largeReport(N);
  const findings = report.findings.toArray();
  const dir = await testDir(t, 'repro-html-');
  const file = join(dir, 'large.html');
  await writeOutput(file, htmlChunks(report));
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.textContent('#shown'), `${N} findings`);
    // the top level is the groups, image first and layers in order; only opened directories have rows
    const top = await page.$$eval('#tree > .node > .row .name', (els) => els.map((e) => e.textContent));
    assert.deepEqual(top, ['image', 'layer 0', 'layer 1', 'layer 2']);
    assert.ok((await page.locator('.finding').count()) < 1000, 'rows exist only for what is opened');
    // a chain of single-child directories is one row
    const layer0 = page.locator('#tree > .node').nth(1);
    assert.equal(await layer0.locator(':scope > .kids > .node > .row .name').first().textContent(), 'usr/share');

    // filters: category and path text together; few enough matches open every directory that holds one
    await page.click('#chips .chip[data-cat="content"]');
    await page.fill('#q', 'PKG4/');
    const expected = findings.map((f, i) => ({ f, i })).filter(({ f }) => f.category === 'content' && f.path.includes('pkg4/')).map(({ i }) => i);
    assert.ok(expected.length > 0 && expected.length <= 300, `${expected.length} expected`);
    const shown = await visibleFindings(page);
    assert.deepEqual(shown.map((s) => s.index).sort((x, y) => x - y), expected);
    assert.ok(shown.every((s) => s.cat === 'content'));
    assert.equal(await page.textContent('#shown'), `${expected.length} of ${N} findings`);

    // expand one: fields, the diff with both versions, its rule
    const first = expected[0]!;
    await page.click(`.frow[data-f="${first}"]`);
    const detail = page.locator(`.frow[data-f="${first}"] + .detail`);
    await detail.waitFor({ state: 'visible' });
    assert.equal(await detail.locator('dd.mono').first().textContent(), findings[first]!.path);
    assert.ok((await detail.locator('td.del').first().textContent())?.includes(`value ${first} built at`));
    assert.ok((await detail.locator('td.ins').first().textContent())?.includes(`value ${first} built at`));
    assert.match((await detail.locator('pre.ruletext').textContent()) ?? '', /match:/);
    // past the findings that carry a rule, the page says where the rule is
    const late = expected.find((i) => i >= RULE_FINDINGS)!;
    await page.click(`.frow[data-f="${late}"]`);
    assert.match((await page.locator(`.frow[data-f="${late}"] + .detail`).textContent()) ?? '', /repro rules REPORT\.json/);

    // the layer filter counts what it keeps; clearing brings every finding back
    await page.click('#clear');
    await page.selectOption('#layer', '2');
    const inLayer2 = findings.filter((f) => f.layer === 2).length;
    assert.equal(await page.textContent('#shown'), `${inLayer2} of ${N} findings`);
    assert.deepEqual(await page.$$eval('#tree > .node', (els) => els.map((e) => (e as HTMLElement).hidden)), [true, true, true, false]);
    await page.click('#clear');
    assert.equal(await page.textContent('#shown'), `${N} findings`);
    assert.deepEqual(b.errors, [], 'no script errors and no CSP violations');
  } finally {
    await b.close();
  }
});
