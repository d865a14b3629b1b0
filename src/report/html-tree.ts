// The tree the page shows: group (image / layer N / files) → directory segments → file, built from the
// findings as they stream from the store. Directories as full paths would put thousands of them side by
// side for a root filesystem; a real hierarchy with single-child chains folded
// ("usr/share/doc") lets people drill down instead of scrolling.
import type { Finding } from '../core/finding.js';
import { groupOf } from '../core/report.js';

interface TreeNode {
  name: string;
  children: TreeNode[];
  /** Indexes into the report's findings. */
  findings: number[];
}

/** Compact node for the embedded JSON: name, children, finding indexes. */
export interface PageNode {
  n: string;
  c: PageNode[];
  f: number[];
}

/** layer → path segments → findings, children sorted by name (directories and files mixed, like `ls`). */
export function buildTree(findings: Iterable<Finding>): TreeNode {
  const root: TreeNode = { name: '', children: [], findings: [] };
  const index = new Map<TreeNode, Map<string, TreeNode>>();
  const child = (parent: TreeNode, name: string): TreeNode => {
    let kids = index.get(parent);
    if (!kids) index.set(parent, (kids = new Map()));
    let node = kids.get(name);
    if (!node) {
      node = { name, children: [], findings: [] };
      kids.set(name, node);
      parent.children.push(node);
    }
    return node;
  };
  let i = 0;
  for (const f of findings) {
    let node = child(root, groupOf(f));
    for (const seg of f.path.split('/')) if (seg !== '') node = child(node, seg);
    node.findings.push(i++);
  }
  const sort = (n: TreeNode): void => {
    n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    n.children.forEach(sort);
  };
  // layers stay in numeric order ("layer 10" after "layer 9"), the image-level node first
  root.children.sort((a, b) => layerKey(a.name) - layerKey(b.name));
  root.children.forEach(sort);
  return root;
}

function layerKey(name: string): number {
  const m = /^layer (\d+)$/.exec(name);
  return m ? Number(m[1]) : name === 'image' ? -2 : -1;
}

function toPage(node: TreeNode, depth: number): PageNode {
  let name = node.name;
  let cur = node;
  // fold below the layer level only: "layer 0/etc" would read as a path
  while (depth >= 2 && cur.children.length === 1 && (cur.findings ?? []).length === 0) {
    cur = cur.children[0]!;
    name = name === '' ? cur.name : `${name}/${cur.name}`;
  }
  return { n: name, c: (cur.children ?? []).map((c) => toPage(c, depth + 1)), f: [...(cur.findings ?? [])] };
}

export function pageTree(findings: Iterable<Finding>): PageNode {
  return toPage(buildTree(findings), 0);
}
