// Is an input something the image reader takes (a directory, or a tar — compressed or not — which covers
// OCI/docker archives and rootfs tarballs), or a single file to compare as bytes (a .gz that holds a text,
// a zip, a JSON)? Decided from content: a gzip/zstd file is a tarball only when what it expands to starts
// with a valid tar header.
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ReproError } from '../core/errors.js';
import { GuardedZstd, detectCompression } from '../image/decompress.js';
import { isTarHeader } from '../image/tar-index.js';
import { parseReference } from '../image/reference.js';

export type InputShape = 'image' | 'file';

const BLOCK = 512;
/**
 * Compressed bytes read to find the first 512 expanded bytes (a tar header follows at once). A zstd block
 * decodes only once whole, and may hold up to 128 KiB (RFC 8878 3.1.1.2.4): the probe covers one block plus
 * the frame and block headers, or a valid .tar.zst whose first block is large would pass for a plain file.
 */
const PROBE = 128 * 1024 + 64;

function gunzipHead(data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    const z = createGunzip();
    const finish = (): void => {
      z.removeAllListeners('data');
      z.destroy();
      resolve(Buffer.concat(parts).subarray(0, BLOCK));
    };
    z.on('data', (c: Buffer) => {
      parts.push(c);
      got += c.length;
      if (got >= BLOCK) finish();
    });
    // a probe cut mid-stream is "unexpected end": what came out so far is all we need
    z.on('error', finish);
    z.on('end', finish);
    z.end(data);
  });
}

function unzstdHead(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  // the guarded decoder: a hostile header declaring a huge window is refused, not allocated
  const d = new GuardedZstd((chunk) => {
    parts.push(chunk);
    got += chunk.length;
    return got < BLOCK;
  });
  try {
    d.push(data);
  } catch {
    // corrupt, cut or refused: judge by what came out
  }
  return Buffer.concat(parts).subarray(0, BLOCK);
}

export async function inputShape(path: string): Promise<InputShape> {
  if (parseReference(path)) return 'image';
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(err.code === 'ENOENT' ? 'no such file or directory' : `cannot read (${err.code})`, path);
  });
  if (st.isDirectory()) return 'image';
  if (!st.isFile()) throw new ReproError('not a file or directory', path);
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(PROBE);
    const { bytesRead } = await fh.read(buf, 0, PROBE, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const kind = detectCompression(head);
  if (kind === 'gzip') return isTarHeader(await gunzipHead(head)) ? 'image' : 'file';
  if (kind === 'zstd') {
    const expanded = unzstdHead(head);
    // nothing decodes from a whole first block: truncated or corrupt; the reader says which, precisely
    if (expanded.length === 0) return 'image';
    return isTarHeader(expanded) ? 'image' : 'file';
  }
  return isTarHeader(head) ? 'image' : 'file';
}
