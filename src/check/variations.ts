// What `repro check` varies between the control build (A) and the variant builds (B...), as reprotest does:
// one record per variation saying how it is applied to a build and which values each side sees, so that a
// difference showing exactly those values is classified build-env and names the variation.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { machine, release } from 'node:os';
import { join } from 'node:path';
import { BUILD_HOSTNAME } from '../builder/options.js';
import { UsageError } from '../core/errors.js';
import { findCommand } from '../core/find-command.js';
import type { Variation } from '../core/variation.js';
import type { StagedFaketime } from './faketime.js';

export const VARIATION_NAMES = [
  'time', 'hostname', 'domain', 'timezone', 'locale', 'umask', 'build-path', 'environment',
  'file-ordering', 'kernel', 'cpus', 'home', 'user', 'exec-path',
] as const;
export type VariationName = (typeof VARIATION_NAMES)[number];

/** Everything a build is given that a variation can change (maps onto buildManifest's options). */
export interface BuildSetup {
  /** "A" for the control build, "B", "C"... for variant builds. */
  label: string;
  workDir: string;
  env: Record<string, string>;
  wrap: string[];
  /** Host directories the wrap needs inside chrooted phases (the staged libfaketime's). */
  wrapDirs?: string[];
  /** The wrap as variables, for builders that run commands themselves (buildah RUN steps). */
  wrapEnv?: Record<string, string>;
  /**
   * The part of the wrap every process started under it inherits (setarch's personality, taskset's
   * affinity): a builder that runs commands itself (buildah) is started under it.
   */
  inheritWrap?: string[];
  umask: string;
  /** Undefined: the host's own (no private UTS namespace, e.g. not root). */
  hostname?: string;
  /** Seconds the build's clock runs ahead of real time (the time variation). */
  clockOffset?: number;
  /** NIS/YP domain name of the private UTS namespace (`domainname`); undefined: the builder's own (BUILD_DOMAIN, as root). */
  domain?: string;
  /** Phase commands see the tree through disorderfs, directory entries shuffled (file ordering). */
  shuffleDirents?: boolean;
  /** HOME for phase commands (also for phases with `user:`, whose own home is used otherwise). */
  home?: string;
  /** uid and gid that phases with `user:` run as instead of their user's own (the user variation). */
  phaseUser?: { uid: number; gid: number };
  /** A directory appended to PATH for phase commands (the exec-path variation). */
  pathExtra?: string;
}

interface VariationRecord {
  name: VariationName;
  /** One line for the report: what the variant build gets. */
  summary: string;
  /** Values as the build sees them; `variant` is given the variant's index (1, 2...) for distinct values. */
  control: string;
  variant: (index: number) => string;
  apply: (setup: BuildSetup, value: string, ctx: PlanContext) => void;
}

export interface PlanContext {
  /** Directory holding every build's work directory. */
  root: string;
  /** libfaketime staged for chroots; undefined when not installed (the time variation is then skipped). */
  faketime: StagedFaketime | undefined;
  /** Whether builds may get a private UTS namespace (`unshare --uts` needs root); true when absent. */
  canSetHostname?: boolean;
  /** `containerfile`: buildah runs the RUN steps, and only some variations reach them. */
  builder?: 'phases' | 'containerfile';
  /** CPUs this process may run on (its affinity); read from /proc/self/status when absent. */
  cpus?: number[];
  /** Whether a command is installed (disorderfs, setarch, taskset); looked up on PATH when absent. */
  hasCommand?: (name: string) => boolean;
  /** What the manifest builds with, so a variation that cannot reach it is skipped with the reason. */
  manifest?: ManifestShape;
}

/** What of a manifest decides which variations reach its build. */
export interface ManifestShape {
  /** `builder.command`: an external builder gets the environment and the wrap prefix only. */
  external: boolean;
  /** Commands the variations reach exist: phases (the base never sees them) or a builder. */
  phases: boolean;
  /** Some phase has `user:` (the user variation acts on those only). */
  userPhases: boolean;
  /** Variables a Containerfile's build fixes itself → where ("ENV", or "base image REF"): they keep that
   * value (buildah --env would override it). */
  containerfileEnv?: Record<string, string>;
}

const ENV_VAR = 'REPRO_CHECK_VARIATION';
/** The user variation's ids: above Debian's dynamically allocated users, like a CI runner's arbitrary uid. */
const VARIANT_ID = 45001;
/** The exec-path variation's extra directory (reprotest's is /i_capture_the_path). */
const PATH_EXTRA = '/repro-exec-path-';

