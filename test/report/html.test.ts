import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { htmlChunks, renderHtml } from '../../src/report/html.js';
import { writeOutput } from '../../src/core/atomic.js';
import type { Finding } from '../../src/core/finding.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testDir } from '../helpers/tmp.js';
import { detailView, wordSegments } from '../../src/report/html-detail.js';
import { DATA_SCRIPT } from '../../src/report/html-script-data.js';
import { groupOf } from '../../src/core/report.js';
import { checkReport, hostileReport, identicalReport, largeReport, sampleReport } from './sample-report.js';
import { printable } from '../../src/core/printable.js';
import { Findings } from '../../src/core/findings.js';

interface PageFinding {
  p: string;
  g: string;
  c: number;
  e: string;
  l: number;
  k?: string;
  i?: string;
  s?: string;
  w?: string;
  r?: string;
  d?: { t: string; note?: string; s?: string; rows?: unknown[][] };
}

interface Island {
  findings: PageFinding[];
  cats: string[];
  /** Bytes of the page's rows island and details island. */
  rowBytes: number;
  detailBytes: number;
}

interface Columns {
  table: string[];
  group: string[];
  dir: string[];
  name: string[];
  cat: Uint8Array;
  layer: Int32Array;
  ev: string[];
  pkg: string[];
  x: ({ s?: string; i?: string; w?: string } | null)[];
}

/** The page's own decoder (the same text the page runs), evaluated here. */
const { decodeRows, decodeDetails } = new Function(`${DATA_SCRIPT}\nreturn { decodeRows: decodeRows, decodeDetails: decodeDetails };`)() as {
  decodeRows: (d: unknown) => Columns;
  decodeDetails: (list: unknown[], max: number) => Map<number, [PageFinding['d'] | null, string | null]>;
};

/** The JSON islands decoded as the page does, one object per finding. */
function island(html: string): Island {
  const m = /<script type="application\/json" id="repro-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new assert.AssertionError({ message: 'data island present' });
  const data = JSON.parse(m[1]!) as { n: number; stride: number; rows: unknown[]; cats: string[]; tableMax: number; detailChunk: number };
  assert.equal(data.rows.length, data.n * data.stride, 'one row per finding');
  const cols = decodeRows(data);
  const details = new Map<number, [PageFinding['d'] | null, string | null]>();
  let detailBytes = 0;
  for (const [, k, text] of html.matchAll(/<script type="application\/json" id="repro-details-(\d+)">([\s\S]*?)<\/script>/g)) {
    detailBytes += text!.length;
    for (const [i, d] of decodeDetails(JSON.parse(text!) as unknown[], data.tableMax)) {
      assert.equal(Math.floor(i / data.detailChunk), Number(k), `finding ${i} in its island`);
      details.set(i, d);
    }
  }
  const findings = Array.from({ length: data.n }, (_, i): PageFinding => {
    const f: PageFinding = { p: cols.dir[i]! + cols.name[i]!, g: cols.group[i]!, c: cols.cat[i]!, e: cols.ev[i]!, l: cols.layer[i]! };
    if (cols.pkg[i]) f.k = cols.pkg[i]!;
    Object.assign(f, cols.x[i] ?? {});
    const det = details.get(i);
    if (det?.[0]) f.d = det[0];
    if (det?.[1]) f.r = det[1];
    return f;
  });
  return { findings, cats: data.cats, rowBytes: m[1]!.length, detailBytes };
}

test('verdict, digests, categories and every finding are in the page', () => {
  const report = sampleReport();
  const html = renderHtml(report);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /data-verdict="different"/);
  for (const inp of report.inputs) assert.ok(html.includes(inp.digest!), `digest ${inp.digest}`);
  for (const c of new Set(report.findings.toArray().map((f) => f.category))) {
    assert.ok(html.includes(`class="chip" data-cat="${c}"`), `chip for ${c}`);
  }
  assert.ok(html.includes('<svg class="stack"'), 'inline SVG chart');
  const data = island(html);
  assert.equal(data.findings.length, report.findings.length);
  assert.deepEqual(data.findings.map((f) => data.cats[f.c]), report.findings.toArray().map((f) => f.category));
  assert.deepEqual(data.findings.map((f) => f.p), report.findings.toArray().map((f) => f.path));
  assert.deepEqual(data.findings.map((f) => f.g), report.findings.toArray().map((f) => groupOf(f)));
  assert.ok(html.includes('layer 1: tar has no end-of-archive marker'), 'warnings shown');
});

test('identical report says so and has no findings', () => {
  const html = renderHtml(identicalReport());
  assert.match(html, /data-verdict="identical"/);
  assert.equal(island(html).findings.length, 0);
});

