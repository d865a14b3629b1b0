// The page's stylesheet, inline: system font stacks only (no web fonts to fetch), light and dark
// schemes from prefers-color-scheme, and a layout that stays readable from a laptop to a wide screen.
export const PAGE_STYLE = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --fg: #1d2330; --muted: #667085; --line: #e3e6eb; --hover: #eef2f7;
  --good: #1f883d; --bad: #cf222e; --del-bg: #ffebe9; --del-mark: #ffb3ad; --ins-bg: #e6ffec; --ins-mark: #99e2a9;
  --hunk: #eaf1fb; --accent: #2f6fde;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419; --panel: #171d25; --fg: #e3e8ef; --muted: #8b96a5; --line: #2a323d; --hover: #1f2731;
    --del-bg: #3c1618; --del-mark: #7d2a2f; --ins-bg: #13301d; --ins-mark: #2a6a3a; --hunk: #1a2940; --accent: #6ea4ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 var(--sans); }
main { max-width: 1400px; margin: 0 auto; padding: 20px 24px 60px; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 10px; }
h2 code { text-transform: none; letter-spacing: 0; }
code, .mono, pre { font-family: var(--mono); font-size: 12.5px; }
.muted { color: var(--muted); } .small { font-size: 12px; }
.top { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; }
.brand { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; }
.verdict { font-size: 26px; font-weight: 650; margin: 4px 0 2px; }
.verdict.good { color: var(--good); } .verdict.bad { color: var(--bad); }
.verdict-sub { color: var(--muted); margin-bottom: 12px; }
.inputs { border-collapse: collapse; width: 100%; }
.inputs th { width: 28px; text-align: left; color: var(--muted); font-weight: 600; }
.inputs td, .inputs th { padding: 4px 10px 4px 0; border-top: 1px solid var(--line); vertical-align: top; }
.inputs .path { word-break: break-all; }
.kind { font-size: 12px; padding: 1px 7px; border-radius: 9px; background: var(--hover); color: var(--muted); white-space: nowrap; }
.digest { word-break: break-all; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; margin: 14px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.stack { width: 100%; height: 18px; border-radius: 4px; overflow: hidden; display: block; margin-bottom: 10px; }
.bars { border-collapse: collapse; width: 100%; }
.bars td { padding: 3px 6px 3px 0; }
.bars .lbl { white-space: nowrap; width: 1%; }
.bars .num { text-align: right; width: 1%; font-variant-numeric: tabular-nums; padding-right: 10px; }
.bars .barcell { width: 100%; }
.bar { display: block; height: 10px; border-radius: 3px; opacity: .85; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; vertical-align: -1px; }
.pick { cursor: pointer; } .pick:hover, .pick:focus { background: var(--hover); outline: none; }
.check { display: grid; grid-template-columns: 1fr; gap: 14px; margin-bottom: 14px; }
.phases { border-collapse: collapse; width: 100%; }
.phases th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px; padding: 4px 8px; border-bottom: 1px solid var(--line); }
.phases td { padding: 4px 8px; border-top: 1px solid var(--line); vertical-align: top; }
.phases td.num { text-align: right; font-variant-numeric: tabular-nums; width: 1%; white-space: nowrap; }
.phases .cats .cat { display: inline-block; margin: 1px 2px; }
.phases tr.first-bad td { background: var(--del-bg); }
.ok { color: var(--good); white-space: nowrap; } .bad { color: var(--bad); white-space: nowrap; }
.warnings, .extras { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; margin-bottom: 14px; }
.warnings li { color: #9a6700; }
.extras pre { max-height: 400px; overflow: auto; }
#findings { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; }
.bar-controls { position: sticky; top: 0; z-index: 2; background: var(--panel); border-bottom: 1px solid var(--line);
  border-radius: 10px 10px 0 0; padding: 10px 14px; display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; }
.bar-controls input[type=search] { flex: 1 1 240px; min-width: 200px; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); color: var(--fg); font: inherit; }
select, .bar-controls button { padding: 5px 9px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); font: inherit; cursor: pointer; }
#chips { display: flex; flex-wrap: wrap; gap: 6px; flex-basis: 100%; }
.chip { --c: #888; border: 1px solid var(--c); color: var(--fg); background: transparent; border-radius: 12px; padding: 2px 10px;
  font-size: 12.5px; cursor: pointer; }
