// The programmatic build API's options and result: `repro check` builds twice through this,
// passing each variation (time, hostname, domain, TZ, locale, umask, build path, an extra variable, file
// ordering, kernel, CPUs, HOME, the user of `user:` phases, PATH) as an option.
import type { OutputCompression, OutputFormat } from './manifest-types.js';
import type { EpochSource } from './epoch.js';
import type { FetchOptions } from '../image/reference.js';
import type { BuildStep } from '../core/step.js';

export type ProgressEvent =
  | { kind: 'epoch'; epoch: number; source: EpochSource; text: string }
  | { kind: 'phase-start'; phase: string; index: number; total: number }
  | { kind: 'phase-done'; phase: string; index: number; total: number; elapsedMs: number; size: number; entries: number; digest: string }
  | { kind: 'write'; out: string; format: OutputFormat };

export interface BuildOptions {
  /** Output path (file for oci/docker, directory for oci-dir); written atomically. */
  out: string;
  format?: OutputFormat;
  compression?: OutputCompression;
  /** Where the work tree lives (the "build path" variation); a private temp dir when absent. */
  workDir?: string;
  /** Extra environment for phase commands: TZ, LANG/LC_ALL, or any variable (variations). */
  env?: Record<string, string>;
  /** Command prefix for every phase command, e.g. ['faketime', '+3d']. */
  wrap?: string[];
  /**
   * The wrap as variables, for commands a builder runs itself where no prefix reaches (buildah's RUN
   * steps): LD_PRELOAD and FAKETIME of the staged libfaketime.
   */
  wrapEnv?: Record<string, string>;
  /** The part of the wrap children inherit (setarch, taskset): buildah itself is started under it. */
  inheritWrap?: string[];
  /** Host directories under /dev/shm the wrap needs inside chrooted phases (read-only, same path). */
  wrapDirs?: string[];
  /** Rule files applied after the manifest's own `normalize` list. */
  extraRules?: string[];
  /** umask for phase commands, octal ("0022" when absent: fixed so builds do not inherit the caller's). */
  umask?: string;
  /** Hostname seen by phase commands and RUN steps (a private UTS namespace; needs root). BUILD_HOSTNAME when absent. */
  hostname?: string;
  /** NIS/YP domain name seen by phase commands (the private UTS namespace; needs root). BUILD_DOMAIN when absent. */
  domain?: string;
  /** Phase commands see the tree through disorderfs with shuffled directory entries (needs root, FUSE). */
  shuffleDirents?: boolean;
  /** HOME for phase commands; /root (or a `user:` phase's own home) when absent. */
  home?: string;
  /** uid/gid that phases with `user:` run as instead of their user's own. */
  phaseUser?: { uid: number; gid: number };
  /** A directory appended to PATH for phase commands. */
  pathExtra?: string;
  /** How to reach registries for a `base: {image: REFERENCE}` (docker://...). */
  fetch?: FetchOptions;
  /** Package download cache (debootstrap/mmdebstrap); ~/.cache/repro when absent. */
  cacheDir?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Warnings of the build (a rule that could not apply to a member, ...); process.emitWarning when absent. */
  warn?: (message: string) => void;
  /** Output of phase commands as it comes (verbose). */
  onOutput?: (chunk: Buffer) => void;
}

export interface BuiltLayer {
  phase: string;
  digest: string;
  diffId: string;
  size: number;
}

export interface BuildResult {
  out: string;
  manifestDigest: string;
  layers: BuiltLayer[];
  /**
   * Per layer index (sparse: only layers the builder made from a Debian tree), the step of the phase that
   * created or last changed each path no package owns, by absolute path (step-timeline.ts).
   */
  steps?: Map<string, BuildStep>[];
  epoch: number;
  epochSource: EpochSource;
  durationMs: number;
}

/**
 * The hostname phases and Containerfile RUN steps see when run as root and no check varies it (check's
 * control build A has it too, its variant builds repro-b-host). The machine's own name would otherwise reach
 * the image (ssh host key comments, logs), and buildah would give each RUN step a random container id as
 * its name: the same manifest would then give other bytes on another machine, or on every build. Without
 * root there is no private UTS namespace, and the commands see the machine's name.
 */
export const BUILD_HOSTNAME = 'repro-a-host';

/** The NIS/YP domain name they see then: the kernel's own "no domain" (what `domainname` prints unset),
 * never the machine's, for the same reason. */
export const BUILD_DOMAIN = '(none)';
