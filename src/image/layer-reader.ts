// readLayer: one layer as a stream of entries. The blob is hashed as stored (digest) and after
// decompression (diff_id) on the way through, so verification costs no second pass.
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { positiveIntEnv } from '../core/env-number.js';
import { ReproError, formatError } from '../core/errors.js';
import type { Entry } from '../core/entry.js';
import type { Image, LayerItem, LayerRef } from '../core/image.js';
import { decompressor, detectCompression } from './decompress.js';
import { EntryAudit, entryFromHeader } from './tar-entry.js';
import { TarParser, type TarHeader, type TarSink } from './tar-parse.js';
import { DOCKER_LAYER, isLayer } from './media-types.js';
import { shown } from './source.js';
import { walkDirectory } from './dir-reader.js';

export interface ReadLayerOptions {
  /** Stop with an error after this many uncompressed bytes (decompression bombs); default maxLayerBytes(). */
  maxBytes?: number;
  /** Hash the uncompressed stream even when no diff_id is there to verify (default true). A comparison of
   * two rootfs tarballs does not need it (one hash of 200 MB less per side; see uncompressedDigest). */
  diffId?: boolean;
}

/** 64 GiB: more than any real layer, and at ~1 GB/s still only a minute of streaming before we stop. */
export const DEFAULT_MAX_LAYER_BYTES = 64 * 2 ** 30;

/** The uncompressed-bytes limit per layer: REPRO_MAX_LAYER_BYTES when set (the CLI sets it from
 * --max-layer-bytes), else the default; every caller of readLayer gets it without passing options. */
export function maxLayerBytes(): number {
  return positiveIntEnv('REPRO_MAX_LAYER_BYTES', DEFAULT_MAX_LAYER_BYTES);
}

/** Digest algorithms the image spec registers (descriptor.md): others are read but cannot be verified. */
export const DIGEST_ALGORITHMS = new Set(['sha256', 'sha384', 'sha512']);

class Hasher extends Transform {
  readonly hash;
  bytes = 0;
  /** The last 1024 bytes seen: two zero blocks there are the tar end-of-archive marker. */
  private tail: Buffer = Buffer.alloc(0);
  constructor(
    private readonly limit: number,
    private readonly what: string,
    readonly algorithm = 'sha256',
    /** False: count and keep the tail only (the byte limit and the end-of-archive check still apply). */
    private readonly hashing = true,
  ) {
    super();
    this.hash = createHash(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      cb(new Error(`${this.what} exceeds the limit of ${this.limit} bytes (set --max-layer-bytes or REPRO_MAX_LAYER_BYTES to allow more)`));
      return;
    }
    if (this.hashing) this.hash.update(chunk);
    this.tail = chunk.length >= 1024 ? chunk.subarray(chunk.length - 1024) : Buffer.concat([this.tail, chunk]).subarray(-1024);
    cb(null, chunk);
  }
  endsWithEndOfArchive(): boolean {
    return this.tail.length === 1024 && this.tail.every((b) => b === 0);
  }
}

/** umoci 0.4 ends a layer right after the last member's content, without padding it to a 512-byte block
 * (GNU tar calls that an unexpected EOF). After hashing, the missing padding is supplied so the parser can
 * finish; a member cut short still fails, since its content stays incomplete. */
class TarPadding extends Transform {
  bytes = 0;
  padded = false;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const rest = this.bytes % 512;
    if (rest !== 0) {
      this.padded = true;
      this.push(Buffer.alloc(512 - rest));
    }
    cb();
  }
}

/** Members up to this size are read whole before they are handed on (LayerItem.data). */
const SMALL_BODY = 64 * 1024;

/** Members parsed and not yet taken before the parser waits for the reader (one chunk holds ~100 small). */
const QUEUE_HIGH = 256;

interface Parsed {
  header: TarHeader;
  /** A small member's body (a Buffer of its own: the input chunks are views into larger blocks). */
  data?: Buffer;
  /** A larger member's body, fed as the layer streams (backpressure passes through). */
  body?: PassThrough;
}

