// Runs a phase's commands. With a shell in the tree: chroot inside private mount, PID, UTS and IPC
// namespaces (unshare from util-linux), so every mount made for the phase vanishes with the namespace
// whatever way the command ends, every process it started dies with it, and it can change neither the
// host's name nor its System V IPC objects. There it gets its own /proc, a read-only /sys and a minimal
// private /dev; /etc/resolv.conf is the tree's own file (resolv-conf.ts). What the wrap prefix needs from
// the host (the staged libfaketime) is lent read-only at its own path under the private /dev/shm. The network and the host's
// kernel are shared: apt needs the one, and the builder is not a security boundary against the phases
// (see the README). Without a shell (scratch): on the host, in the tree, with $ROOTFS pointing at it.
import { runLogged, type RunResult } from '../core/process.js';
import { lendResolvConf } from './resolv-conf.js';

export interface RunContext {
  root: string;
  /** chroot into the tree (it has /bin/sh) or run on the host. */
  chroot: boolean;
  env: Record<string, string>;
  /** Octal umask string ("0022"): fixed by default so the builder adds no variation of its own. */
  umask: string;
  hostname?: string;
  /** NIS/YP domain name of the command's UTS namespace (`domainname`). */
  domain?: string;
  /**
   * Shuffle directory entries (the file-ordering variation): inside the command's private mount namespace
   * the tree is bound to `lower` (an empty directory outside the tree) and disorderfs serves it back over
   * the tree with readdir order shuffled. Both mounts exist only in that namespace and go with it.
   */
  shuffleDirents?: { lower: string };
  /** Run the command (chrooted) as these ids, supplementary groups = the gid only (a `user:` phase). */
  user?: { uid: number; gid: number };
  /** Command prefix put in front of everything (faketime, another unshare...). */
  wrap: string[];
  /**
   * Host directories the wrap needs inside a chroot (LD_PRELOAD's library), all under /dev/shm: chrooted
   * commands see them read-only at the same path, bind-mounted onto the private /dev/shm — a mount point
   * outside the tree, gone with the command's mount namespace, so nothing of them reaches a layer.
   */
  wrapDirs?: string[];
  /** Streams the command's output as it comes (verbose builds). */
  onOutput?: (chunk: Buffer) => void;
  /** Lines the command writes to its file descriptor 3 (apt steps: dpkg's --status-fd), as they come. */
  onStatus?: (line: string) => void;
}

// disorderfs (FUSE) with entries shuffled and nothing else changed (no st_blocks padding), the library
// preload of a wrap (libfaketime) left out of the daemon; it runs in the command's PID namespace and dies
// with it. `nonempty`: the tree is the mount point.
const DISORDERFS = 'env -u LD_PRELOAD disorderfs -q --shuffle-dirents=yes --multi-user=yes --pad-blocks=0 -o nonempty';

