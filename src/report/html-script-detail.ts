// The part of the page script that draws one finding's details when it is first expanded: the fields,
// the diff side by side or unified from the rows html-detail.ts prepared (changed words already marked),
// hexdumps and other text as they are, and the suggested rule with a copy button. Spliced into the
// script of html-script.ts, whose closure (D, CATS, state, el, fin, decodeDetails) it uses; text only, never innerHTML.
export const DETAIL_SCRIPT = String.raw`// ---- details, drawn on first expand
function segsInto(parent, segs, cls) {
  for (var i = 0; i < segs.length; i++) {
    if (segs[i] === '') continue;
    if (i % 2 === 1) parent.appendChild(el('mark', cls, segs[i]));
    else parent.appendChild(document.createTextNode(segs[i]));
  }
}
function td(cls, text) { return el('td', cls, text === null || text === undefined ? '' : text); }
function lineCell(cls, segs, markCls) { var c = el('td', 'code ' + cls); segsInto(c, segs, markCls); return c; }
function sideBySide(rows) {
  var t = el('table', 'diff side'), tb = el('tbody');
  var head = el('tr', 'colhead');
  head.appendChild(el('th', '', '')); head.appendChild(el('th', '', D.names[0]));
  head.appendChild(el('th', '', '')); head.appendChild(el('th', '', D.names[1]));
  tb.appendChild(head);
  rows.forEach(function (r) {
    var tr = el('tr', 'r' + r[0]);
    if (r[0] === 'h') { var c = el('td', 'hunk', r[1]); c.colSpan = 4; tr.appendChild(c); }
    else if (r[0] === 'c') { tr.appendChild(td('no', r[2])); tr.appendChild(td('code', r[1])); tr.appendChild(td('no', r[3])); tr.appendChild(td('code', r[1])); }
    else if (r[0] === 'm') { tr.appendChild(td('no', r[3])); tr.appendChild(lineCell('del', r[1], 'del')); tr.appendChild(td('no', r[4])); tr.appendChild(lineCell('ins', r[2], 'ins')); }
    else if (r[0] === 'd') { tr.appendChild(td('no', r[2])); tr.appendChild(lineCell('del', r[1], 'del')); tr.appendChild(td('no', '')); tr.appendChild(td('code empty', '')); }
    else { tr.appendChild(td('no', '')); tr.appendChild(td('code empty', '')); tr.appendChild(td('no', r[2])); tr.appendChild(lineCell('ins', r[1], 'ins')); }
    tb.appendChild(tr);
  });
  t.appendChild(tb);
  return t;
}
function unified(rows) {
  var t = el('table', 'diff uni'), tb = el('tbody'), dels = [], adds = [];
  function line(kind, o, n, segs, sign) {
    var tr = el('tr', 'r' + kind);
    tr.appendChild(td('no', o)); tr.appendChild(td('no', n));
    var c = el('td', 'code ' + (kind === 'd' ? 'del' : kind === 'a' ? 'ins' : ''));
    c.appendChild(el('span', 'sign', sign));
    if (typeof segs === 'string') c.appendChild(document.createTextNode(segs)); else segsInto(c, segs, kind === 'd' ? 'del' : 'ins');
    tr.appendChild(c);
    tb.appendChild(tr);
  }
  // a run of changes reads as all removed lines, then all added ones, like diff -u prints it
  function flush() {
    dels.forEach(function (d) { line('d', d[1], '', d[0], '-'); });
    adds.forEach(function (a) { line('a', '', a[1], a[0], '+'); });
    dels = []; adds = [];
  }
  rows.forEach(function (r) {
    if (r[0] === 'm') { dels.push([r[1], r[3]]); adds.push([r[2], r[4]]); return; }
    if (r[0] === 'd') { dels.push([r[1], r[2]]); return; }
    if (r[0] === 'a') { adds.push([r[1], r[2]]); return; }
    flush();
    if (r[0] === 'h') { var tr = el('tr', 'rh'), c = el('td', 'hunk', r[1]); c.colSpan = 3; tr.appendChild(c); tb.appendChild(tr); }
    else line('c', r[2], r[3], r[1], ' ');
  });
  flush();
  t.appendChild(tb);
  return t;
}
function field(dl, name, value, cls) {
  if (value === undefined || value === null || value === '') return;
  dl.appendChild(el('dt', '', name));
  dl.appendChild(el('dd', cls || '', value));
}
var DET = new Map();
function detailOf(i) {
  var k = Math.floor(i / D.detailChunk), chunk = DET.get(k);
  if (!chunk) {
    var island = document.getElementById('repro-details-' + k);
    chunk = island ? decodeDetails(JSON.parse(island.textContent), D.tableMax) : new Map();
    DET.set(k, chunk);
  }
  return chunk.get(i) || [null, null];
}
function renderDetail(i) {
  var f = fin(i), det = detailOf(i), view = det[0], rule = det[1], box = el('div', 'detail');
  var dl = el('dl', 'fields');
  field(dl, 'path', f.p || '(image)', 'mono');
  field(dl, 'inside', f.i, 'mono');
  field(dl, 'category', CATS[f.c] + ' \u2014 ' + D.meanings[f.c]);
  field(dl, 'evidence', f.e);
  field(dl, 'layer', f.l === undefined ? 'image level' : String(f.l));
  field(dl, 'package', f.k);
  field(dl, 'made by', f.s);
  field(dl, 'warning', f.w, 'warntext');
  box.appendChild(dl);
  if (view) {
    var wrap = el('div', 'diffwrap' + (CATS[f.c] === 'binary' ? ' hex' : ''));
    if (view.t === 'diff') wrap.appendChild(state.view === 'side' ? sideBySide(view.rows) : unified(view.rows));
    else wrap.appendChild(el('pre', 'text', view.s));
    box.appendChild(wrap);
    if (view.note) box.appendChild(el('p', 'note', view.note));
  } else box.appendChild(el('p', 'note', 'No content detail for this finding.'));
  if (rule) {
    var rb = el('div', 'rule');
    var hdr = el('div', 'rulehead', 'Suggested rule');
    var copy = el('button', 'copy', 'copy');
    copy.onclick = function (ev) {
      ev.stopPropagation();
      if (navigator.clipboard) navigator.clipboard.writeText(rule).then(function () { copy.textContent = 'copied'; }, function () { copy.textContent = 'select and copy'; });
    };
    hdr.appendChild(copy);
    rb.appendChild(hdr);
    rb.appendChild(el('pre', 'ruletext', rule));
    box.appendChild(rb);
  } else if (D.ruleFindings > 0 && i >= D.ruleFindings) {
    box.appendChild(el('p', 'note', 'Suggested rules are shown for the first ' + D.ruleFindings + ' findings; repro rules REPORT.json writes the rules for all of them.'));
  }
  return box;
}
`;