/** CPUs this process may run on (Cpus_allowed_list of /proc/self/status: "0-3,6"). */
export function allowedCpus(status = '/proc/self/status'): number[] {
  let list = '';
  try {
    list = /^Cpus_allowed_list:\s*(.*)$/m.exec(readFileSync(status, 'utf8'))?.[1] ?? '';
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const part of list.split(',').filter(Boolean)) {
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) continue;
    for (let c = lo; c <= (hi ?? lo); c++) out.push(c);
  }
  return out;
}

/**
 * What reaches buildah's RUN steps (src/builder/containerfile.ts), and why the others do not. A variation
 * missing from both lists is not carried into buildah and is skipped with the generic reason.
 */
const CONTAINERFILE_REACH: Partial<Record<VariationName, string>> = {
  time: 'clock 3 days ahead (libfaketime preloaded in RUN steps: dynamically linked programs only)',
  hostname: 'other hostname (RUN steps share a private UTS namespace, buildah --uts host)',
  timezone: 'TZ=Etc/GMT-14 (buildah --env)',
  locale: 'LANG/LC_ALL=fr_CH.UTF-8 (buildah --env)',
  environment: `extra variable ${ENV_VAR} (buildah --env)`,
  domain: 'other domain name (RUN steps share a private UTS namespace, buildah --uts host)',
  kernel: 'uname reports a 2.6 kernel release (buildah started under setarch --uname-2.6)',
  cpus: 'fewer CPUs (buildah started under taskset: nproc differs)',
  home: 'HOME=/nonexistent/repro-b-home (buildah --env)',
};
/** The variables through which a variation reaches buildah's RUN steps (budArgs: --env). */
const CONTAINERFILE_ENV: Partial<Record<VariationName, string[]>> = {
  time: ['LD_PRELOAD'],
  timezone: ['TZ'],
  locale: ['LANG', 'LC_ALL'],
  environment: [ENV_VAR],
  home: ['HOME'],
};
const CONTAINERFILE_NOT: Partial<Record<VariationName, string>> = {
  umask: 'buildah runs RUN steps with umask 0022 and has no option to change it',
  'build-path': "RUN steps see the image's own paths, never the work directory",
  'file-ordering': "buildah writes its own image: disorderfs is mounted over the tree of phases only",
  'exec-path': "buildah --env PATH would replace the image's PATH, not extend it",
  user: "RUN steps run as the Containerfile's USER: the user variation acts on phases with user:",
};

