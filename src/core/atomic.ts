// Outputs appear whole or not at all: write to a hidden temp name beside the target, rename on success.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { onCleanup } from './cleanup.js';

function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.repro-${randomBytes(4).toString('hex')}.tmp`);
}

/** An I/O error on the hidden temp name is about the output the user named: say that path instead. */
function aboutTarget(err: unknown, tmp: string, target: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && e.path === tmp) e.path = target;
  return err;
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempNameFor(target);
  const forget = onCleanup(() => rm(tmp, { force: true }));
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw aboutTarget(err, tmp, target);
  } finally {
    forget();
  }
}

/** Joined pieces are written once they reach this size: few writes, and never the whole text at once. */
const BATCH = 1 << 16;

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => void stream.write(text, (err) => (err ? reject(err) : resolve())));
}

/** Pieces in batches, each write awaited: what is buffered stays one batch (a pipe reader may be slow). */
async function writePieces(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  let batch = '';
  for (const piece of pieces) {
    batch += piece;
    if (batch.length >= BATCH) {
      await write(stream, batch);
      batch = '';
    }
  }
  if (batch) await write(stream, batch);
}

/**
 * A text output option's value: "-" is stdout (every command, every option), anything else a file written
 * atomically. The text may come in pieces (a large report), written as they come.
 */
export async function writeOutput(target: string, data: string | Iterable<string>): Promise<void> {
  if (typeof data === 'string') {
    if (target === '-') return write(process.stdout, data);
    return writeFileAtomic(target, data);
  }
  if (target === '-') return writePieces(process.stdout, data);
  const file = openAtomic(target);
  try {
    await writePieces(file.stream, data);
    await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

export interface AtomicFile {
  /** Temp path being written (inside the target's directory). */
  path: string;
  stream: WriteStream;
  /** Flush, close and rename into place. */
  commit(): Promise<void>;
  /** Close and delete the temp file. */
  abort(): Promise<void>;
}

export function openAtomic(target: string): AtomicFile {
  const tmp = tempNameFor(target);
  const stream = createWriteStream(tmp);
  // write errors (ENOSPC) carry no path: name the output, so the user's one line says which file failed
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.path === undefined || err.path === tmp) err.path = target;
  });
  const forget = onCleanup(() => rm(tmp, { force: true }));
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  return {
    path: tmp,
    stream,
    async commit() {
      stream.end();
      try {
        await closed;
        await rename(tmp, target);
      } catch (err) {
        throw aboutTarget(err, tmp, target);
      }
      forget();
    },
    async abort() {
      stream.destroy();
      await closed.catch(() => undefined);
      await rm(tmp, { force: true });
      forget();
    },
  };
}
