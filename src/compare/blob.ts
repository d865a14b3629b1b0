// A blob is "some bytes with a name": a file on disk, a layer member, a decompressed payload. Comparators
// see only this, never where the bytes came from, so one comparator serves files, members and payloads.
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';

export interface ContentBlob {
  /** Name for messages (a path, a member name); never used to pick a comparator. */
  name: string;
  size: number;
  /** "sha256:<hex>" when already known (readers fill it while streaming a layer). */
  digest?: string;
  /** The whole content; callers only use it below ctx.limits.maxMemberBytes. */
  bytes(): Promise<Buffer>;
  /** A fresh stream over the content each call. */
  stream(): Readable;
}

export function blobFromBuffer(name: string, buf: Buffer, digest?: string): ContentBlob {
  return {
    name,
    size: buf.length,
    ...(digest ? { digest } : {}),
    bytes: () => Promise.resolve(buf),
    stream: () => Readable.from([buf]),
  };
}

export function blobFromFile(name: string, path: string, digest?: string): ContentBlob {
  const size = statSync(path).size;
  return {
    name,
    size,
    ...(digest ? { digest } : {}),
    bytes: () => readFile(path),
    stream: () => createReadStream(path),
  };
}

/** sha256 of a blob's content, streamed (works for blobs of any size). */
export async function blobDigest(blob: ContentBlob): Promise<string> {
  if (blob.digest) return blob.digest;
  const hash = createHash('sha256');
  for await (const chunk of blob.stream()) hash.update(chunk as Buffer);
  return 'sha256:' + hash.digest('hex');
}