// Values of one length on both sides where possible: a value spliced into a binary then keeps its offsets.
const RECORDS: VariationRecord[] = [
  {
    name: 'time',
    summary: "clock 3 days ahead (libfaketime, phase commands)",
    control: 'real time',
    variant: (i) => `+${3 * i}d`,
    apply: (s, v, ctx) => {
      if (v !== 'real time' && ctx.faketime) {
        s.wrap = [...s.wrap, ...ctx.faketime.wrap(v)];
        s.wrapEnv = { ...s.wrapEnv, ...ctx.faketime.env(v) };
        s.wrapDirs = [...(s.wrapDirs ?? []), ctx.faketime.dir];
        s.clockOffset = Number(/^\+(\d+)d$/.exec(v)?.[1] ?? 0) * 86400;
      }
    },
  },
  {
    name: 'hostname',
    summary: 'other hostname (private UTS namespace)',
    control: BUILD_HOSTNAME,
    variant: (i) => `repro-${String.fromCharCode(98 + ((i - 1) % 25))}-host`,
    apply: (s, v) => {
      s.hostname = v;
    },
  },
  {
    name: 'timezone',
    summary: 'TZ=Etc/GMT-14',
    control: 'UTC',
    variant: (i) => (i % 2 ? 'Etc/GMT-14' : 'Etc/GMT+12'),
    apply: (s, v) => {
      s.env.TZ = v;
    },
  },
  {
    name: 'locale',
    summary: 'LANG/LC_ALL=fr_CH.UTF-8',
    control: 'C.UTF-8',
    variant: (i) => (i % 2 ? 'fr_CH.UTF-8' : 'de_DE.UTF-8'),
    apply: (s, v) => {
      s.env.LANG = v;
      s.env.LC_ALL = v;
    },
  },
  {
    name: 'umask',
    summary: 'umask 0002',
    control: '0022',
    variant: () => '0002',
    apply: (s, v) => {
      s.umask = v;
    },
  },
  {
    name: 'build-path',
    summary: 'work tree under another, longer path',
    control: '',
    variant: () => '',
    // The path itself is set by planBuilds (every build needs its own tree anyway).
    apply: () => undefined,
  },
  {
    name: 'environment',
    summary: `extra variable ${ENV_VAR}`,
    control: 'control-a',
    variant: (i) => `variant-${String.fromCharCode(98 + ((i - 1) % 25))}`,
    apply: (s, v) => {
      s.env[ENV_VAR] = v;
    },
  },
  {
    name: 'domain',
    summary: 'other domain name (private UTS namespace)',
    control: 'repro-a.example',
    variant: (i) => `repro-${String.fromCharCode(98 + ((i - 1) % 25))}.example`,
    apply: (s, v) => {
      s.domain = v;
    },
  },
  {
    name: 'file-ordering',
    summary: 'directory entries shuffled (disorderfs over the tree)',
    control: 'native order',
    variant: () => 'shuffled',
    apply: (s, v) => {
      if (v === 'shuffled') s.shuffleDirents = true;
    },
  },
  {
    name: 'kernel',
    summary: 'uname reports a 2.6 kernel release (setarch --uname-2.6)',
    control: 'host kernel',
    variant: () => 'uname-2.6',
    apply: (s, v) => {
      if (v === 'uname-2.6') {
        s.wrap = [...s.wrap, 'setarch', machine(), '--uname-2.6'];
        s.inheritWrap = [...(s.inheritWrap ?? []), 'setarch', machine(), '--uname-2.6'];
      }
    },
  },
  {
    name: 'cpus',
    summary: 'fewer CPUs (taskset affinity: nproc differs)',
    control: 'all CPUs',
    variant: () => 'fewer CPUs',
    apply: (s, v, ctx) => {
      const cpus = ctx.cpus ?? allowedCpus();
      if (v !== 'all CPUs' && cpus.length > 1) {
        const taskset = ['taskset', '-c', cpus.slice(0, Math.floor(cpus.length / 2)).join(',')];
        s.wrap = [...s.wrap, ...taskset];
        s.inheritWrap = [...(s.inheritWrap ?? []), ...taskset];
      }
    },
  },
  {
    name: 'home',
    summary: 'HOME=/nonexistent/repro-b-home',
    control: '/nonexistent/repro-a-home',
    variant: (i) => `/nonexistent/repro-${String.fromCharCode(98 + ((i - 1) % 25))}-home`,
    apply: (s, v) => {
      s.home = v;
    },
  },
  {
    name: 'user',
    summary: `phases with user: run as uid:gid ${VARIANT_ID}:${VARIANT_ID}`,
    control: "the phase's user",
    variant: (i) => `${VARIANT_ID + i - 1}:${VARIANT_ID + i - 1}`,
    apply: (s, v) => {
      const m = /^(\d+):(\d+)$/.exec(v);
      if (m) s.phaseUser = { uid: Number(m[1]), gid: Number(m[2]) };
    },
  },
  {
    name: 'exec-path',
    summary: `PATH gains ${PATH_EXTRA}b`,
    control: '',
    variant: (i) => `${PATH_EXTRA}${String.fromCharCode(98 + ((i - 1) % 25))}`,
    apply: (s, v) => {
      if (v) s.pathExtra = v;
    },
  },
];

/**
 * Parse `--vary`: "none", "all", a list ("time,hostname"), or changes to the default set ("-time,-locale",
 * "+umask"), like reprotest's --vary. The default is every variation (they are all safe for a build).
 */