test('hostile paths stay text: no markup or script break-out', () => {
  const report = hostileReport();
  const html = renderHtml(report);
  assert.equal(html.split('</script>').length - 1, 3, 'only the three real script elements close');
  assert.ok(!html.includes('<img'), 'no injected img element');
  assert.ok(!html.includes('<svg onload'), 'no injected svg element');
  assert.ok(!html.includes('<b>pkg'), 'package name escaped in the filter options');
  assert.ok(!html.includes('<!--'), 'no comment opener from data');
  assert.ok(!html.includes('\u2028'), 'U+2028 escaped');
  // and the data survives the round trip, as the one escape for readers shows it (U+2028 as \u{2028})
  const f = island(html).findings[0]!;
  assert.equal(f.p, printable(report.findings.toArray()[0]!.path));
  assert.equal(f.k, report.findings.toArray()[0]!.package);
  assert.equal(f.i, report.findings.toArray()[0]!.inner);
});

test('self-contained: no remote src/href/url and a CSP that allows only the inline script', () => {
  const html = renderHtml(sampleReport());
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /url\(\s*["']?(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /@import|<link\b|<script[^>]+src=/i);
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = createHash('sha256').update(script).digest('base64');
  assert.ok(html.includes(`script-src 'sha256-${hash}'`), 'CSP pins the inline script');
  assert.ok(html.includes("default-src 'none'"));
});

test('suggested rules from a map or a function end up on their findings', () => {
  const report = sampleReport();
  const byMap = island(renderHtml(report, { suggestedRules: new Map([[0, 'rule-zero']]) }));
  assert.equal(byMap.findings[0]!.r, 'rule-zero');
  assert.equal(byMap.findings[1]!.r, undefined);
  const byFn = island(renderHtml(report, { suggestedRules: (f) => (f.category === 'timestamp' ? `drop ${f.path}` : undefined) }));
  assert.equal(byFn.findings[2]!.r, 'drop /var/log/dpkg.log');
  assert.equal(byFn.findings.filter((f) => f.r).length, 1);
});

test('word-level segments mark only the differing words and lose nothing', () => {
  const a = '2026-11-27 10:01:02 install base-files';
  const b = '2026-11-27 10:07:41 install base-files';
  const segs = wordSegments(a, b);
  if (!segs) throw new assert.AssertionError({ message: 'similar lines get word segments' });
  assert.equal(segs[0].join(''), a);
  assert.equal(segs[1].join(''), b);
  const changedOld = segs[0].filter((_, i) => i % 2 === 1).join('');
  assert.ok(changedOld.includes('01') && !changedOld.includes('install'), `changed: ${changedOld}`);
  assert.equal(wordSegments('abc def', 'xyz uvw'), undefined, 'unrelated lines are shown whole');
});

test('unified diffs become paired rows with line numbers; other detail stays text', () => {
  const view = detailView('@@ -3,2 +3,2 @@\n ctx\n-old line\n+new line', { maxLines: 100, maxChars: 10_000 });
  assert.equal(view?.t, 'diff');
  if (view?.t !== 'diff') return;
  assert.deepEqual(view.rows[0], ['h', '@@ -3,2 +3,2 @@']);
  assert.deepEqual(view.rows[1], ['c', 'ctx', 3, 3]);
  assert.equal(view.rows[2]![0], 'm');
  assert.equal(view.rows[2]![3], 4);
  const text = detailView('00000000: 7f45 4c46  .ELF', { maxLines: 100, maxChars: 10_000 });
  assert.equal(text?.t, 'text');
  assert.equal(detailView('', { maxLines: 1, maxChars: 1 }), undefined);
});

test('big details are capped with a note, and the page budget shortens later ones', () => {
  const long = ['@@ -1,1000 +1,1000 @@', ...Array.from({ length: 1000 }, (_, i) => `-line ${i}\n+LINE ${i}`)].join('\n');
  const view = detailView(long, { maxLines: 400, maxChars: 1_000_000 });
  assert.match(view?.note ?? '', /showing 400 of 2001 lines/);
  const report = sampleReport();
  report.findings = Findings.from([0, 1, 2].map((i) => ({ path: `/f${i}`, category: 'content' as const, code: 'legacy' as const, facts: [{ note: 'x' }], detail: long, layer: 0 })));
  const data = island(renderHtml(report, { detailBudget: 10_000 }));
  const rows = data.findings.map((f) => f.d?.rows?.length ?? 0);
  assert.ok(rows[0]! > rows[2]!, `first detail keeps more than later ones: ${rows.join(',')}`);
  assert.ok(rows[2]! > 0 && rows[2]! <= 31, 'later details still get an excerpt');
});

test('compact rows: every field survives, shared strings are sent once, and a full table writes strings out', () => {
  const report = largeReport(2000);
  for (const tableMax of [undefined, 7]) {
    const html = renderHtml(report, tableMax === undefined ? {} : { tableMax });
    const data = island(html);
    report.findings.toArray().forEach((f, i) => {
      const p = data.findings[i]!;
      assert.equal(p.p, f.path);
      assert.equal(data.cats[p.c], f.category);
      assert.equal(p.l, f.layer ?? -1);
      assert.equal(p.k, f.package);
      assert.match(p.e, new RegExp(`difference number ${i}$`));
      assert.equal(p.d !== undefined, f.detail !== '', `detail of ${i}`);
    });
    const rows = /id="repro-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const written = rows.split('"/usr/share/pkg').length - 1;
    const distinct = new Set(report.findings.toArray().map((f) => f.path.slice(0, f.path.lastIndexOf('/')))).size;
    // with a table each directory is written once; with a 7-string table, almost every time
    if (tableMax === undefined) assert.equal(written, distinct);
    else assert.ok(written > 1900, `${written} copies`);
  }
});

test('findings with neither a detail nor a rule add nothing to the details island', () => {
  const report = sampleReport();
  report.findings = Findings.from(Array.from({ length: 500 }, (_, i) => ({ path: `/srv/f${i}`, layer: 0, category: 'mtime' as const, code: 'legacy' as const, facts: [{ note: 'mtime 1 → 2' }], detail: '' })));
  const data = island(renderHtml(report, { suggestedRules: false }));
  assert.equal(data.detailBytes, 0, 'no details island');
  assert.ok(data.rowBytes / 500 < 40, `${data.rowBytes / 500} bytes a finding`);
  // the default rule and a short detail are the same for all of them: written once, then referenced
  report.findings = report.findings.map((f) => ({ ...f, detail: 'mtime: 1 → 2' }));
  const withRules = island(renderHtml(report));
  const rule = withRules.findings[0]!.r ?? '';
  assert.ok(rule.length > 20 && withRules.findings.every((f) => f.r === rule), rule);
  assert.ok(withRules.findings.every((f) => f.d?.t === 'text' && f.d.s === 'mtime: 1 → 2'));
  assert.ok(withRules.detailBytes < rule.length + 100 + 500 * 12, `${withRules.detailBytes} bytes of details`);
});

test('a check report shows reproducibility, builds, the first differing phase and packages', () => {
  const html = renderHtml(checkReport());
  assert.match(html, /data-verdict="not-reproducible"/);
  assert.ok(html.includes('sha256:' + 'c3'.repeat(32)) && html.includes('sha256:' + 'd4'.repeat(32)), 'both build digests');
  assert.match(html, /<tr class="pick first-bad" data-pick-layer="1"[^>]*><td class="num">1<\/td><td>packages<\/td>/);
  assert.ok(html.includes('hostname skipped: needs root'));
  assert.ok(html.includes('data-pick-pkg="systemd"'));
  assert.ok(!html.includes('More sections'), 'every check key has its own section');
  const ok = renderHtml({ ...checkReport(), reproducible: true, identical: true, findings: new Findings() });
  assert.match(ok, /data-verdict="reproducible"/);
});

test('the page script parses (caught here even where no browser is installed)', () => {
  const html = renderHtml(sampleReport());
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  assert.doesNotThrow(() => new Function(script));
  assert.ok(!/\binnerHTML\b|\beval\(|document\.write/.test(script), 'no HTML-from-string sinks');
});

test('by default each finding carries the rule generator\'s rule for it', () => {
  const report = sampleReport();
  const data = island(renderHtml(report));
  const machineId = report.findings.toArray().findIndex((f) => f.path === '/etc/machine-id');
  assert.match(data.findings[machineId]!.r ?? '', /^- match: \/etc\/machine-id\n\s+action: truncate/);
  const binary = report.findings.toArray().findIndex((f) => f.category === 'binary');
  assert.match(data.findings[binary]!.r ?? '', /^# - match:/m, 'content/binary rules stay commented out');
  assert.ok(island(renderHtml(report, { suggestedRules: false })).findings.every((f) => f.r === undefined));
});

test('the page comes in small pieces; written whole, or not at all when reading the findings fails', async (t) => {
  const report = largeReport(3000);
  const pieces = [...htmlChunks(report)];
  const inner = pieces.slice(1, -1).map((p) => p.length);
  assert.ok(Math.max(...inner) < 4096, `largest piece between the head and the script: ${Math.max(...inner)} characters`);
  const dir = await testDir(t, 'html-report-');
  const file = join(dir, 'r.html');
  await writeOutput(file, htmlChunks(report));
  assert.equal(await readFile(file, 'utf8'), renderHtml(report));

  // a store that fails half-way (a spill file gone, a disk error): no page, not even a partial one
  class Failing extends Findings {
    override *[Symbol.iterator](): Iterator<Finding> {
      const all = super[Symbol.iterator]();
      let n = 0;
      for (let r = all.next(); r.done !== true; r = all.next()) {
        if (++n > 1500) throw new Error('read error');
        yield r.value;
      }
    }
  }
  const store = new Failing();
  for (const f of report.findings) store.add(f);
  const failing = { ...report, findings: store };
  const target = join(dir, 'failed.html');
  await assert.rejects(writeOutput(target, htmlChunks(failing)), /read error/);
  assert.deepEqual((await readdir(dir)).sort(), ['r.html'], 'neither the page nor a temp file');
});
