// The package view of a Debian image's differences (src/packages): the packages, with their versions,
// whose own files differ, with the categories of each file; how many installed packages are identical; the
// paths several packages share; and the paths no package owns, each with the build step that created or
// last changed it when a check recorded one. Shown by `repro diff` (terminal, and every report once
// attributed) and `repro check`, as terminal lines, Markdown and HTML from the same data.
import { causeText } from '../core/evidence.js';
import { isCategory, type Category } from '../core/finding.js';
import { stepText } from '../core/step.js';
import type { OwnedFile, PackageAttribution, PackageGroup } from '../packages/dpkg.js';
import { escapeHtml as h, formatCount } from './html-escape.js';
import { style } from './style.js';

/** The report's `packages` section read defensively (a JSON file of another version, edited by hand). */
export function packagesOf(value: unknown): PackageAttribution | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const files = (x: unknown): OwnedFile[] =>
    (Array.isArray(x) ? x : []).flatMap((f: unknown) => {
      const o = f as Partial<OwnedFile> | null;
      if (!o || typeof o.path !== 'string') return [];
      const categories = (Array.isArray(o.categories) ? o.categories : []).filter((c): c is OwnedFile['categories'][number] => typeof c === 'string' && isCategory(c));
      const step = o.step && typeof o.step === 'object' && typeof o.step.action === 'string' ? o.step : undefined;
      const causes = o.causes && typeof o.causes === 'object' ? o.causes : undefined;
      return [{ path: o.path, categories, ...(causes ? { causes } : {}), ...(step ? { step } : {}) }];
    });
  const packages = (Array.isArray(v.packages) ? v.packages : []).flatMap((p: unknown) => {
    const o = p as Partial<PackageGroup> | null;
    if (!o || typeof o.name !== 'string') return [];
    return [{ name: o.name, ...(typeof o.version === 'string' ? { version: o.version } : {}), files: files(o.files) }];
  });
  const shared = (Array.isArray(v.shared) ? v.shared : []).flatMap((s: unknown) => {
    const o = s as { owners?: unknown } | null;
    const owners = Array.isArray(o?.owners) ? o.owners.filter((x): x is string => typeof x === 'string') : [];
    return files([s]).map((f) => ({ ...f, owners }));
  });
  const identical = typeof v.identical === 'number' ? v.identical : 0;
  return { packages, identical, unowned: files(v.unowned), shared };
}

/** A file's categories, each with its cause once `check --explain` found one: "content (caused by: hostname)". */
export function categoriesText(f: OwnedFile): string {
  return f.categories
    .map((c: Category) => {
      const cause = f.causes?.[c];
      const words = cause ? causeText({ category: c, facts: [], cause }) : undefined;
      return words ? `${c} (${words})` : c;
    })
    .join(', ');
}

/** Packages whose files differ only in mtime are the build's doing (unpack time), not the package's. */
function onlyMtime(pkg: PackageGroup): boolean {
  return pkg.files.every((f) => f.categories.every((c) => c === 'mtime'));
}

/** A package's categories over its files, each with the distinct causes found for it. */
function packageCategories(pkg: PackageGroup): string {
  const words = new Map<string, Set<string>>();
  for (const f of pkg.files) {
    for (const c of f.categories) {
      const set = words.get(c) ?? new Set<string>();
      const cause = f.causes?.[c];
      const text = cause ? causeText({ category: c, facts: [], cause }) : undefined;
      if (text) set.add(text);
      words.set(c, set);
    }
  }
  return [...words.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([c, set]) => (set.size ? `${c} (${[...set].join('; ')})` : c))
    .join(', ');
}

