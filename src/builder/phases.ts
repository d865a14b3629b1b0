// Runs one phase's steps against the tree, in manifest order. A failing step throws a ReproError naming
// the phase, the command, its exit code and the last lines of its output.
import { access, chmod, cp, lchown, lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ReproError } from '../core/errors.js';
import type { RunResult } from '../core/process.js';
import { runInTree, type RunContext } from './chroot.js';
import { entryInTree, existsInTree, fsPath, readdirNames, resolveInTree } from './tree-path.js';
import { CHROOT_PATH } from './image-config.js';
import type { FileStep, Phase, Step } from './manifest-types.js';
import { dpkgStatusStep, nowNs, StepTimeline, TICK_NS, type TimelineEvent } from './step-timeline.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface PhaseContext {
  manifestPath: string;
  root: string;
  /** True when the tree has /bin/sh: commands run chrooted; otherwise on the host with $ROOTFS. */
  chroot: boolean;
  /** Fixed environment + variations; the phase's `env` steps are added on top, cumulatively. */
  baseEnv: Record<string, string>;
  /** `env` steps seen so far (later phases inherit them, as ENV does in a Dockerfile). */
  manifestEnv: Record<string, string>;
  umask: string;
  hostname?: string;
  /** NIS/YP domain name of the commands' UTS namespace. */
  domain?: string;
  /** Shuffle directory entries: disorderfs over the tree, the real tree bound at `lower` (chroot.ts). */
  shuffleDirents?: { lower: string };
  /** HOME for commands; /root, or a `user:` phase's home from the tree's /etc/passwd, when absent. */
  home?: string;
  /** Ids `user:` phases run as instead of their user's own (the user variation). */
  phaseUser?: { uid: number; gid: number };
  /** Appended to PATH (the exec-path variation). */
  pathExtra?: string;
  wrap: string[];
  /** Host directories the wrap needs inside a chroot (RunContext.wrapDirs). */
  wrapDirs?: string[];
  onOutput?: (chunk: Buffer) => void;
  /** The phase's steps as they start (step-timeline.ts); set by the builder for each phase. */
  timeline?: StepTimeline;
}

function failure(ctx: PhaseContext, phase: Phase, line: number, command: string, r: RunResult): ReproError {
  const tail = r.tail.length ? '\n  last output:\n' + r.tail.map((l) => '    ' + l).join('\n') : ' (no output)';
  return new ReproError(
    `phase "${phase.name}" failed: \`${command}\` exited with code ${r.code}${tail}`,
    `${ctx.manifestPath}:${line}`,
  );
}

/** Who a `run` step of a `user:` phase runs as: ids and home from the tree's own passwd and group. */
interface PhaseUser {
  uid: number;
  gid: number;
  home: string;
}

async function phaseUser(ctx: PhaseContext, phase: Phase): Promise<PhaseUser | undefined> {
  if (!phase.user) return undefined;
  const where = `${ctx.manifestPath}:${phase.user.line}`;
  if (!ctx.chroot) throw new ReproError(`phase "${phase.name}": user: needs a tree with /bin/sh (its commands run chrooted as that user)`, where);
  const [user = '', group] = phase.user.spec.split(':');
  const uid = await lookupId(ctx.root, 'passwd', user, where);
  const entry = await passwdEntry(ctx.root, user);
  const gid = group !== undefined ? await lookupId(ctx.root, 'group', group, where) : (entry?.gid ?? uid);
  return { uid, gid, home: entry?.home ?? '/' };
}

