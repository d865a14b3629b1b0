// Findings → Report: the flat, complete list plus a tree (group → directory → path) for renderers that
// show structure. Groups: "image" for image-level documents, "layer N" for layer findings, "files" for
// plain tars, directories and single files.
import { REPORT_SCHEMA, type Category, type Finding, type Report, type ReportInput, type TreeNode } from '../core/finding.js';

export function groupOf(f: Finding): string {
  const group = f.category === 'image-metadata' ? 'image' : f.layer !== undefined ? `layer ${f.layer}` : f.platform ? 'index' : 'files';
  return f.platform ? `${f.platform} ${group}` : group;
}

/** The directory a finding is listed under: "/usr/bin" for "/usr/bin/gunzip", "" for top-level findings. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 ? '/' : path.slice(0, i);
}

/** Children by name: a linear find was quadratic (100k findings in one directory took 40 s). */
const index = new WeakMap<TreeNode, Map<string, TreeNode>>();

function child(node: TreeNode, name: string): TreeNode {
  let byName = index.get(node);
  if (!byName) index.set(node, (byName = new Map(node.children.map((n) => [n.name, n]))));
  let c = byName.get(name);
  if (!c) {
    c = { name, children: [], findings: [] };
    node.children.push(c);
    byName.set(name, c);
  }
  return c;
}

export function buildTree(findings: Finding[]): TreeNode {
  const root: TreeNode = { name: '', children: [], findings: [] };
  findings.forEach((f, i) => {
    child(child(child(root, groupOf(f)), dirOf(f.path)), f.path).findings.push(i);
  });
  return root;
}

/** True when some finding is in a category that counts (not ignored). */
export function hasFailing(findings: Finding[], ignored: readonly string[]): boolean {
  return findings.some((f) => !ignored.includes(f.category));
}

export function buildReport(parts: { inputs: ReportInput[]; findings: Finding[]; ignored: Category[]; warnings: string[] }): Report {
  return {
    schema: REPORT_SCHEMA,
    // identical = nothing that counts differs; ignored categories are still listed in findings
    identical: !hasFailing(parts.findings, parts.ignored),
    inputs: parts.inputs,
    findings: parts.findings,
    tree: buildTree(parts.findings),
    ignored: [...parts.ignored],
    warnings: parts.warnings,
  };
}
