// Choosing one image of a multi-platform index: --platform os/arch[/variant], else the only one, else the host's.
import { ReproError } from '../core/errors.js';
import type { Descriptor } from '../core/image.js';

type Platform = NonNullable<Descriptor['platform']>;

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): string {
  return `linux/${ARCH[process.arch] ?? process.arch}`;
}

/** "os/arch[/variant]", or "unspecified" for a descriptor without a platform. */
export function formatPlatform(p: Platform | undefined): string {
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unspecified';
}

function matches(p: Platform | undefined, want: string): boolean {
  if (!p) return false;
  const [os, arch, variant] = want.split('/');
  return p.os === os && p.architecture === arch && (variant === undefined || p.variant === variant);
}

export function choosePlatform<T>(items: T[], wanted: string | undefined, platformOf: (t: T) => Platform | undefined, where: string): T {
  if (wanted) {
    const hit = items.find((i) => matches(platformOf(i), wanted));
    if (!hit) throw new ReproError(`no image for platform ${wanted} (have: ${items.map((i) => formatPlatform(platformOf(i))).join(', ')})`, where);
    return hit;
  }
  if (items.length === 1) return items[0] as T;
  const host = items.find((i) => matches(platformOf(i), hostPlatform()));
  if (host) return host;
  throw new ReproError(
    `several images (${items.map((i) => formatPlatform(platformOf(i))).join(', ')}) and none for ${hostPlatform()}: choose one with --platform`,
    where,
  );
}
