// Which step of a phase created or last changed each file no package owns. The phase keeps a timeline: the
// start of every `files` step and `run` command (the builder starts them itself, one after the other),
// and, inside apt steps, the start of every dpkg stage as dpkg announces it on its --status-fd
// ("processing: <stage>: <package>" is sent just before the stage begins); for a debootstrap base, the
// per-package lines debootstrap prints from the same dpkg status. After the phase, each file's change time
// (ctime, set by the kernel on every content or metadata change, never by the phase's faked clock) is
// placed in that timeline: the last step that began at or before it changed it last.
//
// The kernel dates a change from its coarse clock, up to one tick before the change really happened. Steps
// the builder runs itself are kept a tick apart, which makes their boundaries exact. Inside an apt step, a
// status line is timed when it reaches this process, a little after dpkg wrote it: those step starts carry
// a slack, and a change time within the slack before the next step's start may belong to that step; the
// placement says so (`orNext`, rendered as a heuristic). dpkg's and apt's own files (status database, logs, caches) are
// rewritten by the tool itself throughout, so they are named as the tool's, not as the last step's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildStep, StepAction } from '../core/step.js';
import { ownerIndex } from '../packages/dpkg.js';
import { readdirNames, resolveInTree } from './tree-path.js';

/** One clock tick of the kernel's coarse clock, which dates ctime (at most 10 ms at HZ >= 100). */
export const TICK_NS = 10_000_000n;

/** Real time in nanoseconds, to microseconds: the clock the kernel dates changes with. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export interface TimelineEvent {
  /** When the step began, as seen here: nanoseconds since the epoch, real time. */
  atNs: bigint;
  /** How long before `atNs` a change may already belong to this step (arrival delay + one clock tick). */
  slackNs: bigint;
  action: StepAction;
  package?: string;
  detail?: string;
}

/** dpkg's status-fd stages (dpkg(1), --status-fd): install and upgrade are sent before unpacking. */
const DPKG_STAGES: Record<string, StepAction> = {
  install: 'unpack',
  upgrade: 'unpack',
  configure: 'configure',
  trigproc: 'trigger',
  remove: 'remove',
  purge: 'purge',
  disappear: 'disappear',
};

/** "libc6:amd64" → "libc6": the architecture qualifier is noise in a report about one image. */
function packageName(p: string): string {
  return p.replace(/:[a-z0-9-]+$/, '');
}

/** A dpkg --status-fd line that starts a stage, as a step; undefined for status changes and the rest. */
export function dpkgStatusStep(line: string): Pick<TimelineEvent, 'action' | 'package'> | undefined {
  const m = /^processing: ([a-z]+): (\S+)\s*$/.exec(line);
  const action = m ? DPKG_STAGES[m[1]!] : undefined;
  return m && action ? { action, package: packageName(m[2]!) } : undefined;
}

/**
 * A debootstrap progress line as a step: "I: Unpacking libc6..." (dpkg's half-installed status),
 * "I: Configuring libc6..." (half-configured), "I: Extracting libc6..." (debootstrap's own ar + tar, before
 * dpkg runs); other "I:" lines ("I: Installing core packages...") are debootstrap's own stages.
 */
export function debootstrapStep(line: string): Pick<TimelineEvent, 'action' | 'package' | 'detail'> | undefined {
  const m = /^I: (Extracting|Unpacking|Configuring) (\S+)\.\.\.\s*$/.exec(line);
  if (m) return { action: m[1] === 'Extracting' ? 'extract' : m[1] === 'Unpacking' ? 'unpack' : 'configure', package: packageName(m[2]!) };
  const stage = /^I: (.+?)\.*\s*$/.exec(line);
  return stage ? { action: 'base', detail: `debootstrap: ${stage[1]!}` } : undefined;
}

// dpkg's admin directory (its status database, journal, triggers state, locks) and log, and apt's state,
// caches and logs: written by the tools themselves on every run, whatever package they are working on.
const DPKG_OWN = /^var\/lib\/dpkg(\/(status|available|diversions|statoverride|arch|cmethopt|lock[^/]*|triggers(\/.*)?|updates(\/.*)?|info)(-old)?)?$|^var\/log\/dpkg\.log$/;
const DPKG_INFO = /^var\/lib\/dpkg\/info\/(.+)\.[A-Za-z0-9_-]+$/;
const APT_OWN = /^var\/(lib\/apt|cache\/apt|log\/apt)(\/|$)/;

