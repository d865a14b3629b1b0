// Runs a phase's commands. With a shell in the tree: chroot inside a private mount+PID namespace
// (unshare from util-linux), with proc, sys and dev mounted there only, so they vanish with the namespace
// whatever way the command ends, and every process it started dies with it. Without one (scratch): on the
// host, in the tree, with $ROOTFS pointing at it.
import { spawn } from 'node:child_process';
import { onCleanup } from '../core/cleanup.js';

export interface RunContext {
  root: string;
  /** chroot into the tree (it has /bin/sh) or run on the host. */
  chroot: boolean;
  env: Record<string, string>;
  /** Octal umask string ("0022"): fixed by default so the builder adds no variation of its own. */
  umask: string;
  hostname?: string;
  /** Command prefix put in front of everything (faketime, another unshare...). */
  wrap: string[];
  /** Streams the command's output as it comes (verbose builds). */
  onOutput?: (chunk: Buffer) => void;
}

export interface RunResult {
  code: number;
  /** The last lines of combined stdout+stderr, for error messages. */
  tail: string[];
}

// Host side of a chroot run. Arguments: root, umask, hostname, command. Mount points are used only if the
// tree already has them: creating them would change the tree and so the layer.
const CHROOT_SETUP = [
  'set -e',
  'R="$1"; M="$2"; H="$3"; C="$4"',
  '[ ! -d "$R/proc" ] || mount -t proc proc "$R/proc"',
  '[ ! -d "$R/sys" ] || mount --rbind /sys "$R/sys"',
  '[ ! -d "$R/dev" ] || mount --rbind /dev "$R/dev"',
  // Name resolution for apt and downloads, without writing the host's file into the tree.
  'if [ -f "$R/etc/resolv.conf" ] && [ ! -L "$R/etc/resolv.conf" ] && [ -f /etc/resolv.conf ]; then mount --bind /etc/resolv.conf "$R/etc/resolv.conf"; fi',
  '[ -z "$H" ] || hostname "$H"',
  'exec chroot "$R" /bin/sh -c \'umask "$1"; cd /; eval "$2"\' repro-run "$M" "$C"',
].join('\n');

const HOST_RUN = '[ -z "$3" ] || hostname "$3"; umask "$1"; eval "$2"';

export function commandLine(ctx: RunContext, command: string): string[] {
  if (ctx.chroot) {
    return [
      ...ctx.wrap,
      'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', ...(ctx.hostname ? ['--uts'] : []),
      '--', '/bin/sh', '-c', CHROOT_SETUP, 'repro-chroot', ctx.root, ctx.umask, ctx.hostname ?? '', command,
    ];
  }
  const uts = ctx.hostname ? ['unshare', '--uts', '--'] : [];
  return [...ctx.wrap, ...uts, '/bin/sh', '-c', HOST_RUN, 'repro-run', ctx.umask, command, ctx.hostname ?? ''];
}

/** Run argv, keep the last lines of its output; never throws for a non-zero exit. */
export function runLogged(
  argv: string[],
  opts: { env: Record<string, string>; cwd?: string; onOutput?: (chunk: Buffer) => void; tailLines?: number },
): Promise<RunResult> {
  const keep = opts.tailLines ?? 20;
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new Error('empty command'));
    // Its own process group, so an interrupted build can kill everything the command started (a shell's
    // background jobs, a daemon a postinst forked), not just the shell itself.
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const forget = onCleanup(() => {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    let partial = '';
    const lines: string[] = [];
    const take = (chunk: Buffer): void => {
      opts.onOutput?.(chunk);
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > keep) lines.splice(0, lines.length - keep);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => {
      forget();
      reject(err);
    });
    child.on('close', (code, signal) => {
      forget();
      if (partial) lines.push(partial);
      resolve({ code: code ?? (signal ? 128 + 9 : 1), tail: lines.slice(-keep) });
    });
  });
}

export function runInTree(ctx: RunContext, command: string): Promise<RunResult> {
  return runLogged(commandLine(ctx, command), {
    env: ctx.env,
    cwd: ctx.chroot ? '/' : ctx.root,
    ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}),
  });
}