function runContext(ctx: PhaseContext, user?: PhaseUser): RunContext {
  const path = (ctx.chroot ? CHROOT_PATH : (ctx.baseEnv.PATH ?? CHROOT_PATH)) + (ctx.pathExtra ? `:${ctx.pathExtra}` : '');
  const home = ctx.home ?? user?.home;
  const ids = user ? (ctx.phaseUser ?? user) : undefined;
  return {
    root: ctx.root,
    chroot: ctx.chroot,
    env: { ...ctx.baseEnv, PATH: path, ...(home !== undefined ? { HOME: home } : {}), ...(ctx.chroot ? {} : { ROOTFS: ctx.root }), ...ctx.manifestEnv },
    umask: ctx.umask,
    wrap: ctx.wrap,
    ...(ctx.wrapDirs?.length ? { wrapDirs: ctx.wrapDirs } : {}),
    ...(ctx.hostname !== undefined ? { hostname: ctx.hostname } : {}),
    ...(ctx.domain !== undefined ? { domain: ctx.domain } : {}),
    ...(ctx.shuffleDirents ? { shuffleDirents: ctx.shuffleDirents } : {}),
    ...(ids ? { user: { uid: ids.uid, gid: ids.gid } } : {}),
    ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}),
  };
}

async function runCommands(ctx: PhaseContext, phase: Phase, step: Step, commands: string[], label?: string, user?: PhaseUser): Promise<void> {
  for (const [i, command] of commands.entries()) {
    await ctx.timeline?.begin({ action: 'command', detail: command });
    const r = await runInTree(runContext(ctx, user), command);
    ctx.timeline?.end();
    const line = step.kind === 'run' ? (step.lines[i] ?? step.line) : step.line;
    if (r.code !== 0) throw failure(ctx, phase, line, label ?? command, r);
  }
}

/** A user's line of the tree's own /etc/passwd (by name or uid): its primary group and home. */
async function passwdEntry(root: string, user: string): Promise<{ gid: number; home: string } | undefined> {
  const text = await readFile(await resolveInTree(root, 'etc/passwd'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if ((f[0] === user || f[2] === user) && f[3] !== undefined) return { gid: Number(f[3]), home: f[5] ?? '/' };
  }
  return undefined;
}

/** Look a user or group name up in the tree's own /etc/passwd or /etc/group (never the host's). */
async function lookupId(root: string, file: 'passwd' | 'group', name: string, where: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const text = await readFile(await resolveInTree(root, `etc/${file}`), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined) return Number(f[2]);
  }
  throw new ReproError(`owner: no ${file === 'passwd' ? 'user' : 'group'} "${name}" in the tree's /etc/${file}`, where);
}

async function copyFile(ctx: PhaseContext, f: FileStep): Promise<void> {
  const where = `${ctx.manifestPath}:${f.line}`;
  let dest = f.dest;
  if (dest.endsWith('/')) {
    if (f.src === undefined) throw new ReproError('dest ending in "/" needs a src to take the name from', where);
    dest += basename(f.src);
  }
  const target = await entryInTree(ctx.root, dest, where, { create: true });
  // A symlink already at dest is replaced, not written through: an absolute one would lead to the host.
  if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) await rm(target);
  if (f.src !== undefined) {
    await access(f.src).catch(() => {
      throw new ReproError(`files: src ${f.src} does not exist`, where);
    });
    // Copy content and mode only: host owners and times are not something a build should inherit.
    await cp(f.src, target, { recursive: true, force: true, preserveTimestamps: false, dereference: false });
  } else {
    await writeFile(target, f.content ?? '');
  }
  // chmod follows a symlink, and a copied symlink may point anywhere on the host: symlinks have no mode.
  if (f.mode !== undefined && !(await lstat(target)).isSymbolicLink()) await chmod(target, f.mode);
  // Files belong to root unless the step says otherwise; without root that default cannot be had, and the
  // builder's own ids are kept (the layer shows them) rather than failing every unprivileged build.
  if (f.owner === undefined && process.getuid?.() !== 0) return;
  const owner = f.owner ?? '0:0';
  const [user = '0', group] = owner.split(':');
  const uid = await lookupId(ctx.root, 'passwd', user, where);
  const gid = group !== undefined ? await lookupId(ctx.root, 'group', group, where) : uid;
  // Like COPY --chown: a copied directory gets the owner all the way down.
  await chownTree(target, uid, gid).catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(`cannot chown ${dest} to ${uid}:${gid} (${err.code}); run as root to set owners`, where);
  });
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const st = await lstat(fsPath(path));
  if (st.uid !== uid || st.gid !== gid) await lchown(fsPath(path), uid, gid);
  if (st.isDirectory()) for (const name of await readdirNames(path)) await chownTree(join(path, name), uid, gid);
}

