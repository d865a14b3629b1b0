// The page's only script (inline, no libraries): decodes the compact findings data (html-data.ts), builds
// the tree (group → directories → findings) in the browser, draws it lazily (a directory's rows exist only
// once it is opened, 500 at a time; a finding's diff only once it is expanded) and filters by category, layer,
// package and path text. Kept as plain ES2017 in a string so no bundler or helper injection (tsx/esbuild
// `__name`) can leak into it; it never uses innerHTML with report data.
import { DATA_SCRIPT } from './html-script-data.js';
import { DETAIL_SCRIPT } from './html-script-detail.js';

export const PAGE_SCRIPT = String.raw`(function () {
'use strict';
// marks let the benchmark split load time into HTML parsing and this script's own work
performance.mark('repro-start');
var D = JSON.parse(document.getElementById('repro-data').textContent);
var N = D.n, CATS = D.cats, COLORS = D.colors;
if (N === 0) { document.body.dataset.ready = '1'; return; }
var AUTO_OPEN = 300, CHUNK = 500, EXPAND_ROWS = 3000;
var $ = function (id) { return document.getElementById(id); };
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
${DATA_SCRIPT}
var M = decodeRows(D);
D.rows = null;
function pathOf(i) { return M.dir[i] + M.name[i]; }
function leafName(i) { return M.name[i] || pathOf(i) || '(image config)'; }
function layerKey(i) { return M.layer[i] < 0 ? 'image' : String(M.layer[i]); }
function extra(i, k) { var x = M.x[i]; return x ? x[k] : undefined; }
/** One finding as the details view reads it. */
function fin(i) {
  var l = M.layer[i];
  return { p: pathOf(i), i: extra(i, 'i'), c: M.cat[i], e: M.ev[i], l: l < 0 ? undefined : l, k: M.pkg[i], s: extra(i, 's'), w: extra(i, 'w') };
}

// ---- tree model: group → directory segments, findings on their directory. Nodes are made parents first,
// so a reverse walk sees children before parents and a forward walk parents before children.
var nodes = [{ name: '', parent: -1, depth: 0, kids: [], f: [], seg: new Map() }];
function child(p, name) {
  var n = nodes[p], id = n.seg.get(name);
  if (id === undefined) {
    id = nodes.length;
    nodes.push({ name: name, parent: p, depth: n.depth + 1, kids: [], f: [], seg: new Map() });
    n.seg.set(name, id);
    n.kids.push(id);
  }
  return id;
}
var fnode = new Int32Array(N), dirNode = new Map(), lastG = null, lastD = null, lastId = 0;
for (var i0 = 0; i0 < N; i0++) {
  var g = M.group[i0], d = M.dir[i0];
  if (g !== lastG || d !== lastD) {
    var key = g + '\u0000' + d;
    lastId = dirNode.get(key);
    if (lastId === undefined) {
      lastId = child(0, g);
      var segs = d.split('/');
      for (var s0 = 0; s0 < segs.length; s0++) if (segs[s0] !== '') lastId = child(lastId, segs[s0]);
      dirNode.set(key, lastId);
    }
    lastG = g; lastD = d;
  }
  fnode[i0] = lastId;
  nodes[lastId].f.push(i0);
}
dirNode = null;
// layers in numeric order ("layer 10" after "layer 9"), the image-level group first
function groupKey(name) { var m = /^layer (\d+)$/.exec(name); return m ? Number(m[1]) : name === 'image' ? -2 : -1; }
nodes[0].kids.sort(function (a, b) { return groupKey(nodes[a].name) - groupKey(nodes[b].name); });
// A chain of directories with one child each and no finding of their own is one row ("usr/share/doc"),
// below the group level only ("layer 0/etc" would read as a path).
function passThrough(n) { return n.depth >= 2 && n.kids.length === 1 && n.f.length === 0; }
nodes.forEach(function (n) { n.seg = null; n.inner = n.parent >= 0 && passThrough(nodes[n.parent]); n.count = 0; n.el = null; n.open = false; });
function bottom(id) { while (passThrough(nodes[id])) id = nodes[id].kids[0]; return id; }
function label(id) { var n = nodes[id], s = n.name; while (passThrough(n)) { n = nodes[n.kids[0]]; s += '/' + n.name; } return s; }
function rowParent(id) { var p = nodes[id].parent; while (p > 0 && nodes[p].inner) p = nodes[p].parent; return p; }
/** What a row shows when opened: its directories and findings by name, like ls (the groups keep their order). */
function itemsOf(id) {
  var n = nodes[id];
  if (n.items) return n.items;
  var b = nodes[bottom(id)], items = [], k;
  for (k = 0; k < b.kids.length; k++) items.push({ f: false, id: b.kids[k], name: nodes[b.kids[k]].name });
  for (k = 0; k < b.f.length; k++) items.push({ f: true, id: b.f[k], name: M.name[b.f[k]] });
  if (id > 0) items.sort(function (x, y) { return x.name < y.name ? -1 : x.name > y.name ? 1 : 0; });
  n.items = items;
  return items;
}

// ---- filter state
var state = { cats: {}, ncats: 0, layer: '', pkg: '', text: '', view: 'side' };
var match = new Uint8Array(N), shown = 0, hay = null;
function filtering() { return state.ncats > 0 || state.layer !== '' || state.pkg !== '' || state.text !== ''; }
function computeMatches() {
  var t = state.text.toLowerCase(), i;
  if (t !== '' && hay === null) {
    hay = new Array(N);
    for (i = 0; i < N; i++) { var inner = extra(i, 'i'); hay[i] = (pathOf(i) + (inner ? ' ' + inner : '')).toLowerCase(); }
  }
  var catOk = new Uint8Array(CATS.length);
  for (i = 0; i < CATS.length; i++) catOk[i] = state.ncats === 0 || state.cats[CATS[i]] === true ? 1 : 0;
  var layer = state.layer === '' ? null : state.layer === 'image' ? -1 : Number(state.layer);
  var pkg = state.pkg === '(no package)' ? '' : state.pkg;
  shown = 0;
  for (i = 0; i < N; i++) {
    var ok = catOk[M.cat[i]] === 1 && (layer === null || M.layer[i] === layer) &&
      (state.pkg === '' || M.pkg[i] === pkg) && (t === '' || hay[i].indexOf(t) >= 0);
    match[i] = ok ? 1 : 0;
    if (ok) shown++;
  }
  var count = new Int32Array(nodes.length), j;
  for (i = 0; i < N; i++) count[fnode[i]] += match[i];
  for (j = nodes.length - 1; j > 0; j--) count[nodes[j].parent] += count[j];
  for (j = 0; j < nodes.length; j++) nodes[j].count = count[j];
}

// ---- rendering
var tree = $('tree'), fEls = new Map(), shownNodes = [];
function nodeEl(id) {
  var n = nodes[id];
  var wrap = el('div', 'node');
  var row = el('div', 'row dir');
  row.tabIndex = 0;
  row.setAttribute('role', 'button');
  row.dataset.node = id;
  row.setAttribute('aria-expanded', 'false');
  row.appendChild(el('span', 'caret'));
  row.appendChild(el('span', 'name', label(id) || '/'));
  n.countEl = el('span', 'count', n.count);
  row.appendChild(n.countEl);
  wrap.appendChild(row);
  n.kidsEl = el('div', 'kids');
  n.kidsEl.hidden = true;
  wrap.appendChild(n.kidsEl);
  n.el = wrap;
  n.rendered = false;
  shownNodes.push(id);
  if (n.open) openNode(id, true);
  return wrap;
}
function findingEl(i) {
  var c = M.cat[i];
  var wrap = el('div', 'finding');
  var row = el('div', 'row frow');
  row.tabIndex = 0;
  row.setAttribute('role', 'button');
  row.setAttribute('aria-expanded', 'false');
  row.dataset.f = i;
  row.appendChild(el('span', 'caret'));
  row.appendChild(el('span', 'name', leafName(i)));
  var b = el('span', 'cat', CATS[c]);
  b.style.setProperty('--c', COLORS[c]);
  row.appendChild(b);
  row.appendChild(el('span', 'ev', M.ev[i]));
  var w = extra(i, 'w');
  if (w) row.appendChild(el('span', 'warn', '\u26a0')).title = w;
  if (M.pkg[i]) row.appendChild(el('span', 'tag', M.pkg[i]));
  row.appendChild(el('span', 'tag', M.layer[i] < 0 ? 'image' : 'layer ' + M.layer[i]));
  wrap.appendChild(row);
  wrap.dataset.cat = CATS[c];
  wrap.hidden = !match[i];
  fEls.set(i, wrap);
  return wrap;
}
function appendItems(id, start) {
  var n = nodes[id], items = itemsOf(id), k;
  var end = Math.min(items.length, start + CHUNK);
  var frag = document.createDocumentFragment();
  for (k = start; k < end; k++) {
    var it = items[k];
    if (it.f) frag.appendChild(findingEl(it.id));
    else { var c = nodes[it.id]; frag.appendChild(nodeEl(it.id)); c.el.hidden = c.count === 0; }
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
    if (!n.inner && n.count > 0 && n.depth <= limitDepth && !n.open) { n.open = true; if (n.el) openNode(j, true); }
  }
}
function refresh() {
  for (var j = 0; j < shownNodes.length; j++) {
    var n = nodes[shownNodes[j]];
    n.el.hidden = n.count === 0;
    n.countEl.textContent = n.count;
  }
  fEls.forEach(function (w, i) { w.hidden = !match[i]; });
  $('shown').textContent = shown === N ? N + ' findings' : shown + ' of ' + N + ' findings';
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
  var wrap = fEls.get(i), row = wrap.firstChild, det = wrap.querySelector('.detail');
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
// Opening everything in a 100,000-finding report would build every row at once: open in document order
// (a directory, then everything inside it) until about EXPAND_ROWS rows are shown, and say so.
function expandAll() {
  var budget = EXPAND_ROWS, complete = true;
  for (var j = 1; j < nodes.length; j++) {
    var node = nodes[j];
    if (node.inner || node.open || node.count === 0) continue;
    var p = rowParent(j);
    if (p > 0 && !nodes[p].open) continue;
    var cost = itemsOf(j).length;
    if (cost > budget) { complete = false; break; }
    budget -= cost;
    node.open = true;
    if (node.el) openNode(j, true);
  }
  refresh();
  $('hint').textContent = complete ? '' : 'Expanded the first ' + (EXPAND_ROWS - budget) + ' rows; filter to see the rest.';
}
$('expand').addEventListener('click', expandAll);
$('collapse').addEventListener('click', function () { for (var j = 1; j < nodes.length; j++) if (!nodes[j].inner) openNode(j, false); });
document.querySelectorAll('input[name=view]').forEach(function (r) {
  r.addEventListener('change', function () {
    state.view = this.value;
    // redraw the open details in the new layout; closed ones are dropped and redrawn when opened
    fEls.forEach(function (w, i) {
      var det = w.querySelector('.detail');
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
if (N <= AUTO_OPEN) openMatching(1e9); else openMatching(1);
tree.appendChild(appendItems(0, 0));
applyFilter();
performance.mark('repro-ready');
document.body.dataset.ready = '1';
})();`;
