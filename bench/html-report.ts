// Benchmark: an HTML report with 10,000 findings must open and filter in under 2 s in headless Chromium,
// one with 100,000 (argument 100000) in under 3 s. Prints the page's size per finding: all of it, and its
// two parts (the rows the tree and filters read at open, the details read on the first expand).
// Run: node --import tsx bench/html-report.ts [findings]   (exit 1 when over budget, 2 without a browser)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { htmlChunks } from '../src/report/html.js';
import { writeOutput } from '../src/core/atomic.js';
import { chromiumMissing, openBrowser } from '../test/report/browser.js';
import { largeReport } from '../test/report/sample-report.js';

const RUNS = 3;
const n = Number(process.argv[2] ?? 10_000);
// issue targets: 10,000 findings in 2 s; 100,000 and more in 3 s
const BUDGET_MS = n >= 100_000 ? 3000 : 2000;

/** Runs an action in the page and waits two frames, so the time includes style, layout and paint. */
const TIMED = `async (action) => {
  const t0 = performance.now();
  action();
  document.body.offsetHeight;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}`;

async function main(): Promise<number> {
  const missing = chromiumMissing();
  if (missing) {
    console.error(missing);
    return 2;
  }
  const report = largeReport(n);
  const dir = await mkdtemp(join(tmpdir(), 'repro-bench-html-'));
  const file = join(dir, 'report.html');
  let t = performance.now();
  await writeOutput(file, htmlChunks(report));
  const renderMs = performance.now() - t;
  const html = await readFile(file);
  // bytes of the JSON islands whose id starts with `id` (the rows' one, the details' many)
  const islands = (id: string): number => {
    let bytes = 0;
    for (let at = html.indexOf(`id="${id}`); at >= 0; at = html.indexOf(`id="${id}`, at + 1)) {
      const start = html.indexOf('>', at) + 1;
      bytes += html.indexOf('</script>', start) - start;
    }
    return bytes;
  };
  const b = await openBrowser();
  try {
    let page = b.page;
    const timed = (code: string): Promise<number> =>
      page.evaluate(`(${TIMED})(() => { ${code} })`) as Promise<number>;
    // open + filter three times, each in a fresh tab (the previous one closed outside the timing);
    // the median is the number, because shared CI machines are noisy
    const runs: { openMs: number; scriptMs: number; categoryMs: number; textMs: number }[] = [];
    let shown: string | null = null;
    for (let run = 0; run < RUNS; run++) {
      if (run > 0) {
        const next = await b.context.newPage();
        await page.close();
        page = next;
      }
      t = performance.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="1"]');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const openMs = performance.now() - t;
      // the page script's own share (JSON parse, tree, first rows), from its performance marks
      const scriptMs = (await page.evaluate(
        "performance.getEntriesByName('repro-ready')[0].startTime - performance.getEntriesByName('repro-start')[0].startTime",
      )) as number;
      const categoryMs = await timed(`document.querySelector('#chips .chip[data-cat="content"]').click();`);
      const textMs = await timed(`const q = document.getElementById('q'); q.value = 'pkg4'; q.dispatchEvent(new Event('input'));`);
      shown = await page.textContent('#shown');
      runs.push({ openMs, scriptMs, categoryMs, textMs });
    }
    runs.sort((x, y) => x.openMs + x.categoryMs + x.textMs - (y.openMs + y.categoryMs + y.textMs));
    const { openMs, scriptMs, categoryMs, textMs } = runs[Math.floor(runs.length / 2)]!;
    const clearMs = await timed(`document.getElementById('clear').click();`);
    const expandMs = await timed(`document.getElementById('expand').click();`);
    const rows = await page.evaluate(() => document.querySelectorAll('.finding').length);
    const detailMs = await timed(`document.querySelector('.finding .frow').click();`);
    const afterExpandFilterMs = await timed(`document.querySelector('#chips .chip[data-cat="mtime"]').click();`);
    const filterMs = categoryMs + textMs;
    const result = {
      findings: n,
      htmlBytes: html.length,
      bytesPerFinding: Math.round(html.length / n),
      rowBytesPerFinding: Math.round(islands('repro-data') / n),
      detailBytesPerFinding: Math.round(islands('repro-details-') / n),
      renderMs: Math.round(renderMs),
      renderMsPerFinding: Number((renderMs / n).toFixed(3)),
      openMs: Math.round(openMs),
      pageScriptMs: Math.round(scriptMs),
      categoryFilterMs: Math.round(categoryMs),
      textFilterMs: Math.round(textMs),
      shownAfterFilters: shown,
      clearMs: Math.round(clearMs),
      expandAllMs: Math.round(expandMs),
      rowsAfterExpandAll: rows,
      filterAfterExpandAllMs: Math.round(afterExpandFilterMs),
      openDetailMs: Math.round(detailMs),
      openPlusFilterMs: Math.round(openMs + filterMs),
      openPlusFilterRunsMs: runs.map((r) => Math.round(r.openMs + r.categoryMs + r.textMs)),
      budgetMs: BUDGET_MS,
      pageErrors: b.errors,
    };
    console.log(JSON.stringify(result, null, 2));
    const over = openMs + filterMs > BUDGET_MS || afterExpandFilterMs > BUDGET_MS;
    if (over) console.error(`html-report: over budget (${Math.round(openMs + filterMs)} ms > ${BUDGET_MS} ms)`);
    return over || b.errors.length > 0 ? 1 : 0;
  } finally {
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