// Host side of a chroot run. Arguments: root, umask, hostname, command. Mount points are used only if the
// tree already has them as real directories: creating them would change the tree and so the layer, and a
// symlink there would put the mount somewhere else. The /dev is a tmpfs holding only the usual character
// devices (the kernel's fixed numbers, devices.txt) and a private devpts instance for ptys. Further
// arguments are the wrap's directories: without a /dev of the tree's own to hold them, the command would
// run without what its wrap put in place (a clock that is not moved), so it fails instead.
const CHROOT_SETUP = [
  'set -e',
  'R="$1"; M="$2"; H="$3"; D="$4"; O="$5"; U="$6"; C="$7"; shift 7',
  'dir() { [ -d "$R/$1" ] && [ ! -L "$R/$1" ]; }',
  'if [ -n "$O" ]; then mount --bind "$R" "$O"; ' + DISORDERFS + ' "$O" "$R"; fi',
  'if dir proc; then mount -t proc -o nosuid,nodev,noexec proc "$R/proc"; fi',
  'if dir sys; then mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"; fi',
  'if dir dev; then',
  '  mount -t tmpfs -o nosuid,noexec,mode=755,size=1m repro-dev "$R/dev"',
  '  node() { mknod -m 666 "$R/dev/$1" c "$2" "$3"; }',
  '  node null 1 3; node zero 1 5; node full 1 7; node random 1 8; node urandom 1 9; node tty 5 0',
  '  mkdir -m 755 "$R/dev/pts"; mkdir -m 1777 "$R/dev/shm"',
  '  mount -t devpts -o newinstance,ptmxmode=0666,mode=620,nosuid,noexec repro-pts "$R/dev/pts"',
  '  mount -t tmpfs -o nosuid,nodev,mode=1777 repro-shm "$R/dev/shm"',
  '  ln -s pts/ptmx "$R/dev/ptmx"; ln -s /proc/self/fd "$R/dev/fd"',
  '  ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
  'fi',
  'for d in "$@"; do',
  '  if ! dir dev; then echo "repro: the tree has no /dev directory to lend $d into" >&2; exit 125; fi',
  '  mkdir -p "$R$d"; mount --bind -o ro,nosuid,nodev "$d" "$R$d"',
  'done',
  '[ -z "$H" ] || hostname "$H"',
  '[ -z "$D" ] || printf %s "$D" > /proc/sys/kernel/domainname',
  'if [ -n "$U" ]; then set -- "--userspec=$U" "--groups=${U#*:}"; else set --; fi',
  'exec chroot "$@" "$R" /bin/sh -c \'umask "$1"; cd /; eval "$2"\' repro-run "$M" "$C"',
].join('\n');

// Host side of a run without chroot (scratch trees, $ROOTFS): the same namespaces when something needs
// them; after disorderfs is mounted the shell changes into the tree again, since its cwd was the tree below.
const HOST_RUN = [
  'R="$1"; M="$2"; H="$3"; D="$4"; O="$5"; C="$6"',
  'if [ -n "$O" ]; then mount --bind "$R" "$O" && ' + DISORDERFS + ' "$O" "$R" && cd "$R" || exit 125; fi',
  '[ -z "$H" ] || hostname "$H"',
  '[ -z "$D" ] || printf %s "$D" > /proc/sys/kernel/domainname',
  'umask "$M"; eval "$C"',
].join('\n');

const SHM = /^\/dev\/shm(\/[^/\n]+)+$/;

export function commandLine(ctx: RunContext, command: string): string[] {
  if (ctx.chroot) {
    const dirs = ctx.wrapDirs ?? [];
    // Only the private /dev/shm is a place to mount them without touching the tree.
    for (const d of dirs) if (!SHM.test(d) || d.split('/').includes('..')) throw new Error(`wrap directory outside /dev/shm: ${d}`);
    return [
      ...ctx.wrap,
      'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--uts', '--ipc',
      '--', '/bin/sh', '-c', CHROOT_SETUP, 'repro-chroot', ctx.root, ctx.umask, ctx.hostname ?? '', ctx.domain ?? '',
      ctx.shuffleDirents?.lower ?? '', ctx.user ? `${ctx.user.uid}:${ctx.user.gid}` : '', command, ...dirs,
    ];
  }
  if (ctx.user) throw new Error('a user: phase runs chrooted only');
  const ns = [
    ...(ctx.shuffleDirents ? ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child'] : []),
    ...(ctx.hostname || ctx.domain ? ['--uts'] : []),
  ];
  const unshare = ns.length ? ['unshare', ...ns, '--'] : [];
  return [...ctx.wrap, ...unshare, '/bin/sh', '-c', HOST_RUN, 'repro-run', ctx.root, ctx.umask, ctx.hostname ?? '', ctx.domain ?? '', ctx.shuffleDirents?.lower ?? '', command];
}

export async function runInTree(ctx: RunContext, command: string): Promise<RunResult> {
  const argv = commandLine(ctx, command);
  const opts = { env: ctx.env, cwd: ctx.chroot ? '/' : ctx.root, ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}), ...(ctx.onStatus ? { onStatus: ctx.onStatus } : {}) };
  if (!ctx.chroot) return runLogged(argv, opts);
  const giveBack = await lendResolvConf(ctx.root);
  try {
    return await runLogged(argv, opts);
  } finally {
    await giveBack();
  }
}
