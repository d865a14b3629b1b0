// The environment phase commands get and the image config the build produces: both made from fixed values
// and SOURCE_DATE_EPOCH only, never from the host's clock, locale or user.
import type { ImageConfig } from '../core/image.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A fixed environment instead of the caller's: TZ, locale and HOME are variations `repro check` sets on
 * purpose, not accidents of who ran the build. PATH is the host's for host-side commands (scratch) and
 * replaced by the standard one inside chroot (see phases.ts) since host tool paths mean nothing there.
 */
export function buildEnv(epoch: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? PATH,
    HOME: '/root',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    DEBIAN_FRONTEND: 'noninteractive',
    DEBCONF_NONINTERACTIVE_SEEN: 'true',
    SOURCE_DATE_EPOCH: String(epoch),
    ...extra,
  };
}

export const CHROOT_PATH = PATH;

export interface ConfigInput {
  base?: ImageConfig;
  epoch: number;
  /** One name per layer, in order (kept base layers first). */
  names: string[];
  keptCount: number;
  env: Record<string, string>;
  label: string;
  shell: boolean;
}

function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

export function imageConfig(input: ConfigInput): ImageConfig {
  const created = new Date(input.epoch * 1000).toISOString().replace('.000Z', 'Z');
  const baseConfig = (input.base?.config ?? {}) as Record<string, unknown>;
  const baseEnv = Array.isArray(baseConfig.Env) ? (baseConfig.Env as string[]) : [`PATH=${PATH}`];
  const env = new Map(baseEnv.map((kv) => [kv.split('=')[0] ?? kv, kv] as const));
  for (const [k, v] of Object.entries(input.env)) env.set(k, `${k}=${v}`);
  const keptHistory = (input.base?.history ?? []).slice();
  const history = [
    ...keptHistory,
    ...input.names.slice(input.keptCount).map((name, i) => ({
      created,
      created_by: i === 0 && name === 'base' ? `repro build: ${input.label}` : `repro build: phase ${name}`,
    })),
  ];
  return {
    created,
    architecture: input.base?.architecture ?? goArch(),
    os: input.base?.os ?? 'linux',
    config: {
      ...baseConfig,
      Env: [...env.values()],
      ...(baseConfig.Cmd === undefined && input.shell ? { Cmd: ['/bin/sh'] } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [] },
    history,
  };
}
