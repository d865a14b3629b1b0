// The tree the page shows: the report's own layer → directory → path tree when it covers every finding
// exactly once, otherwise one built here from the findings (so a renderer never hides a finding because
// a producer grouped them differently). Single-child directory chains are folded ("usr/share/doc") so
// nobody clicks through five levels to reach one file.
import type { Finding, TreeNode } from '../core/finding.js';

/** Compact node for the embedded JSON: name, children, finding indexes. */
export interface PageNode {
  n: string;
  c: PageNode[];
  f: number[];
}

function coversExactlyOnce(tree: TreeNode | undefined, total: number): boolean {
  if (!tree || !Array.isArray(tree.children)) return false;
  const seen = new Uint8Array(total);
  let count = 0;
  const stack: TreeNode[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const i of node.findings ?? []) {
      if (!Number.isInteger(i) || i < 0 || i >= total || seen[i]) return false;
      seen[i] = 1;
      count++;
    }
    for (const c of node.children ?? []) stack.push(c);
  }
  return count === total;
}

function topName(f: Finding): string {
  return f.layer === undefined ? 'image' : `layer ${f.layer}`;
}

/** layer → path segments → findings, children sorted by name (directories and files mixed, like `ls`). */
export function buildTree(findings: readonly Finding[]): TreeNode {
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
  findings.forEach((f, i) => {
    let node = child(root, topName(f));
    for (const seg of f.path.split('/')) if (seg !== '') node = child(node, seg);
    node.findings.push(i);
  });
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
  return m ? Number(m[1]) : -1;
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

export function pageTree(findings: readonly Finding[], tree: TreeNode | undefined): PageNode {
  const source = coversExactlyOnce(tree, findings.length) ? tree! : buildTree(findings);
  return toPage(source, 0);
}
