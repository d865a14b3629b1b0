// What a base hands to the builder: a populated tree and, for image bases, layers kept as they are.
import type { ImageConfig } from '../../core/image.js';
import type { FetchOptions } from '../../image/reference.js';
import type { WrittenLayer } from '../../image/layer-writer.js';
import type { DeviceTable } from '../snapshot.js';
import type { StepTimeline } from '../step-timeline.js';

export interface BaseContext {
  manifestPath: string;
  root: string;
  /** Where layer blobs are written (the writer's `dir`). */
  blobDir: string;
  /** Scratch space of this build for the base's own temp files. */
  workDir: string;
  /** Fixed build environment (SOURCE_DATE_EPOCH, PATH, ... plus variations). */
  env: Record<string, string>;
  cacheDir: string;
  /** How to reach registries for an `image:` base given as a reference (docker://...). */
  fetch?: FetchOptions;
  onOutput?: (chunk: Buffer) => void;
  /** The base's steps as they start (debootstrap's per-package progress lines), when the base has them. */
  timeline?: StepTimeline;
}

export interface BaseOutcome {
  /** Label for progress and history ("debootstrap bookworm/minbase"). */
  label: string;
  /** The tree the base made becomes its own first layer (debootstrap, mmdebstrap, tarball). */
  treeIsLayer: boolean;
  /** Layers of an `image:` base, kept byte for byte, with the config they came with. */
  kept: { layer: WrittenLayer; name: string }[];
  config?: ImageConfig;
  /** Device nodes of an `image:` or `tarball:` base, kept in the tree as placeholders (snapshot.ts). */
  devices?: DeviceTable;
}
