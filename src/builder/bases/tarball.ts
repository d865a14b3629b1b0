// `base: {tarball: PATH}`: a root filesystem tarball unpacked as the tree; it becomes the first layer,
// rewritten by the canonical writer (and normalized) like any phase. It is unpacked by the same jailed
// extractor as an image base (extract.ts): device nodes become placeholders, xattrs and sparse files are
// kept. xz and bzip2, which the image reader does not take, are decompressed by their commands first.
import { createReadStream, createWriteStream } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ReproError } from '../../core/errors.js';
import { findCommand } from '../../core/find-command.js';
import { openImage, readLayer } from '../../image/index.js';
import { detectCompression } from '../../image/decompress.js';
import { extractLayer } from '../extract.js';
import type { DeviceTable } from '../snapshot.js';
import type { BaseContext, BaseOutcome } from './types.js';

const COMMANDS = { xz: ['xz', 'xz-utils'], bzip2: ['bzip2', 'bzip2'] } as const;

/** `path` itself, or for xz/bzip2 a plain copy in the build's work dir. */
async function plainTar(path: string, workDir: string): Promise<string> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(6);
  await fh.read(head, 0, head.length, 0).finally(() => fh.close());
  const kind = detectCompression(head);
  if (kind !== 'xz' && kind !== 'bzip2') return path;
  const [command, pkg] = COMMANDS[kind];
  if (!findCommand(command)) throw new ReproError(`${command} is not installed (Debian package ${pkg}): it is needed for a ${kind} tarball`, path);
  const out = join(workDir, 'base.tar');
  const child = spawn(command, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const copied = Promise.all([pipeline(createReadStream(path), child.stdin), pipeline(child.stdout, createWriteStream(out))]);
  copied.catch(() => undefined); // a failed decompression is reported by its exit code first
  const code = await exit;
  if (code !== 0) throw new ReproError(`cannot decompress the base tarball (${command} exit ${code}): ${err.trim().split('\n').pop() ?? ''}`, path);
  await copied;
  return out;
}

export async function tarballBase(path: string, ctx: BaseContext): Promise<BaseOutcome> {
  await access(path).catch(() => {
    throw new ReproError('base tarball not found', path);
  });
  const image = await openImage(await plainTar(path, ctx.workDir));
  const devices: DeviceTable = new Map();
  for (const layer of image.layers) await extractLayer(readLayer(image, layer), ctx.root, path, devices);
  return { label: `tarball ${path}`, treeIsLayer: true, kept: [], devices };
}
