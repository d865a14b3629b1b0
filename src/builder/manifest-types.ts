// The build manifest as the builder sees it once validated (schema version 1, see manifest-schema.ts).

export interface BootstrapBase {
  kind: 'debootstrap' | 'mmdebstrap';
  suite: string;
  variant: string;
  include: string[];
  components: string[];
  /** "auto" (read the host's apt sources) or a mirror URL. */
  mirror: string;
  /** Architecture to bootstrap; the host's dpkg architecture when absent. */
  arch?: string;
}

export type Base =
  | BootstrapBase
  | { kind: 'tarball'; path: string }
  | { kind: 'image'; path: string }
  | { kind: 'scratch' };

export interface FileStep {
  /** Source on the host, resolved against the manifest's directory; or inline `content`. */
  src?: string;
  content?: string;
  /** Absolute path inside the tree; a trailing "/" copies into that directory. */
  dest: string;
  mode?: number;
  /** "uid:gid", "user:group" or "user"; names resolve through the tree's /etc/passwd and /etc/group. */
  owner?: string;
  /** Manifest line of the step, for errors. */
  line: number;
}

export type Step =
  | { kind: 'apt'; packages: string[]; line: number }
  | { kind: 'files'; files: FileStep[]; line: number }
  /** `lines[i]` is the manifest line of `commands[i]`, so a failure points at the command itself. */
  | { kind: 'run'; commands: string[]; lines: number[]; line: number }
  | { kind: 'env'; env: Record<string, string>; line: number };

export interface Phase {
  name: string;
  /** Steps in the order the manifest lists them. */
  steps: Step[];
  /** `user: NAME[:GROUP]` (or ids): the phase's `run` commands run chrooted as that user (apt and files as root). */
  user?: { spec: string; line: number };
  line: number;
}

export type OutputFormat = 'oci' | 'oci-dir' | 'docker';
export type OutputCompression = 'gzip' | 'zstd' | 'none';

/** `builder: {containerfile}`: buildah bud, one layer per instruction (src/builder/containerfile.ts). */
export interface ContainerfileBuilder {
  kind: 'containerfile';
  /** Absolute paths: the Containerfile and the build context (the Containerfile's directory when absent). */
  containerfile: string;
  context: string;
  /** Build arguments (`--build-arg`), as given. */
  args: Record<string, string>;
  /** The stage to build (`--target`); the last one when absent. */
  target?: string;
  /** buildah `--timestamp EPOCH`: file times and the created times of the image set to the epoch. */
  timestamp: boolean;
  line: number;
}

export type Builder = { kind: 'command'; command: string; line: number } | ContainerfileBuilder;

export interface Manifest {
  /** Absolute path of the manifest file. */
  path: string;
  /** Directory relative paths (files, rules, tarballs) resolve against. */
  dir: string;
  version: 1;
  name: string;
  epoch?: number;
  base?: Base;
  phases: Phase[];
  builder?: Builder;
  /** Rule files, absolute. */
  normalize: string[];
  output: { format: OutputFormat; compression: OutputCompression };
}
