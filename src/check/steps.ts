// The build step of each differing path no package owns, from the builds' own records (the builder's
// step timeline, src/builder/step-timeline.ts): set on the findings and on the package view's unowned
// files. The control build's record first; a path only the variant has comes from the variant's.
import type { Findings } from '../core/findings.js';
import type { BuildStep } from '../core/step.js';
import type { PackageAttribution } from '../packages/dpkg.js';
import type { BuildRun } from './builds.js';

export function attachSteps(runs: BuildRun[], findings: Findings, attribution: PackageAttribution | undefined): void {
  if (!attribution || attribution.unowned.length === 0) return;
  const unowned = new Map(attribution.unowned.map((u) => [u.path, u]));
  const records = runs.slice(0, 2).map((r) => r.result.steps ?? []);
  const stepOf = (layer: number, path: string): BuildStep | undefined => {
    for (const steps of records) {
      const s = steps[layer]?.get(path);
      if (s) return s;
    }
    return undefined;
  };
  // A path changed in several layers: the package view shows the step of the topmost one.
  const topLayer = new Map<string, number>();
  // an update, not a loop: the store may have spilled, and then what a loop sets is lost
  findings.update((f) => {
    if (f.layer === undefined || !unowned.has(f.path)) return f;
    const step = stepOf(f.layer, f.path);
    if (!step) return f;
    const file = unowned.get(f.path)!;
    if ((topLayer.get(f.path) ?? -1) < f.layer) {
      topLayer.set(f.path, f.layer);
      file.step = step;
    }
    return { ...f, step };
  });
}
