// readLayer: one layer as a stream of entries. The blob is hashed as stored (digest) and after
// decompression (diff_id) on the way through, so verification costs no second pass.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ReproError } from '../core/errors.js';
import type { Image, LayerItem, LayerRef } from '../core/image.js';
import { decompressor, detectCompression } from './decompress.js';
import { entryFromHeader } from './tar-entry.js';
import { walkDirectory } from './dir-reader.js';

export interface ReadLayerOptions {
  /** Stop with an error after this many uncompressed bytes (decompression bombs). */
  maxBytes?: number;
}

class Hasher extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly limit: number, private readonly what: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      cb(new Error(`${this.what} exceeds the limit of ${this.limit} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

/** Pull the first chunk to sniff the compression, then hand on a stream that starts with it again. */
async function sniff(raw: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const it = raw[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : (first.value as Buffer);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value as Buffer;
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function describe(layer: LayerRef): string {
  return `layer ${layer.index} (${layer.digest ?? layer.source})`;
}

export async function* readLayer(image: Image, layer: LayerRef, opts: ReadLayerOptions = {}): AsyncGenerator<LayerItem> {
  if (layer.rootDir !== undefined) {
    yield* walkDirectory(layer.rootDir, image.warnings);
    return;
  }
  if (!layer.open) throw new ReproError(`${describe(layer)} has no content`, image.input);
  const limit = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const { head, stream } = await sniff(layer.open());
  const kind = detectCompression(head);
  if (kind === 'xz' || kind === 'bzip2') throw new ReproError(`${describe(layer)} is ${kind}-compressed: not supported`, image.input);
  const stored = new Hasher(Number.MAX_SAFE_INTEGER, 'blob');
  const plain = new Hasher(limit, `${describe(layer)} uncompressed`);
  const inflate = decompressor(kind);
  const extract = tar.extract();
  const stages: NodeJS.ReadWriteStream[] = inflate ? [stored, inflate, plain] : [stored, plain];
  let failure: unknown;
  // The tar parser stops at the end-of-archive blocks; what follows (padding) must still be hashed.
  const piped = pipeline([stream, ...stages, extract] as unknown as [Readable, ...NodeJS.ReadWriteStream[]]).catch((err: unknown) => {
    failure = err;
    extract.destroy(err as Error);
  });
  try {
    for await (const body of extract) {
      const entry = entryFromHeader(body.header);
      let finished = false;
      const done = new Promise<void>((resolve, reject) => {
        body.once('end', () => ((finished = true), resolve()));
        body.once('close', () => ((finished = true), resolve()));
        body.once('error', reject);
      });
      // streamx entry streams support async iteration and pipe() like node Readables
      yield { entry, body: body as unknown as Readable };
      // the consumer may have left the body unread: drain it so the parser can go on
      if (!finished) body.resume();
      await done;
    }
  } catch (err) {
    throw new ReproError(`cannot read ${describe(layer)}: ${(failure as Error | undefined)?.message ?? (err as Error).message}`, image.input);
  } finally {
    if (failure === undefined) await piped;
  }
  await piped;
  if (failure) throw new ReproError(`cannot read ${describe(layer)}: ${(failure as Error).message}`, image.input);
  const digest = 'sha256:' + stored.hash.digest('hex');
  const diffId = 'sha256:' + plain.hash.digest('hex');
  if (layer.digest?.startsWith('sha256:') && layer.digest !== digest) {
    throw new ReproError(`blob ${layer.digest} does not match its digest (content hashes to ${digest})`, image.input);
  }
  if (layer.diffId?.startsWith('sha256:') && layer.diffId !== diffId) {
    throw new ReproError(`layer ${layer.index} diff_id mismatch: config says ${layer.diffId}, content is ${diffId}`, image.input);
  }
  layer.digest = digest;
  layer.diffId = diffId;
  layer.size = stored.bytes;
}