.chip::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--c); margin-right: 6px; }
.chip[aria-pressed=true] { background: var(--c); color: #fff; }
.chip[aria-pressed=true]::before { background: #fff; }
.chip .n { opacity: .7; margin-left: 4px; }
.view { display: inline-flex; gap: 8px; color: var(--muted); }
#shown { color: var(--muted); margin-left: auto; font-variant-numeric: tabular-nums; }
#tree { padding: 6px 0 10px; }
/* thousands of rows: let the browser skip layout and paint of the ones off screen */
.finding { content-visibility: auto; contain-intrinsic-size: auto 26px; }
.kids { padding-left: 18px; border-left: 1px dotted var(--line); margin-left: 13px; }
.row { display: flex; align-items: center; gap: 8px; padding: 3px 10px; cursor: pointer; border-radius: 5px; min-width: 0; }
.row:hover, .row:focus { background: var(--hover); outline: none; }
.caret { width: 10px; flex: none; color: var(--muted); transition: transform .1s; }
.caret::before { content: "\\25B8"; }
.node.open > .row > .caret, .finding.open > .row > .caret { transform: rotate(90deg); }
.dir .name { font-weight: 600; font-family: var(--mono); font-size: 13px; }
.count { font-size: 11.5px; color: var(--muted); background: var(--hover); border-radius: 8px; padding: 0 7px; }
.frow .name { font-family: var(--mono); font-size: 13px; white-space: nowrap; }
.cat { --c: #888; font-size: 11.5px; padding: 0 8px; border-radius: 9px; color: #fff; background: var(--c); white-space: nowrap; flex: none; }
.ev { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1 1 auto; min-width: 0; }
.tag { font-size: 11.5px; color: var(--muted); border: 1px solid var(--line); border-radius: 8px; padding: 0 6px; white-space: nowrap; flex: none; }
.warn { color: #bf8700; flex: none; }
.more { margin: 6px 10px; padding: 4px 10px; border: 1px dashed var(--line); background: none; color: var(--accent); border-radius: 6px; cursor: pointer; }
#empty { padding: 20px; color: var(--muted); text-align: center; }
.detail { margin: 4px 10px 12px 28px; padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
.fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 10px; }
.fields dt { color: var(--muted); } .fields dd { margin: 0; word-break: break-all; }
.warntext { color: #9a6700; }
.diffwrap { overflow: auto; max-height: 70vh; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.diff { border-collapse: collapse; width: 100%; font-family: var(--mono); font-size: 12.5px; }
.diff.side { table-layout: fixed; }
.diff.side td.no, .diff.side th:nth-child(odd) { width: 46px; }
.diff.uni td.no { width: 46px; }
.diff th { text-align: left; font-weight: 600; font-family: var(--sans); font-size: 12px; color: var(--muted); padding: 4px 8px;
  border-bottom: 1px solid var(--line); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.diff td { padding: 0 8px; vertical-align: top; }
.diff td.no { color: var(--muted); text-align: right; user-select: none; font-size: 11.5px; }
.diff td.code { white-space: pre-wrap; word-break: break-all; }
.diff td.del { background: var(--del-bg); } .diff td.ins { background: var(--ins-bg); }
.diff td.empty { background: repeating-linear-gradient(135deg, transparent 0 6px, var(--line) 6px 7px); }
.diff mark.del { background: var(--del-mark); color: inherit; border-radius: 2px; }
.diff mark.ins { background: var(--ins-mark); color: inherit; border-radius: 2px; }
.diff td.hunk { background: var(--hunk); color: var(--muted); padding: 2px 8px; }
.sign { user-select: none; color: var(--muted); display: inline-block; width: 1.2em; }
pre.text { margin: 0; padding: 8px 10px; white-space: pre; }
/* hexdump columns only line up unwrapped: scroll sideways instead */
.hex .diff.side { table-layout: auto; }
.hex .diff { font-size: 11px; }
.hex td.code { white-space: pre; word-break: normal; }
.hex td.code, .hex pre.text { letter-spacing: .02em; }
.note { color: #9a6700; font-size: 12.5px; margin: 6px 0 0; }
.rule { margin-top: 10px; }
.rulehead { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; display: flex; gap: 10px; align-items: center; }
.copy { font-size: 11.5px; padding: 1px 8px; border: 1px solid var(--line); border-radius: 5px; background: var(--panel); color: var(--fg); cursor: pointer; text-transform: none; }
.ruletext { margin: 4px 0 0; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; overflow: auto; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; text-align: center; }
`;
