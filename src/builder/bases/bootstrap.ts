// Debian bases: debootstrap (needs root) and mmdebstrap (reproducible by construction under
// SOURCE_DATE_EPOCH). Both keep downloaded .debs in a cache shared by all builds of the same suite and
// architecture, so a second build does not download again.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { runLogged } from '../../core/process.js';
import type { BootstrapBase } from '../manifest-types.js';
import { resolveMirror } from '../mirror.js';
import { resolveInTree } from '../tree-path.js';
import type { BaseContext, BaseOutcome } from './types.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { debootstrapStep, nowNs, TICK_NS, type StepTimeline } from '../step-timeline.js';

function hostArch(): Promise<string> {
  return new Promise((resolve) => {
    execFile('dpkg', ['--print-architecture'], (err, stdout) => {
      if (!err && String(stdout).trim()) return resolve(String(stdout).trim());
      const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };
      resolve(map[process.arch] ?? process.arch);
    });
  });
}

function bootstrapArgs(base: BootstrapBase, arch: string, cache: string, root: string, mirror: string): string[] {
  const common = [
    `--variant=${base.variant}`,
    `--components=${base.components.join(',')}`,
    ...(base.include.length ? [`--include=${base.include.join(',')}`] : []),
  ];
  if (base.kind === 'debootstrap') {
    return ['debootstrap', ...common, `--arch=${arch}`, `--cache-dir=${cache}`, base.suite, root, mirror];
  }
  // mmdebstrap has no cache option; its manual's recipe syncs /var/cache/apt/archives in and out (before
  // its own cleanup empties it), and keeps the essential .debs with --skip=essential/unlink.
  return [
    'mmdebstrap', ...common, `--architectures=${arch}`, '--format=directory', '--skip=essential/unlink',
    `--setup-hook=mkdir -p "$1"/var/cache/apt/archives/`,
    `--setup-hook=sync-in '${cache}' /var/cache/apt/archives/`,
    `--customize-hook=sync-out /var/cache/apt/archives '${cache}'`,
    base.suite, root, mirror,
  ];
}

export async function bootstrapBase(base: BootstrapBase, ctx: BaseContext): Promise<BaseOutcome> {
  if (base.kind === 'debootstrap' && process.getuid?.() !== 0) {
    throw new ReproError('base debootstrap needs root: run repro build as root, or use base: mmdebstrap', ctx.manifestPath);
  }
  const mirror = await resolveMirror(base.mirror, base.suite);
  const arch = base.arch ?? (await hostArch());
  const cache = join(ctx.cacheDir, base.kind, `${base.suite}-${arch}`);
  await mkdir(cache, { recursive: true });
  const argv = bootstrapArgs(base, arch, cache, ctx.root, mirror);
  const steps = base.kind === 'debootstrap' && ctx.timeline ? debootstrapSteps(ctx.timeline) : undefined;
  const onOutput = (chunk: Buffer): void => {
    steps?.take(chunk);
    ctx.onOutput?.(chunk);
  };
  const r = await runLogged(argv, { env: ctx.env, onOutput }).finally(() => steps?.done()).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ReproError(`base ${base.kind}: the ${base.kind} command is not installed`, ctx.manifestPath);
      throw err;
    },
  );
  if (r.code !== 0) {
    const tail = r.tail.map((l) => '    ' + l).join('\n');
    throw new ReproError(`base ${base.kind} ${base.suite} failed with exit code ${r.code}\n  last output:\n${tail}`, ctx.manifestPath);
  }
  if (base.kind === 'debootstrap') await dropDownloadedDebs(ctx.root);
  return { label: `${base.kind} ${base.suite}/${base.variant} from ${mirror}`, treeIsLayer: true, kept: [] };
}

/**
 * debootstrap's progress lines, timed as they arrive, as the base's timeline: "I: Unpacking <pkg>..." and
 * "I: Configuring <pkg>..." are printed by debootstrap's shell loop as dpkg's --status-fd announces each
 * package's stage, so they come a little later than dpkg's own line (its relay is in the slack).
 * mmdebstrap prints no such lines: its base is not placed.
 */
function debootstrapSteps(timeline: StepTimeline): { take: (chunk: Buffer) => void; done: () => void } {
  let partial = '';
  const seen: { atNs: bigint; step: NonNullable<ReturnType<typeof debootstrapStep>> }[] = [];
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  return {
    take(chunk) {
      const atNs = nowNs();
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const step = debootstrapStep(line);
        if (step) seen.push({ atNs, step });
      }
    },
    done() {
      delay.disable();
      const slackNs = TICK_NS + SHELL_RELAY_NS + BigInt(Math.round(delay.max));
      for (const s of seen) timeline.add({ atNs: s.atNs, slackNs, ...s.step });
    },
  };
}

/** debootstrap's status relay: a shell `while read` loop and its `info` function, per line. */
const SHELL_RELAY_NS = 20_000_000n;

/**
 * debootstrap leaves every .deb it installed in the target's /var/cache/apt/archives (~40% of a minbase
 * layer). They are a download cache, already kept in the shared --cache-dir, not part of the system.
 */
async function dropDownloadedDebs(root: string): Promise<void> {
  const dir = await resolveInTree(root, 'var/cache/apt/archives');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) if (name.endsWith('.deb')) await rm(join(dir, name), { force: true });
}

export { hostArch };
