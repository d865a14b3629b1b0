// The file-ordering variation's bind point. disorderfs serves the tree from a second path (the "lower"
// directory, where each phase command's private mount namespace binds the real tree, chroot.ts) and, for
// phases run as a user (--multi-user), reaches it with that user's file system ids: every directory above
// the lower one must be searchable by anybody. The build's work directory lies in the private temp area
// (mode 0700), so the bind point is an empty directory of mode 0711 under /dev/shm instead (faketime.ts
// stages its library there too). It is a mount point only inside the commands' namespaces; on the host it
// stays empty and is removed with rmdir (never a recursive rm) on every exit path.
import { rmdirSync } from 'node:fs';
import { access, chmod, mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { onCleanup } from '../core/cleanup.js';

export async function disorderfsLower(workDir: string, shmDir = '/dev/shm'): Promise<{ lower: string; remove: () => Promise<void> }> {
  const base = await access(shmDir).then(() => shmDir, () => workDir);
  const lower = await mkdtemp(join(base, 'repro-disorderfs-'));
  await chmod(lower, 0o711);
  const gone = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'ENOENT') throw e;
  };
  const remove = (): Promise<void> => rmdir(lower).catch(gone);
  const forget = onCleanup(remove);
  const onExit = (): void => {
    try {
      rmdirSync(lower);
    } catch {
      // already gone, or (never expected) busy: rmdir cannot take anything with it
    }
  };
  process.once('exit', onExit);
  return {
    lower,
    remove: async () => {
      await remove();
      forget();
      process.off('exit', onExit);
    },
  };
}