/**
 * The last stage of a layer's pipeline: tar bytes in, members out through take() and wait(). Small members
 * are queued whole; a larger one is queued with a body stream the parser writes on into, pausing while its
 * reader does. The reader may read a body, part of it or none: the generator drains what is left.
 */
class Members extends Writable implements TarSink {
  private readonly parser: TarParser;
  private queue: Parsed[] = [];
  private head = 0;
  private current: Parsed | undefined;
  private filled = 0;
  /** The body whose reader is behind: parsing waits for it to drain. */
  private paused: PassThrough | undefined;
  private held: (() => void) | undefined;
  private waiter: (() => void) | undefined;
  finished = false;
  error: Error | undefined;

  constructor(private readonly wrap: (err: unknown) => Error) {
    super();
    // v7 (pre-POSIX) headers have no magic; real old tarballs use them, the checksum still guards each block
    this.parser = new TarParser(this, true);
  }

  header(header: TarHeader, size: number): void {
    if (size <= SMALL_BODY) {
      this.current = { header, data: Buffer.allocUnsafe(size) };
      this.filled = 0;
      return;
    }
    const body = new PassThrough();
    // a reader that left its body is told through the generator, not by an 'error' event nobody hears
    body.on('error', ignore);
    this.current = { header, body };
    this.push(this.current);
  }

  body(chunk: Buffer): boolean {
    const c = this.current as Parsed;
    if (c.data) {
      chunk.copy(c.data, this.filled);
      this.filled += chunk.length;
      return true;
    }
    const body = c.body as PassThrough;
    if (body.destroyed) return true; // its reader destroyed it: the rest is skipped
    if (body.write(chunk)) return true;
    this.paused = body;
    return false;
  }

  memberEnd(): void {
    const c = this.current as Parsed;
    this.current = undefined;
    if (c.data) this.push(c);
    else if (!(c.body as PassThrough).destroyed) (c.body as PassThrough).end();
  }

  private push(p: Parsed): void {
    this.queue.push(p);
    this.notify();
  }

  private notify(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.parse(chunk, 0, cb);
  }