export function ownFileStep(path: string, phase: string): BuildStep | undefined {
  const info = DPKG_INFO.exec(path);
  if (info) return { phase, action: 'dpkg', package: packageName(info[1]!), method: 'own-file' };
  if (DPKG_OWN.test(path)) return { phase, action: 'dpkg', method: 'own-file' };
  if (APT_OWN.test(path)) return { phase, action: 'apt', method: 'own-file' };
  return undefined;
}

function what(e: TimelineEvent): Omit<BuildStep, 'phase' | 'method' | 'orNext'> {
  return { action: e.action, ...(e.package !== undefined ? { package: e.package } : {}), ...(e.detail !== undefined ? { detail: e.detail } : {}) };
}

export class StepTimeline {
  readonly events: TimelineEvent[] = [];
  /** When the last step the builder ran itself ended. */
  private lastEndNs = 0n;

  constructor(readonly phase: string) {}

  add(event: TimelineEvent): void {
    this.events.push(event);
  }

  /**
   * A step the builder runs itself (a `files` entry, a `run` command, the apt script) begins. It starts
   * only once a clock tick has passed since the previous one ended: every change the previous step made is
   * then dated before `now - tick`, and every change of this one after it, so the boundary is exact.
   */
  async begin(event: Omit<TimelineEvent, 'atNs' | 'slackNs'>): Promise<void> {
    const wait = this.lastEndNs + TICK_NS - nowNs();
    if (wait > 0n) await new Promise((resolve) => setTimeout(resolve, Math.ceil(Number(wait) / 1e6)));
    this.add({ ...event, atNs: nowNs() - TICK_NS, slackNs: 0n });
  }

  /** The step begun last has ended (its processes have exited). */
  end(): void {
    this.lastEndNs = nowNs();
  }

  /** The step that last changed a file whose ctime is `ctimeNs` (undefined before the phase's first step). */
  place(path: string, ctimeNs: bigint): BuildStep | undefined {
    const own = ownFileStep(path, this.phase);
    if (own) return own;
    // events arrive in order; the last one that began at or before the change
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.atNs <= ctimeNs) lo = mid + 1;
      else hi = mid;
    }
    const at = this.events[lo - 1];
    if (!at) return undefined;
    const next = this.events[lo];
    // debootstrap's extraction writes only the packages' own files: a file no package owns that changed
    // then was made by debootstrap itself (its devices, /etc/hostname, sources.list, ...).
    const step: BuildStep = at.action === 'extract' ? { phase: this.phase, action: 'base', detail: 'debootstrap', method: 'change-time' } : { phase: this.phase, ...what(at), method: 'change-time' };
    if (next && ctimeNs >= next.atNs - next.slackNs) step.orNext = what(next);
    return step;
  }
}

/** Paths the tree's dpkg database lists (any package), or undefined when the tree has none. */
export async function treeOwnedPaths(root: string): Promise<Map<string, string[]> | undefined> {
  const dir = await resolveInTree(root, 'var/lib/dpkg/info').catch(() => undefined);
  if (!dir) return undefined;
  const names = await readdirNames(dir).catch(() => [] as string[]);
  const lists = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith('.list'))) {
    lists.set(name.slice(0, -'.list'.length), await readFile(join(dir, name), 'utf8').catch(() => ''));
  }
  return lists.size ? ownerIndex(lists) : undefined;
}

/**
 * The step of every file, directory or link the layer adds or changes that no package lists, keyed by
 * absolute path ("/etc/machine-id"), placed one entry at a time as the layer is diffed. Nothing is placed
 * when the tree has no dpkg database: then every file is the build's, and the phase is all there is to say.
 */
export async function unownedSteps(timeline: StepTimeline, root: string): Promise<{ place(e: { path: string; ctimeNs: bigint }): void; steps: Map<string, BuildStep> }> {
  const steps = new Map<string, BuildStep>();
  const owners = timeline.events.length === 0 ? undefined : await treeOwnedPaths(root);
  return {
    steps,
    place(e) {
      if (!owners) return;
      const abs = '/' + e.path;
      if (owners.has(abs)) return;
      const step = timeline.place(e.path, e.ctimeNs);
      if (step) steps.set(abs, step);
    },
  };
}
