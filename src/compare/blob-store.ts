// Content-addressed store for member content that may still be needed for a content comparison.
// Both sides of a comparison stream concurrently; a member's bytes are kept (refcounted by digest) until the
// other side shows the same path with the same digest, then released. Memory is bounded by a budget: once
// over it, members spill to files in the private temp area, named by digest (never by member name, so a
// hostile member name can never choose a host path).
import { createHash, hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { tempDir } from '../core/temp.js';

export type StoredContent = { kind: 'memory'; data: Buffer } | { kind: 'file'; path: string; size: number };

/** In memory the chunks are kept as they came: most content is released unread, so joining them is deferred. */
type Held = { kind: 'memory'; chunks: Buffer[]; size: number } | { kind: 'file'; path: string; size: number };

interface Slot {
  content: Held;
  refs: number;
}

export interface BlobStoreStats {
  /** Highest number of content bytes held in memory at once. */
  peakMemory: number;
  /** Bytes written to spill files. */
  spilled: number;
}

export const DEFAULT_MEMORY_BUDGET = 64 << 20;

/** What one held piece of content costs besides its bytes (its slot, digest key and buffer object): a store
 * of a million tiny files is mostly this. */
const SLOT_BYTES = 256;

export class BlobStore {
  private readonly slots = new Map<string, Slot>();
  private memory = 0;
  private dir: Promise<string> | undefined;
  private seq = 0;
  readonly stats: BlobStoreStats = { peakMemory: 0, spilled: 0 };

  constructor(private readonly budget = DEFAULT_MEMORY_BUDGET) {}

  private spillDir(): Promise<string> {
    this.dir ??= tempDir('blobs-');
    return this.dir;
  }

  private account(delta: number): void {
    this.memory += delta;
    if (this.memory > this.stats.peakMemory) this.stats.peakMemory = this.memory;
  }

  /**
   * Read `body` to its end, hashing it, and keep its content under its digest with one reference.
   * The caller owns that reference and must `release` it when the content is no longer needed.
   */
  async put(body: Readable): Promise<{ digest: string; size: number }> {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let held = 0;
    let size = 0;
    let file: { path: string; stream: WriteStream } | undefined;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (file) {
          if (!file.stream.write(chunk)) await once(file.stream, 'drain');
          continue;
        }
        // a small member's chunk is a view into the reader's block (up to a MiB): keep a copy of its own
        // bytes, or each held file would pin a whole block
        chunks.push(chunk.length * 2 < chunk.buffer.byteLength ? Buffer.from(chunk) : chunk);
        held += chunk.length;
        this.account(chunk.length);
        if (this.memory > this.budget) {
          // Over budget: this member goes to disk from here on, its buffered head first.
          const path = join(await this.spillDir(), `partial-${this.seq++}`);
          file = { path, stream: createWriteStream(path) };
          for (const c of chunks) file.stream.write(c);
          this.account(-held);
          chunks.length = 0;
          held = 0;
        }
      }
    } catch (err) {
      this.account(-held);
      if (file) {
        file.stream.destroy();
        await rm(file.path, { force: true });
      }
      throw err;
    }
    const digest = 'sha256:' + hash.digest('hex');
    const existing = this.slots.get(digest);
    if (file) {
      file.stream.end();
      await once(file.stream, 'close');
      this.stats.spilled += size;
      if (existing) await rm(file.path, { force: true });
      else {
        const final = join(await this.spillDir(), digest.slice('sha256:'.length));
        await rename(file.path, final);
        this.slots.set(digest, { content: { kind: 'file', path: final, size }, refs: 1 });
        return { digest, size };
      }
    }
    if (existing) {
      // Same bytes already held (the other side, or a duplicate file): share them.
      existing.refs++;
      this.account(-held);
      return { digest, size };
    }
    if (!file) this.slots.set(digest, { content: { kind: 'memory', chunks, size: held }, refs: 1 });
    return { digest, size };
  }

  /** The same as put, for a body already in memory (a small member): no stream, one hash call, and no
   * promise unless it has to spill (a million entries are a million awaits saved). */
  putBuffer(data: Buffer): { digest: string; size: number } | Promise<{ digest: string; size: number }> {
    if (this.memory + data.length > this.budget) return this.put(Readable.from(data.length ? [data] : []));
    const digest = 'sha256:' + hash('sha256', data, 'hex');
    const existing = this.slots.get(digest);
    if (existing) existing.refs++;
    else {
      this.slots.set(digest, { content: { kind: 'memory', chunks: [data], size: data.length }, refs: 1 });
      this.account(data.length);
    }
    return { digest, size: data.length };
  }

  /** Whether `size` more bytes (and one more slot) stay within the budget. */
  fits(size: number): boolean {
    return this.memory + this.slots.size * SLOT_BYTES + size <= this.budget;
  }

  /** Take one more reference on content already stored. */
  retain(digest: string): void {
    const slot = this.slots.get(digest);
    if (slot) slot.refs++;
  }

  get(digest: string): StoredContent | undefined {
    const slot = this.slots.get(digest);
    if (!slot) return undefined;
    const c = slot.content;
    if (c.kind === 'file') return c;
    if (c.chunks.length !== 1) c.chunks = [Buffer.concat(c.chunks, c.size)];
    return { kind: 'memory', data: c.chunks[0] ?? Buffer.alloc(0) };
  }

  /** Drop one reference; the content goes when the last one does. */
  release(digest: string): void {
    const slot = this.slots.get(digest);
    if (!slot) return;
    if (--slot.refs > 0) return;
    this.slots.delete(digest);
    if (slot.content.kind === 'memory') this.account(-slot.content.size);
    else void rm(slot.content.path, { force: true });
  }

  /** Drop every reference at once: a comparison unit (a layer pair) is done, nothing it held is needed. */
  releaseAll(): void {
    for (const slot of this.slots.values()) if (slot.content.kind === 'file') void rm(slot.content.path, { force: true });
    this.slots.clear();
    this.account(-this.memory);
  }

  /** Bytes held in memory now. */
  get memoryInUse(): number {
    return this.memory;
  }

  /** Remove every spill file (the temp area goes on exit anyway; this frees disk early). */
  async close(): Promise<void> {
    this.slots.clear();
    this.memory = 0;
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