  private parse(chunk: Buffer, at: number, cb: (err?: Error | null) => void): void {
    let pos: number;
    try {
      pos = this.parser.write(chunk, at);
    } catch (err) {
      cb(err as Error);
      return;
    }
    const body = this.paused;
    if (body) {
      this.paused = undefined;
      const go = (): void => {
        body.off('drain', go);
        body.off('close', go);
        if (pos < chunk.length) this.parse(chunk, pos, cb);
        else cb();
      };
      body.on('drain', go);
      body.on('close', go);
      return;
    }
    if (this.queue.length - this.head >= QUEUE_HIGH) this.held = cb;
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      this.parser.final();
    } catch (err) {
      cb(err as Error);
      return;
    }
    this.finished = true;
    this.notify();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // a normal end destroys the stream too (autoDestroy): only an early one is a failure
    if (err || !this.finished) this.fail(err ?? new Error('the layer stream was closed'));
    cb(err);
  }

  /** The pipeline failed: a body being read ends with the error (in one line), and so does the generator. */
  fail(err: unknown): void {
    this.error ??= this.wrap(err);
    const body = this.current?.body;
    if (body && !body.destroyed) body.destroy(this.error);
    this.notify();
  }

  /** The next member parsed, if any. */
  take(): Parsed | undefined {
    if (this.head >= this.queue.length) return undefined;
    const p = this.queue[this.head++] as Parsed;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      const cb = this.held;
      this.held = undefined;
      cb?.();
    }
    return p;
  }

  /** Resolves when a member is queued, the tar ended, or reading failed. */
  wait(): Promise<void> {
    if (this.head < this.queue.length || this.finished || this.error) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

const ignore = (): void => undefined;

/** A small member, its body already read: the stream is made only when asked for (most never are). */
class SmallItem implements LayerItem {
  private stream: Readable | undefined;
  constructor(
    readonly entry: Entry,
    readonly data: Buffer,
  ) {}
  get body(): Readable {
    return (this.stream ??= Readable.from(this.data.length ? [this.data] : []));
  }
}

/** Node, zlib and tar parser messages → what a user can act on. */
function explain(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? String(err);
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) return 'truncated gzip stream';
  if (e?.code === 'Z_DATA_ERROR') return `corrupt gzip stream (${msg})`;
  if (msg === 'Unexpected end of data') return 'truncated tar (unexpected end of data)';
  if (/Invalid tar header/.test(msg)) return 'corrupt tar header (bad checksum or unknown format)';
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') return formatError(err);
  return msg.split('\n')[0] ?? msg;
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

/** Layers are often read more than once (scan, then compare): say each thing once. */
function warn(image: Image, ...messages: string[]): void {
  for (const m of messages) if (!image.warnings.includes(m)) image.warnings.push(m);
}

function describe(layer: LayerRef): string {
  return `layer ${layer.index} (${layer.digest ?? layer.source})`;
}

export async function* readLayer(image: Image, layer: LayerRef, opts: ReadLayerOptions = {}): AsyncGenerator<LayerItem> {
  if (layer.rootDir !== undefined) {
    const audit = new EntryAudit();
    for await (const item of walkDirectory(layer.rootDir, image.warnings)) {
      audit.add(item.entry);
      yield item;
    }
    warn(image, ...audit.warnings(`layer ${layer.index}`));
    return;
  }
  if (!layer.open) throw new ReproError(`${describe(layer)} has no content`, image.input);
  const limit = opts.maxBytes ?? maxLayerBytes();
  let sniffed: Awaited<ReturnType<typeof sniff>>;
  try {
    sniffed = await sniff(layer.open());
  } catch (err) {
    throw new ReproError(`cannot read ${describe(layer)}: ${explain(err)}`, image.input);
  }
  const { head, stream } = sniffed;
  const kind = detectCompression(head);
  if (kind === 'xz' || kind === 'bzip2') throw new ReproError(`${describe(layer)} is ${kind}-compressed: not supported`, image.input);
  if (kind !== layer.compression && isLayer(layer.mediaType) && layer.mediaType !== DOCKER_LAYER) {
    warn(image, `${describe(layer)}: media type says ${layer.compression}, content is ${kind} (read as ${kind})`);
  }
  const inflate = decompressor(kind);
  // uncompressed blobs (docker save, plain rootfs tars): digest and diff_id are one hash, computed once
  const algorithm = layer.digest?.slice(0, layer.digest.indexOf(':')) ?? 'sha256';
  const verifiable = DIGEST_ALGORITHMS.has(algorithm);
  const storedAlgorithm = verifiable ? algorithm : 'sha256';
  const shared = !inflate && storedAlgorithm === 'sha256';
  const stored = new Hasher(shared ? limit : Number.MAX_SAFE_INTEGER, shared ? 'uncompressed content' : 'blob', storedAlgorithm);
  const hashPlain = shared || layer.diffId !== undefined || opts.diffId !== false;
  const plain = shared ? stored : new Hasher(limit, 'uncompressed content', 'sha256', hashPlain);
  const wrap = (err: unknown): Error => (err instanceof ReproError ? err : new ReproError(`cannot read ${describe(layer)}: ${explain(err)}`, image.input));
  const members = new Members(wrap);
  const padding = new TarPadding();
  const stages: NodeJS.ReadWriteStream[] = inflate ? [stored, inflate, plain, padding] : [stored, padding];
  const audit = new EntryAudit();
  const unknownTypes: string[] = [];
  let failure: unknown;
  // The tar parser reads on past the end-of-archive blocks: what follows (padding) is hashed too.
  const piped = pipeline([stream, ...stages, members] as unknown as [Readable, ...NodeJS.ReadWriteStream[]]).catch((err: unknown) => {
    failure = err;
    // a consumer reading an entry's body sees this error too: make it the one-line kind
    members.fail(err);
  });
  let completed = false;
  try {
    for (;;) {
      const parsed = members.take();
      if (!parsed) {
        if (members.error) throw members.error;
        if (members.finished) break;
        await members.wait();
        continue;
      }
      const entry = entryFromHeader(parsed.header);
      audit.add(entry);
      // a typeflag this reader does not know (GNU's old sparse 'S', multi-volume 'M'...): its body is read as
      // a file's, which it may not be
      if (parsed.header.type === null) unknownTypes.push(entry.name);
      if (parsed.data) {
        yield new SmallItem(entry, parsed.data);
        continue;
      }
      const body = parsed.body as PassThrough;
      yield { entry, body };
      // the consumer read the body, part of it or none: drain the rest so the parser can go on
      if (!body.readableEnded && !body.destroyed) body.resume();
    }
    completed = true;
  } catch (err) {
    if (err === members.error) throw err; // already in one line
    throw new ReproError(`cannot read ${describe(layer)}: ${explain(failure ?? err)}`, image.input);
  } finally {
    if (!completed && failure === undefined) members.destroy();
    await piped;
  }
  if (failure) throw new ReproError(`cannot read ${describe(layer)}: ${explain(failure)}`, image.input);
  const digest = `${storedAlgorithm}:${stored.hash.digest('hex')}`;
  const diffId = plain === stored ? digest : hashPlain ? 'sha256:' + plain.hash.digest('hex') : undefined;
  if (layer.digest !== undefined && verifiable && layer.digest !== digest) {
    throw new ReproError(`blob ${layer.digest} does not match its digest (content hashes to ${digest})`, image.input);
  }
  if (layer.digest !== undefined && !verifiable) warn(image, `${describe(layer)}: digest algorithm "${shown(algorithm)}" is not supported: not verified`);
  if (layer.diffId !== undefined && !layer.diffId.startsWith('sha256:')) {
    warn(image, `layer ${layer.index}: diff_id ${shown(layer.diffId)} is not sha256: not verified`);
  } else if (layer.diffId !== undefined && diffId !== undefined && layer.diffId !== diffId) {
    throw new ReproError(`layer ${layer.index} diff_id mismatch: config says ${layer.diffId}, content is ${diffId}`, image.input);
  }
  warn(image, ...audit.warnings(`layer ${layer.index}`));
  if (unknownTypes.length > 0) {
    warn(image, `layer ${layer.index}: ${unknownTypes.length} members of an unknown tar type (GNU old-style sparse 'S'?), read as plain files: ${unknownTypes.slice(0, 3).map(shown).join(', ')}${unknownTypes.length > 3 ? ', ...' : ''}`);
  }
  // umoci 0.4 and some hand-made tarballs stop after the last member: harmless, but worth knowing
  if (padding.padded) warn(image, `layer ${layer.index}: ends inside a 512-byte block, without end-of-archive blocks (umoci 0.4 style, tolerated)`);
  else if (!plain.endsWithEndOfArchive()) warn(image, `layer ${layer.index}: no end-of-archive blocks (tolerated)`);
  if (layer.size !== undefined && layer.size !== stored.bytes) {
    warn(image, `${describe(layer)}: descriptor says ${layer.size} bytes, the blob has ${stored.bytes}`);
  }
  // keep what the image says when it could not be checked (another algorithm); else what was computed
  layer.digest = verifiable ? digest : (layer.digest ?? digest);
  layer.diffId = layer.diffId?.startsWith('sha256:') === false ? layer.diffId : diffId;
  layer.size = stored.bytes;
}

/** The diff_id of a layer read with `diffId: false`: one more pass, for the rare question "same tar,
 * compressed differently?" (every entry equal, blobs different). Fills layer.diffId. */
export async function uncompressedDigest(image: Image, layer: LayerRef): Promise<string | undefined> {
  if (layer.diffId === undefined) {
    for await (const item of readLayer(image, layer, { diffId: true })) item.body.resume();
  }
  return layer.diffId;
}
