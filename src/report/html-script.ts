// The page's only script (inline, no libraries): reads the JSON island, draws the findings tree lazily
// (a directory's rows exist only once it is opened, a finding's diff only once it is expanded) and filters
// by category, layer, package and path text. Kept as plain ES2017 in a string so no bundler or helper
// injection (tsx/esbuild `__name`) can leak into it; it never uses innerHTML with report data.
import { DETAIL_SCRIPT } from './html-script-detail.js';

export const PAGE_SCRIPT = String.raw`(function () {
'use strict';
// marks let the benchmark split load time into HTML parsing and this script's own work
performance.mark('repro-start');
var D = JSON.parse(document.getElementById('repro-data').textContent);
var F = D.findings, CATS = D.cats, COLORS = D.colors;
if (F.length === 0) { document.body.dataset.ready = '1'; return; }
var AUTO_OPEN = 300, CHUNK = 500, EXPAND_ROWS = 3000;
var $ = function (id) { return document.getElementById(id); };
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function layerKey(f) { return f.l === undefined || f.l === null ? 'image' : String(f.l); }
function pkgKey(f) { return f.k || '(no package)'; }
function baseName(p) { var i = p.lastIndexOf('/'); return i >= 0 && i < p.length - 1 ? p.slice(i + 1) : (p || '(image config)'); }

// ---- tree model: nodes flattened in pre-order, so a reverse walk sees children before parents
var nodes = [];
function flatten(n, parent, depth) {
  var id = nodes.length;
  var node = { name: n.n, kids: [], f: n.f, parent: parent, depth: depth, count: 0, el: null, kidsEl: null, open: false };
  nodes.push(node);
  for (var i = 0; i < n.c.length; i++) node.kids.push(flatten(n.c[i], id, depth + 1));
  return id;
}
flatten(D.tree, -1, 0);
var leafName = new Array(F.length);
nodes.forEach(function (n) { for (var i = 0; i < n.f.length; i++) leafName[n.f[i]] = n.kids.length === 0 && n.depth >= 2 ? n.name : baseName(F[n.f[i]].p); });

// ---- filter state
var state = { cats: {}, ncats: 0, layer: '', pkg: '', text: '', view: 'side' };
var match = new Uint8Array(F.length), shown = 0;
var hay = F.map(function (f) { return (f.p + (f.i ? ' ' + f.i : '')).toLowerCase(); });
function filtering() { return state.ncats > 0 || state.layer !== '' || state.pkg !== '' || state.text !== ''; }
function computeMatches() {
  var t = state.text.toLowerCase();
  shown = 0;
  for (var i = 0; i < F.length; i++) {
    var f = F[i];
    var ok = (state.ncats === 0 || state.cats[CATS[f.c]] === true) &&
      (state.layer === '' || layerKey(f) === state.layer) &&
      (state.pkg === '' || pkgKey(f) === state.pkg) &&
      (t === '' || hay[i].indexOf(t) >= 0);
    match[i] = ok ? 1 : 0;
    shown += match[i];
  }
  for (var j = nodes.length - 1; j >= 0; j--) {
    var n = nodes[j], c = 0, k;
    for (k = 0; k < n.f.length; k++) c += match[n.f[k]];
    for (k = 0; k < n.kids.length; k++) c += nodes[n.kids[k]].count;
    n.count = c;
  }
}

// ---- rendering
var tree = $('tree'), fEls = new Array(F.length);
function badge(f) {
  var b = el('span', 'cat', CATS[f.c]);
  b.style.setProperty('--c', COLORS[f.c]);
  return b;
}
function nodeEl(id) {
  var n = nodes[id];
  var wrap = el('div', 'node');
  var row = el('div', 'row dir');
  row.tabIndex = 0;
  row.setAttribute('role', 'button');
  row.dataset.node = id;
  row.setAttribute('aria-expanded', 'false');
  row.appendChild(el('span', 'caret'));
  row.appendChild(el('span', 'name', n.name || '/'));
  n.countEl = el('span', 'count', n.count);
  row.appendChild(n.countEl);
  wrap.appendChild(row);
  n.kidsEl = el('div', 'kids');
  n.kidsEl.hidden = true;
  wrap.appendChild(n.kidsEl);
  n.el = wrap;
  n.rendered = false;
  if (n.open) openNode(id, true);
  return wrap;
}
function findingEl(i) {
  var f = F[i];
  var wrap = el('div', 'finding');
  var row = el('div', 'row frow');
  row.tabIndex = 0;
  row.setAttribute('role', 'button');
  row.setAttribute('aria-expanded', 'false');
  row.dataset.f = i;
  row.appendChild(el('span', 'caret'));
  row.appendChild(el('span', 'name', leafName[i]));
  row.appendChild(badge(f));
  row.appendChild(el('span', 'ev', f.e));
  if (f.w) row.appendChild(el('span', 'warn', '\u26a0')).title = f.w;
  if (f.k) row.appendChild(el('span', 'tag', f.k));
  row.appendChild(el('span', 'tag', f.l === undefined ? 'image' : 'layer ' + f.l));
  wrap.appendChild(row);
  wrap.dataset.cat = CATS[f.c];
  wrap.hidden = !match[i];
  fEls[i] = wrap;
  return wrap;
}
function appendItems(id, start) {
  var n = nodes[id], items = [], k;
  for (k = 0; k < n.f.length; k++) items.push(['f', n.f[k]]);
  for (k = 0; k < n.kids.length; k++) {
    var kid = nodes[n.kids[k]];
    // a file below a directory needs no row of its own: its findings are the rows
    if (kid.kids.length === 0 && kid.depth >= 2) kid.f.forEach(function (i) { items.push(['f', i]); });
    else items.push(['n', n.kids[k]]);
  }
  var end = Math.min(items.length, start + CHUNK);
  var frag = document.createDocumentFragment();
  for (k = start; k < end; k++) {
    var it = items[k];
    if (it[0] === 'f') frag.appendChild(findingEl(it[1]));
    else { var c = nodes[it[1]]; frag.appendChild(nodeEl(it[1])); c.el.hidden = c.count === 0; }
  }
  if (end < items.length) {
    var more = el('button', 'more', 'show ' + Math.min(CHUNK, items.length - end) + ' more of ' + (items.length - end));
    more.onclick = function () { more.remove(); n.kidsEl.appendChild(appendItems(id, end)); };
    frag.appendChild(more);
  }
  return frag;
}
function openNode(id, open) {
  var n = nodes[id];
  n.open = open;
  if (!n.el) return;
  if (open && !n.rendered) { n.kidsEl.appendChild(appendItems(id, 0)); n.rendered = true; }
  n.kidsEl.hidden = !open;
  n.el.firstChild.setAttribute('aria-expanded', String(open));
  n.el.classList.toggle('open', open);
}
function openMatching(limitDepth) {
  for (var j = 1; j < nodes.length; j++) {
    var n = nodes[j];
    if (n.count > 0 && n.depth <= limitDepth && !n.open) { n.open = true; if (n.el) openNode(j, true); }
  }
}
function refresh() {
  for (var j = 1; j < nodes.length; j++) {
    var n = nodes[j];
    if (!n.el) continue;
    n.el.hidden = n.count === 0;
    n.countEl.textContent = n.count;
  }
  for (var i = 0; i < F.length; i++) if (fEls[i]) fEls[i].hidden = !match[i];
  $('shown').textContent = shown === F.length ? F.length + ' findings' : shown + ' of ' + F.length + ' findings';
  $('empty').hidden = shown > 0;
}
function applyFilter() {
  computeMatches();
  $('hint').textContent = '';
  if (filtering() && shown <= AUTO_OPEN) openMatching(1e9);
  refresh();
  var chips = document.querySelectorAll('#chips .chip');
  for (var i = 0; i < chips.length; i++) chips[i].setAttribute('aria-pressed', String(state.cats[chips[i].dataset.cat] === true));
  $('layer').value = state.layer;
  if ($('pkg')) $('pkg').value = state.pkg;
}

${DETAIL_SCRIPT}
function toggleFinding(i) {
  var wrap = fEls[i], row = wrap.firstChild, det = wrap.querySelector('.detail');
  var open = row.getAttribute('aria-expanded') !== 'true';
  if (open && !det) { det = renderDetail(i); wrap.appendChild(det); }
  if (det) det.hidden = !open;
  row.setAttribute('aria-expanded', String(open));
  wrap.classList.toggle('open', open);
}
function activate(row) {
  if (row.dataset.node !== undefined) { var id = +row.dataset.node; openNode(id, !nodes[id].open); }
  else if (row.dataset.f !== undefined) toggleFinding(+row.dataset.f);
}
tree.addEventListener('click', function (ev) { var row = ev.target.closest('.row'); if (row && !ev.target.closest('.detail')) activate(row); });
tree.addEventListener('keydown', function (ev) {
  if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.classList.contains('row')) { ev.preventDefault(); activate(ev.target); }
});

// ---- controls
function setOnlyCat(cat) {
  var only = state.ncats === 1 && state.cats[cat] === true;
  state.cats = {}; state.ncats = 0;
  if (!only) { state.cats[cat] = true; state.ncats = 1; }
}
$('chips').addEventListener('click', function (ev) {
  var chip = ev.target.closest('.chip');
  if (!chip) return;
  var c = chip.dataset.cat;
  if (state.cats[c]) { delete state.cats[c]; state.ncats--; } else { state.cats[c] = true; state.ncats++; }
  applyFilter();
});
$('q').addEventListener('input', function () { state.text = this.value; applyFilter(); });
$('layer').addEventListener('change', function () { state.layer = this.value; applyFilter(); });
if ($('pkg')) $('pkg').addEventListener('change', function () { state.pkg = this.value; applyFilter(); });
$('clear').addEventListener('click', function () {
  state.cats = {}; state.ncats = 0; state.layer = ''; state.pkg = ''; state.text = ''; $('q').value = ''; $('hint').textContent = '';
  applyFilter();
});
// Opening everything in a 10,000-finding report would build every row at once: open in document order
// (a directory, then everything inside it) until about EXPAND_ROWS rows are shown, and say so.
function rowCost(n) {
  var c = n.f.length;
  n.kids.forEach(function (k) { var kid = nodes[k]; c += kid.kids.length === 0 && kid.depth >= 2 ? kid.f.length : 1; });
  return c;
}
function expandAll() {
  var budget = EXPAND_ROWS, complete = true;
  for (var j = 1; j < nodes.length; j++) {
    var node = nodes[j];
    if (node.open || node.count === 0 || (node.kids.length === 0 && node.depth >= 2)) continue;
    if (node.parent > 0 && !nodes[node.parent].open) continue;
    var cost = rowCost(node);
    if (cost > budget) { complete = false; break; }
    budget -= cost;
    node.open = true;
    if (node.el) openNode(j, true);
  }
  refresh();
  $('hint').textContent = complete ? '' : 'Expanded the first ' + (EXPAND_ROWS - budget) + ' rows; filter to see the rest.';
}
$('expand').addEventListener('click', expandAll);
$('collapse').addEventListener('click', function () { for (var j = 1; j < nodes.length; j++) openNode(j, false); });
document.querySelectorAll('input[name=view]').forEach(function (r) {
  r.addEventListener('change', function () {
    state.view = this.value;
    // redraw the open details in the new layout; closed ones are dropped and redrawn when opened
    fEls.forEach(function (w, i) {
      var det = w && w.querySelector('.detail');
      if (!det) return;
      if (det.hidden) det.remove(); else det.replaceWith(renderDetail(i));
    });
  });
});
function pick(row) {
  if (row.dataset.pickCat) setOnlyCat(row.dataset.pickCat);
  if (row.dataset.pickLayer) state.layer = state.layer === row.dataset.pickLayer ? '' : row.dataset.pickLayer;
  if (row.dataset.pickPkg) state.pkg = state.pkg === row.dataset.pickPkg ? '' : row.dataset.pickPkg;
  applyFilter();
  $('findings').scrollIntoView({ behavior: 'smooth' });
}
// summary, phase and package rows all filter the tree when clicked
document.querySelector('main').addEventListener('click', function (ev) { var row = ev.target.closest('.pick'); if (row) pick(row); });
document.querySelector('main').addEventListener('keydown', function (ev) {
  var row = ev.target.closest && ev.target.closest('.pick');
  if (row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); pick(row); }
});

computeMatches();
nodes[0].kidsEl = tree;
// small reports open fully; big ones show the top level and let people drill down or filter
if (F.length <= AUTO_OPEN) openMatching(1e9); else openMatching(1);
tree.appendChild(appendItems(0, 0));
applyFilter();
performance.mark('repro-ready');
document.body.dataset.ready = '1';
})();`;
