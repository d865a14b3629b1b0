// Two synthetic root-filesystem images for the benchmark: thousands of files, deterministic pseudo-random
// text (compressible like real files, never all zeros), every mtime different between A and B, a handful
// of contents different. Written as oci-archives with gzip layers through the test image builders.
import { makeOciArchive, makeRootfsTar, type TestMember } from '../test/helpers/images.js';

/** xorshift32: same seed, same bytes, on every machine. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz      \n\n0123456789_-./=');

function text(rand: () => number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) {
    let r = rand();
    for (let j = 0; j < 4 && i + j < size; j++, r >>>= 8) buf[i + j] = ALPHABET[(r & 0xff) % ALPHABET.length] ?? 32;
  }
  return buf;
}

export interface BenchShape {
  files: number;
  totalBytes: number;
  changed: string[];
}

/** Members of one side; `side` 1 shifts every mtime and rewrites the `changed` files. */
function members(totalBytes: number, side: 0 | 1): { members: TestMember[]; shape: BenchShape } {
  const rand = prng(0x5eed);
  const out: TestMember[] = [];
  const dirs = ['usr/bin', 'usr/lib/x86_64-linux-gnu', 'usr/share/doc', 'usr/share/locale', 'etc', 'var/lib/dpkg/info', 'opt/app'];
  const mtime = 1_700_000_000 + side * 86_400;
  for (const d of ['usr', 'usr/lib', 'usr/share', 'var', 'var/lib', 'var/lib/dpkg', ...dirs]) out.push({ path: d + '/', type: 'dir', mtime });
  let bytes = 0;
  let n = 0;
  const changed: string[] = [];
  while (bytes < totalBytes) {
    // mostly small files, now and then a large one (libraries, locales)
    const size = rand() % 100 === 0 ? 1_000_000 + (rand() % 4_000_000) : 200 + (rand() % 40_000);
    const path = `${dirs[n % dirs.length]}/f${n.toString(36)}`;
    let content = text(rand, size);
    if (n % 997 === 500) {
      changed.push('/' + path);
      if (side === 1) {
        content = Buffer.from(content);
        content.write('CHANGED', Math.floor(size / 2));
      }
    }
    out.push({ path, content, mtime, mode: n % 5 === 0 ? 0o755 : 0o644 });
    bytes += size;
    n++;
  }
  return { members: out, shape: { files: n, totalBytes: bytes, changed } };
}

export interface BenchInputs {
  /** Root filesystem tarballs (.tar.gz): what diffoscope can see into. */
  rootfs: [string, string];
  /** The same trees as two-layer oci-archives (gzip layers). */
  oci: [string, string];
}

export async function makeBenchImages(dir: string, totalBytes: number): Promise<{ inputs: BenchInputs; shape: BenchShape }> {
  const inputs: BenchInputs = {
    rootfs: [`${dir}/a.rootfs.tar.gz`, `${dir}/b.rootfs.tar.gz`],
    oci: [`${dir}/a.oci.tar`, `${dir}/b.oci.tar`],
  };
  const small = (side: number): TestMember[] => [{ path: 'etc/', type: 'dir' }, { path: 'etc/hostname', content: `host${side}\n` }];
  let shape: BenchShape | undefined;
  for (const side of [0, 1] as const) {
    const m = members(totalBytes, side);
    shape ??= m.shape;
    await makeRootfsTar(inputs.rootfs[side], m.members, { gzip: true, gzipLevel: 1 });
    const config = side === 1 ? { created: '2024-01-02T00:00:00Z' } : {};
    await makeOciArchive(inputs.oci[side], { layers: [m.members, small(side)], gzipLevel: 1, config });
  }
  return { inputs, shape: shape as BenchShape };
}
