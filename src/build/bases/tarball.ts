// `base: {tarball: PATH}`: a root filesystem tarball unpacked as the tree; it becomes the first layer,
// rewritten by the canonical writer (and normalized) like any phase.
import { access } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { runLogged } from '../chroot.js';
import type { BaseContext, BaseOutcome } from './types.js';

export async function tarballBase(path: string, ctx: BaseContext): Promise<BaseOutcome> {
  await access(path).catch(() => {
    throw new ReproError('base tarball not found', path);
  });
  // GNU tar detects gzip/xz/zstd on extraction; numeric owners because the tree's ids are what count, not
  // the host's names for them.
  const argv = ['tar', '--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', path, '-C', ctx.root];
  const r = await runLogged(argv, { env: ctx.env });
  if (r.code !== 0) throw new ReproError(`cannot unpack the base tarball (tar exit ${r.code}): ${r.tail.slice(-3).join(' / ')}`, path);
  return { label: `tarball ${path}`, treeIsLayer: true, kept: [] };
}
