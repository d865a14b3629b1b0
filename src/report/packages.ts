// The package attribution (src/packages) as terminal lines: shown by `repro diff --packages` and by check.
import type { PackageAttribution } from '../packages/dpkg.js';
import { style } from './style.js';

export function packageLines(p: PackageAttribution, maxFiles = 8): string[] {
  const lines = [style.bold('packages')];
  // Packages whose files differ only in mtime are the build's doing (unpack time), not the package's:
  // one line for all of them, so the few that really vary stand out.
  const onlyMtime = (pkg: PackageAttribution['packages'][number]): boolean => pkg.files.every((f) => f.categories.every((c) => c === 'mtime'));
  const detailed = p.packages.filter((pkg) => !onlyMtime(pkg));
  const quiet = p.packages.filter(onlyMtime);
  for (const pkg of detailed) {
    lines.push(`  ${style.cyan(pkg.name)} → ${pkg.files.length} file${pkg.files.length === 1 ? '' : 's'}`);
    for (const f of pkg.files.slice(0, maxFiles)) lines.push(`    ${f.path}  ${f.categories.join(', ')}`);
    if (pkg.files.length > maxFiles) lines.push(style.dim(`    … ${pkg.files.length - maxFiles} more`));
  }
  if (quiet.length) {
    const top = quiet.slice(0, 6).map((pkg) => `${pkg.name} (${pkg.files.length})`).join(', ');
    lines.push(`  ${quiet.length} package${quiet.length === 1 ? '' : 's'} with mtime differences only: ${top}${quiet.length > 6 ? ', …' : ''}`);
  }
  if (p.shared.length) {
    lines.push(`  ${style.cyan('(shared by several packages)')} → ${p.shared.length} paths: ${p.shared.slice(0, 6).map((f) => f.path).join(', ')}${p.shared.length > 6 ? ', …' : ''}`);
  }
  if (p.unowned.length) {
    lines.push(`  ${style.cyan('(no package: maintainer scripts or the build itself)')} → ${p.unowned.length} files`);
    for (const f of p.unowned.slice(0, maxFiles * 3)) lines.push(`    ${f.path}  ${f.categories.join(', ')}`);
    if (p.unowned.length > maxFiles * 3) lines.push(style.dim(`    … ${p.unowned.length - maxFiles * 3} more`));
  }
  return lines;
}