export function parseVary(spec: string | undefined): VariationName[] {
  const all = [...VARIATION_NAMES];
  if (spec === undefined || spec.trim() === '' || spec === 'all') return all;
  if (spec === 'none') return [];
  const items = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const relative = items.every((s) => s.startsWith('-') || s.startsWith('+'));
  const chosen = new Set<VariationName>(relative ? all : []);
  for (const item of items) {
    const name = item.replace(/^[+-]/, '').replace(/^build_path$|^path$/, 'build-path').replace(/^env$|^environ$/, 'environment');
    if (!(VARIATION_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--vary: unknown variation "${name}" (known: ${VARIATION_NAMES.join(', ')}, none, all)`);
    }
    if (item.startsWith('-')) chosen.delete(name as VariationName);
    else chosen.add(name as VariationName);
  }
  return VARIATION_NAMES.filter((n) => chosen.has(n));
}

export interface BuildPlan {
  setups: BuildSetup[];
  /** Variations applied to the variant builds (the time variation drops out when libfaketime is missing). */
  applied: { name: VariationName; summary: string }[];
  /** Requested but not applicable, with the reason. */
  skipped: { name: VariationName; reason: string }[];
}

/** Why a variation cannot apply to this manifest or on this machine; undefined when it can. */
function unavailable(name: VariationName, ctx: PlanContext): string | undefined {
  const root = ctx.canSetHostname ?? true;
  const has = ctx.hasCommand ?? ((c: string): boolean => findCommand(c) !== undefined);
  const m = ctx.manifest;
  if (m && !m.external && !m.phases && name !== 'build-path') return 'the manifest has no phases: variations reach phase commands only, never the base';
  switch (name) {
    case 'time':
      return ctx.faketime ? undefined : 'libfaketime is not installed (apt-get install faketime)';
    case 'hostname':
    case 'domain':
      if (m?.external) return 'builder.command runs on the host: a private UTS namespace is given to phases only';
      return root ? undefined : 'a private UTS namespace needs root';
    case 'umask':
      return m?.external ? 'builder.command is run as given: the umask is set for phases only' : undefined;
    case 'home':
    case 'exec-path':
      return m?.external ? `builder.command gets the builder's own ${name === 'home' ? 'HOME' : 'PATH'}: this variation is set for phases only` : undefined;
    case 'file-ordering':
      if (m?.external) return 'builder.command writes its own image: disorderfs is mounted over the tree of phases only';
      if (!root) return 'mounting disorderfs in a private mount namespace needs root';
      return has('disorderfs') ? undefined : 'disorderfs is not installed (apt-get install disorderfs)';
    case 'kernel':
      return has('setarch') ? undefined : 'setarch is not installed (apt-get install util-linux)';
    case 'cpus':
      if (!has('taskset')) return 'taskset is not installed (apt-get install util-linux)';
      return (ctx.cpus ?? allowedCpus()).length > 1 ? undefined : 'this process may run on one CPU only: there are no fewer to give';
    case 'user':
      if (m?.external) return 'builder.command is run as given: the user variation acts on phases with user:';
      if (m && !m.userPhases) return 'no phase has user: (phases run as root, and the user variation acts on phases run as a user)';
      return undefined;
    default:
      return undefined;
  }
}

/** Why a variation cannot apply; for a Containerfile, only those carried into buildah's RUN steps can. */
function notApplicable(name: VariationName, ctx: PlanContext): string | undefined {
  if (ctx.builder === 'containerfile' && !CONTAINERFILE_REACH[name]) return CONTAINERFILE_NOT[name] ?? 'not carried into buildah RUN steps';
  const vars = ctx.builder === 'containerfile' ? CONTAINERFILE_ENV[name] : undefined;
  const own = ctx.manifest?.containerfileEnv ?? {};
  if (vars && vars.every((v) => own[v] !== undefined)) {
    const where = [...new Set(vars.map((v) => own[v]))];
    if (where.length === 1 && where[0] === 'ENV') return `the Containerfile sets ${vars.join(' and ')} with ENV, and buildah --env would override its value`;
    const by = where.map((w) => (w === 'ENV' ? "the Containerfile's ENV" : `the config of the ${w}`)).join(' and ');
    return `${vars.join(' and ')} ${vars.length > 1 ? 'are' : 'is'} set by ${by}, and buildah --env would override the value`;
  }
  return unavailable(name, ctx);
}

// The control build gets explicit values for these even when they are not varied, so the classifier knows
// both sides; the others keep the builder's own when not varied (HOME=/root, PATH, the host's CPUs...).
const CONTROL_ALWAYS = new Set<VariationName>(['hostname', 'timezone', 'locale', 'umask', 'environment']);

function labelOf(i: number): string {
  return String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '');
}

/**
 * One build's setup: the control's values, then the variant values (index 1, 2...) of `varied`. The time
 * variation counts only with a staged libfaketime; the hostname only where a UTS namespace can be had.
 */
export function setupFor(label: string, workDir: string, varied: readonly VariationName[], index: number, ctx: PlanContext): BuildSetup {
  const setup: BuildSetup = { label, workDir, env: {}, wrap: [], umask: '0022' };
  const uts = ctx.canSetHostname ?? true;
  for (const r of RECORDS) {
    if (!CONTROL_ALWAYS.has(r.name) || (r.name === 'hostname' && !uts)) continue;
    r.apply(setup, r.control, ctx);
  }
  for (const r of RECORDS) if (varied.includes(r.name)) r.apply(setup, index > 0 ? r.variant(index) : r.control, ctx);
  return setup;
}

/** The control build plus runs-1 variant builds, each in its own work directory under ctx.root. */
export function planBuilds(names: VariationName[], runs: number, ctx: PlanContext): BuildPlan {
  const skipped: BuildPlan['skipped'] = [];
  const applied: VariationName[] = [];
  for (const n of names) {
    const why = notApplicable(n, ctx);
    if (why) skipped.push({ name: n, reason: why });
    else applied.push(n);
  }
  const summary = (r: VariationRecord): string => (ctx.builder === 'containerfile' ? CONTAINERFILE_REACH[r.name] : undefined) ?? r.summary;
  // Controls of the varied ones that are not always set (HOME, the domain) are set when varied.
  const controlVaried = applied.filter((n) => !CONTROL_ALWAYS.has(n) && n !== 'time' && n !== 'build-path');
  const records = VARIATION_NAMES.filter((n) => applied.includes(n)).flatMap((n) => RECORDS.filter((r) => r.name === n));
  const setups: BuildSetup[] = [];
  for (let i = 0; i < runs; i++) {
    const label = labelOf(i);
    // Without the build-path variation every build still needs its own tree: paths of one length then.
    const workDir = i > 0 && applied.includes('build-path') ? join(ctx.root, `${label.toLowerCase()}`, 'variant-build-path', 'deeper') : join(ctx.root, label.toLowerCase());
    setups.push(i === 0 ? setupFor(label, workDir, controlVaried, 0, ctx) : setupFor(label, workDir, applied, i, ctx));
  }
  return { setups, applied: records.map((r) => ({ name: r.name, summary: summary(r) })), skipped };
}

/**
 * The control build's setup with one variation (or several) changed, as its first variant gets it: what
 * `check --explain` builds to learn which variation a difference follows.
 */
export function withVariations(control: BuildSetup, names: readonly VariationName[], label: string, workDir: string, ctx: PlanContext): BuildSetup {
  const setup: BuildSetup = { ...control, label, workDir, env: { ...control.env }, wrap: [...control.wrap], ...(control.wrapDirs ? { wrapDirs: [...control.wrapDirs] } : {}) };
  for (const r of RECORDS) if (names.includes(r.name)) r.apply(setup, r.variant(1), ctx);
  return setup;
}

/** The summary line of a variation (what the variant build gets). */
export function variationSummary(name: VariationName): string {
  return RECORDS.find((r) => r.name === name)?.summary ?? name;
}

export function isVariationName(s: string): s is VariationName {
  return (VARIATION_NAMES as readonly string[]).includes(s);
}

let release26: string | undefined;

/** The kernel release `uname -r` reports under setarch --uname-2.6 ("2.6.78-…"), asked of setarch itself. */
function unameRelease26(): string {
  try {
    release26 ??= execFileSync('setarch', [machine(), '--uname-2.6', 'uname', '-r'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    release26 = '';
  }
  return release26;
}

/** The values that differ between the control and one variant build, for the build-env classifier. */
export function classifierVariations(control: BuildSetup, variant: BuildSetup): Variation[] {
  const out: Variation[] = [];
  if (control.hostname !== undefined && variant.hostname !== undefined && control.hostname !== variant.hostname) {
    out.push({ name: 'hostname', a: control.hostname, b: variant.hostname });
  }
  // Always: the two trees are in different places whether or not the path was varied on purpose.
  if (control.workDir !== variant.workDir) out.push({ name: 'build path', a: control.workDir, b: variant.workDir });
  const ea = control.env[ENV_VAR] ?? '';
  const eb = variant.env[ENV_VAR] ?? '';
  if (ea !== eb) out.push({ name: 'environment', a: ea, b: eb });
  if (control.domain !== undefined && variant.domain !== undefined && control.domain !== variant.domain) {
    out.push({ name: 'domain', a: control.domain, b: variant.domain });
  }
  if (control.home !== undefined && variant.home !== undefined && control.home !== variant.home) out.push({ name: 'home', a: control.home, b: variant.home });
  const uname26 = (s: BuildSetup): boolean => s.wrap.includes('--uname-2.6');
  if (uname26(variant) !== uname26(control)) {
    const [a, b] = [release(), unameRelease26()];
    if (b) out.push(uname26(variant) ? { name: 'kernel', a, b } : { name: 'kernel', a: b, b: a });
  }
  for (const [name, key] of [['locale', 'LANG'], ['timezone', 'TZ']] as const) {
    const a = control.env[key] ?? '';
    const b = variant.env[key] ?? '';
    if (a !== b) out.push({ name, a, b });
  }
  return out;
}