// Services must not start inside a build: policy-rc.d with exit 101 is Debian's documented switch
// (invoke-rc.d(8)), present only while apt runs. File descriptor 3 is the builder's status pipe: the script
// says there which apt-get command starts, and dpkg (kept open for it by APT::Keep-Fds) writes its
// machine-readable status there (--status-fd, besides apt's own), which times every package step.
const APT_SCRIPT = (pkgs: string[]): string =>
  [
    'set -e',
    "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d",
    'chmod 755 /usr/sbin/policy-rc.d',
    'trap "rm -f /usr/sbin/policy-rc.d" EXIT',
    'echo "repro-step: update" >&3',
    'apt-get update -q',
    'echo "repro-step: install" >&3',
    `apt-get install -y -q --no-install-recommends -o APT::Keep-Fds::=3 -o DPkg::Options::=--status-fd=3 ${pkgs.map((p) => `'${p.replace(/'/g, '')}'`).join(' ')}`,
    'echo "repro-step: clean" >&3',
    'apt-get clean',
  ].join('\n');

/** A line of the apt step's status pipe as the start of a step (the script's markers, dpkg's stages). */
function aptStatusStep(line: string): Pick<TimelineEvent, 'action' | 'package' | 'detail'> | undefined {
  const marker = /^repro-step: (\S+)$/.exec(line);
  return marker ? { action: 'apt-get', detail: marker[1]! } : dpkgStatusStep(line);
}

/**
 * An extra slack on status lines: dpkg writes straight into the builder's pipe, the line waits at most for
 * this process's event loop (measured) and the kernel's tick; this covers the pipe itself.
 */
const PIPE_NS = 2_000_000n;

async function runApt(ctx: PhaseContext, phase: Phase, step: Extract<Step, { kind: 'apt' }>): Promise<void> {
  const timeline = ctx.timeline;
  const seen: { atNs: bigint; step: Pick<TimelineEvent, 'action' | 'package' | 'detail'> }[] = [];
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const run: RunContext = {
    ...runContext(ctx),
    onStatus: (line) => {
      const s = aptStatusStep(line);
      if (s) seen.push({ atNs: nowNs(), step: s });
    },
  };
  try {
    await timeline?.begin({ action: 'apt-get', detail: 'script' });
    const r = await runInTree(run, APT_SCRIPT(step.packages));
    timeline?.end();
    if (r.code !== 0) throw failure(ctx, phase, step.line, `apt-get install ${step.packages.join(' ')}`, r);
  } finally {
    delay.disable();
  }
  const slackNs = TICK_NS + PIPE_NS + BigInt(Math.round(delay.max));
  for (const s of seen) timeline?.add({ atNs: s.atNs, slackNs, ...s.step });
}

export async function runPhase(ctx: PhaseContext, phase: Phase): Promise<void> {
  for (const step of phase.steps) {
    if (step.kind === 'env') Object.assign(ctx.manifestEnv, step.env);
    else if (step.kind === 'files') {
      for (const f of step.files) {
        await ctx.timeline?.begin({ action: 'files', detail: f.dest });
        await copyFile(ctx, f);
        ctx.timeline?.end();
      }
    }
    // `user:` is resolved when its first command runs: an earlier step of the phase may create the user
    else if (step.kind === 'run') await runCommands(ctx, phase, step, step.commands, undefined, await phaseUser(ctx, phase));
    else if (step.kind === 'apt') {
      if (!ctx.chroot || !(await existsInTree(ctx.root, 'usr/bin/apt-get'))) {
        throw new ReproError(`phase "${phase.name}": apt needs a Debian tree with apt-get (base debootstrap, mmdebstrap, tarball or image)`, `${ctx.manifestPath}:${step.line}`);
      }
      await runApt(ctx, phase, step);
    }
  }
}
