// `repro check`'s public surface: the double (or N-fold) build under variations, the --fix loop, and the
// Debian package attribution that `repro diff` can use too.
export { runCheck, type CheckOptions } from './run-check.js';
export { runFixLoop, NEEDS_A_PERSON, type FixOptions, type FixResult, type FixRound } from './fix-loop.js';
export { attributePackages, type PackageAttribution, type PackageGroup, type OwnedFile } from './packages.js';
export { renderCheck, packageLines, verdictLines } from './render.js';
export { parseVary, planBuilds, classifierVariations, VARIATION_NAMES, type VariationName, type BuildSetup } from './variations.js';
export type { CheckReport, CheckBuild, PhaseSummary } from './check-report.js';