function label(pkg: PackageGroup): string {
  return pkg.version ? `${pkg.name} ${pkg.version}` : pkg.name;
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** The one summary line: "3 packages with differing files, 120 identical, 66 paths no package owns". */
export function packageSummary(p: PackageAttribution): string {
  const parts = [`${plural(p.packages.length, 'package')} with differing files`, `${formatCount(p.identical)} identical`];
  if (p.shared.length) parts.push(`${plural(p.shared.length, 'path')} shared by several packages`);
  if (p.unowned.length) parts.push(`${plural(p.unowned.length, 'path')} no package owns`);
  return parts.join(', ');
}

const UNOWNED_TITLE = 'no package: maintainer scripts or the build itself';

export function packageLines(p: PackageAttribution, maxFiles = 8): string[] {
  const lines = [`${style.bold('packages')}: ${packageSummary(p)}`];
  // one line for all packages that differ in mtime only, so the few that really vary stand out
  const detailed = p.packages.filter((pkg) => !onlyMtime(pkg));
  const quiet = p.packages.filter(onlyMtime);
  for (const pkg of detailed) {
    lines.push(`  ${style.cyan(label(pkg))} → ${plural(pkg.files.length, 'file')}`);
    for (const f of pkg.files.slice(0, maxFiles)) lines.push(`    ${f.path}  ${categoriesText(f)}`);
    if (pkg.files.length > maxFiles) lines.push(style.dim(`    … ${pkg.files.length - maxFiles} more`));
  }
  if (quiet.length) {
    const top = quiet.slice(0, 6).map((pkg) => `${pkg.name} (${pkg.files.length})`).join(', ');
    lines.push(`  ${plural(quiet.length, 'package')} with mtime differences only: ${top}${quiet.length > 6 ? ', …' : ''}`);
  }
  if (p.shared.length) {
    lines.push(`  ${style.cyan('(shared by several packages)')} → ${p.shared.length} paths: ${p.shared.slice(0, 6).map((f) => f.path).join(', ')}${p.shared.length > 6 ? ', …' : ''}`);
  }
  if (p.unowned.length) {
    lines.push(`  ${style.cyan(`(${UNOWNED_TITLE})`)} → ${plural(p.unowned.length, 'file')}`);
    for (const f of p.unowned.slice(0, maxFiles * 3)) {
      lines.push(`    ${f.path}  ${categoriesText(f)}${f.step ? style.dim(`  ← ${stepText(f.step)}`) : ''}`);
    }
    if (p.unowned.length > maxFiles * 3) lines.push(style.dim(`    … ${p.unowned.length - maxFiles * 3} more`));
  }
  return lines;
}

/** Markdown: the summary, a table of packages, and a table of unowned paths with their steps. */
export function packageMarkdown(p: PackageAttribution, mdText: (s: string) => string, mdCode: (s: string) => string, maxRows = 30): string[] {
  const lines = ['### Packages', '', mdText(packageSummary(p)) + '.', ''];
  if (p.packages.length) {
    lines.push('| package | version | files | categories |', '|---|---|---:|---|');
    for (const pkg of p.packages.slice(0, maxRows)) {
      lines.push(`| ${mdText(pkg.name)} | ${pkg.version ? mdCode(pkg.version) : ''} | ${pkg.files.length} | ${mdText(packageCategories(pkg))} |`);
    }
    if (p.packages.length > maxRows) lines.push('', `…and ${p.packages.length - maxRows} more packages.`);
    lines.push('');
  }
  if (p.unowned.length) {
    lines.push(`| path (${mdText(UNOWNED_TITLE)}) | categories | step |`, '|---|---|---|');
    for (const f of p.unowned.slice(0, maxRows)) lines.push(`| ${mdCode(f.path)} | ${mdText(categoriesText(f))} | ${f.step ? mdText(stepText(f.step)) : ''} |`);
    if (p.unowned.length > maxRows) lines.push('', `…and ${p.unowned.length - maxRows} more paths.`);
    lines.push('');
  }
  return lines;
}

/** HTML: one card; package rows filter the findings by package when clicked. */
export function packageHtml(p: PackageAttribution, maxRows = 30): string {
  if (p.packages.length === 0 && p.unowned.length === 0 && p.shared.length === 0) return '';
  const rows = p.packages.slice(0, maxRows).map((pkg) => {
    const shown = pkg.files.slice(0, 4).map((f) => `<code>${h(f.path)}</code>`).join(', ');
    const cats = packageCategories(pkg);
    return `<tr class="pick" data-pick-pkg="${h(pkg.name)}" tabindex="0"><td>${h(pkg.name)}</td><td class="small">${h(pkg.version ?? '')}</td><td class="num">${pkg.files.length}</td><td class="small">${h(cats)}</td><td class="small">${shown}${pkg.files.length > 4 ? ' …' : ''}</td></tr>`;
  });
  const more = p.packages.length > maxRows ? `<p class="small muted">and ${p.packages.length - maxRows} more packages</p>` : '';
  const table = rows.length ? `<table class="phases"><thead><tr><th>package</th><th>version</th><th>files</th><th>categories</th><th>paths</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '';
  const unownedRows = p.unowned.slice(0, maxRows).map((f) => `<tr><td><code>${h(f.path)}</code></td><td class="small">${h(categoriesText(f))}</td><td class="small">${f.step ? h(stepText(f.step)) : ''}</td></tr>`);
  const unowned = unownedRows.length
    ? `<h3>${h(UNOWNED_TITLE)}</h3><table class="phases"><thead><tr><th>path</th><th>categories</th><th>step</th></tr></thead><tbody>${unownedRows.join('')}</tbody></table>${p.unowned.length > maxRows ? `<p class="small muted">and ${p.unowned.length - maxRows} more paths</p>` : ''}`
    : '';
  return `<div class="card wide"><h2>Packages</h2><p class="small">${h(packageSummary(p))}</p>${table}${more}${unowned}</div>`;
}
