// The build module's public surface: `repro build` and `repro check` call these.
export { buildManifest } from './builder.js';
export type { BuildOptions, BuildResult, BuiltLayer, ProgressEvent } from './options.js';
export { loadManifest, parseManifest } from './manifest-schema.js';
export type { Manifest, Phase, Step, Base } from './manifest-types.js';
export { resolveEpoch, describeEpoch, type Epoch, type EpochSource } from './epoch.js';
export { resolveMirror } from './mirror.js';
