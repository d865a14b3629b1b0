// What `repro check` varies between the control build (A) and the variant builds (B...), as reprotest does:
// one record per variation saying how it is applied to a build and which values each side sees, so that a
// difference showing exactly those values is classified build-env and names the variation.
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Variation } from '../core/variation.js';
import type { StagedFaketime } from './faketime.js';

export const VARIATION_NAMES = ['time', 'hostname', 'timezone', 'locale', 'umask', 'build-path', 'environment'] as const;
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
  umask: string;
  /** Undefined: the host's own (no private UTS namespace, e.g. not root). */
  hostname?: string;
  /** Seconds the build's clock runs ahead of real time (the time variation). */
  clockOffset?: number;
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
}

const ENV_VAR = 'REPRO_CHECK_VARIATION';

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
};
const CONTAINERFILE_NOT: Partial<Record<VariationName, string>> = {
  umask: 'buildah runs RUN steps with umask 0022 and has no option to change it',
  'build-path': "RUN steps see the image's own paths, never the work directory",
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
    control: 'repro-a-host',
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

/** The control build plus runs-1 variant builds, each in its own work directory under ctx.root. */
export function planBuilds(names: VariationName[], runs: number, ctx: PlanContext): BuildPlan {
  const want = new Set(names);
  const skipped: BuildPlan['skipped'] = [];
  if (want.has('time') && !ctx.faketime) {
    want.delete('time');
    skipped.push({ name: 'time', reason: 'libfaketime is not installed (apt-get install faketime)' });
  }
  const uts = ctx.canSetHostname ?? true;
  if (want.has('hostname') && !uts) {
    want.delete('hostname');
    skipped.push({ name: 'hostname', reason: 'a private UTS namespace needs root' });
  }
  if (ctx.builder === 'containerfile') {
    for (const name of [...want]) {
      if (CONTAINERFILE_REACH[name]) continue;
      want.delete(name);
      skipped.push({ name, reason: CONTAINERFILE_NOT[name] ?? 'not carried into buildah RUN steps' });
    }
  }
  const summary = (r: VariationRecord): string => (ctx.builder === 'containerfile' ? CONTAINERFILE_REACH[r.name] : undefined) ?? r.summary;
  const records = RECORDS.filter((r) => want.has(r.name));
  const setups: BuildSetup[] = [];
  for (let i = 0; i < runs; i++) {
    const label = String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '');
    // Without the build-path variation every build still needs its own tree: paths of one length then.
    const workDir = i > 0 && want.has('build-path') ? join(ctx.root, `${label.toLowerCase()}`, 'variant-build-path', 'deeper') : join(ctx.root, label.toLowerCase());
    const setup: BuildSetup = { label, workDir, env: {}, wrap: [], umask: '0022' };
    // The control build gets explicit values too, so the classifier knows both sides.
    for (const r of RECORDS) {
      if (r.name === 'time' || r.name === 'build-path' || (r.name === 'hostname' && !uts)) continue;
      r.apply(setup, r.control, ctx);
    }
    if (i > 0) for (const r of records) r.apply(setup, r.variant(i), ctx);
    setups.push(setup);
  }
  return { setups, applied: records.map((r) => ({ name: r.name, summary: summary(r) })), skipped };
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
  for (const [name, key] of [['locale', 'LANG'], ['timezone', 'TZ']] as const) {
    const a = control.env[key] ?? '';
    const b = variant.env[key] ?? '';
    if (a !== b) out.push({ name, a, b });
  }
  return out;
}

