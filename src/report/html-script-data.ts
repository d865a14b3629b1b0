// The page's reader of the compact findings data written by html-data.ts: rows into columns, the sparse
// details island into a lookup by finding index, through the same shared string table. Spliced into the page
// script (html-script.ts) and, on its own, evaluated by the tests, so what they check is what the page runs.
export const DATA_SCRIPT = String.raw`// ---- the compact data (src/report/html-data.ts)
// a number is an index into the table; anything else is a value, kept in the table while it has room
function tableReader(T, max) {
  return function (v) {
    if (typeof v === 'number') return T[v];
    if (T.length < max) T.push(v);
    return v;
  };
}
function decodeRows(D) {
  var rows = D.rows, S = D.stride, n = D.n, T = [''], str = tableReader(T, D.tableMax);
  var c = { table: T, group: new Array(n), dir: new Array(n), name: new Array(n), cat: new Uint8Array(n), layer: new Int32Array(n), ev: new Array(n), pkg: new Array(n), x: new Array(n) };
  for (var i = 0, o = 0; i < n; i++, o += S) {
    c.group[i] = str(rows[o]);
    c.dir[i] = str(rows[o + 1]);
    c.name[i] = rows[o + 2];
    c.cat[i] = rows[o + 3];
    c.layer[i] = rows[o + 4];
    c.ev[i] = str(rows[o + 5]);
    c.pkg[i] = str(rows[o + 6]);
    c.x[i] = rows[o + 7] || null;
  }
  return c;
}
// one details island: its own table
function decodeDetails(list, max) {
  var str = tableReader([''], max), out = new Map();
  for (var o = 0; o < list.length; o += 3) out.set(list[o], [list[o + 1] === 0 ? null : str(list[o + 1]), list[o + 2] === 0 ? null : str(list[o + 2])]);
  return out;
}
`;
