// The "time" variation: libfaketime moves the variant build's clock forward. `faketime` alone sets
// LD_PRELOAD to the library's path on the host, which does not exist inside a chroot (ld.so then prints
// "cannot be preloaded ... ignored" and the clock is real again). So the library is copied to a private
// directory under /dev/shm, and chrooted phases, whose /dev/shm is a tmpfs of their own, get that directory
// lent read-only at the same path (the build's wrapDirs, src/builder/chroot.ts): the path resolves on the host
// and in the chroot, and nothing is written into the tree that the snapshot would see. Inside the chroot
// the faketime command's semaphore and segment (FAKETIME_SHARED) are not there; libfaketime then goes on
// without them, which an offset clock ("+3d") does not need.
import { rmSync } from 'node:fs';
import { access, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { onCleanup } from '../core/cleanup.js';
import { findCommand } from '../core/find-command.js';

/** Where Debian's libfaketime package puts the library (multiarch dirs first). */
function candidates(): string[] {
  const triplets = ['x86_64-linux-gnu', 'aarch64-linux-gnu', 'arm-linux-gnueabihf', 'i386-linux-gnu', 'powerpc64le-linux-gnu', 's390x-linux-gnu', 'riscv64-linux-gnu'];
  return [...triplets.map((t) => `/usr/lib/${t}/faketime/libfaketime.so.1`), '/usr/lib/faketime/libfaketime.so.1', '/usr/local/lib/faketime/libfaketime.so.1'];
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

export async function findLibfaketime(): Promise<string | undefined> {
  for (const c of candidates()) if (await exists(c)) return c;
  return undefined;
}

export interface StagedFaketime {
  /** Path to preload, valid on the host and inside chrooted phase commands. */
  library: string;
  /** The directory holding it, under /dev/shm: what a chroot must be lent (BuildOptions.wrapDirs). */
  dir: string;
  /** The wrap prefix for a build whose clock runs `offset` ahead ("+3d"). */
  wrap(offset: string): string[];
  /** The same as variables, for commands a builder starts itself (buildah RUN steps). */
  env(offset: string): Record<string, string>;
}

/**
 * Copy libfaketime to a private directory under /dev/shm (removed on every exit path). Returns undefined
 * when the library is not installed; the caller reports the variation as unavailable.
 */
export async function stageFaketime(shmDir = '/dev/shm'): Promise<StagedFaketime | undefined> {
  const lib = await findLibfaketime();
  if (!lib) return undefined;
  const base = (await exists(shmDir)) ? shmDir : undefined;
  if (!base) return undefined;
  const dir = await mkdtemp(join(base, 'repro-faketime-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  // Last resort on a hard exit: /dev/shm is RAM and outlives the process.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const library = join(dir, 'libfaketime.so.1');
  await copyFile(lib, library);
  const manager = findCommand('faketime');
  return {
    library,
    dir,
    // libfaketime shares its clock between a process and its children through a semaphore and a shared
    // memory segment in /dev/shm, created by the first preloaded process and removed only when that one
    // exits through exit() — a shell (_exit) or an exec never does, leaving a pair behind per command.
    // The `faketime` command creates the pair itself, waits for the command and removes it; its own
    // LD_PRELOAD names the host path, so `env` then puts our staged copy in its place for the build.
    wrap: (offset) => [...(manager ? [manager, '-f', offset] : []), 'env', `LD_PRELOAD=${library}`, `FAKETIME=${offset}`],
    env: (offset) => ({ LD_PRELOAD: library, FAKETIME: offset }),
  };
}
