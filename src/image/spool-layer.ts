// A layer read once, in order, with its member bodies parked in one spool file so the writer can open each
// when it packs: `repro normalize` and the external builder both spool their layers through it. The file is
// named by the caller (by layer index, never by a member name: names come from untrusted input).
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Image } from '../core/image.js';
import type { LayerSource } from './layer-writer.js';
import { readLayer } from './layer-reader.js';

/**
 * One append-only spool file per layer: member bodies are written back to back and read again by range.
 * (A file per member costs an open/close pair each: ~10x slower on layers of many small files.)
 */
export async function spoolLayer(image: Image, index: number, file: string): Promise<LayerSource[]> {
  const layer = image.layers[index];
  if (!layer) return [];
  const items: LayerSource[] = [];
  const out = createWriteStream(file);
  let writeError: Error | undefined;
  let current: Readable | undefined;
  // a failed spool write (disk full) must end the body being copied, or the copy would wait forever
  out.on('error', (err) => {
    writeError = err;
    current?.destroy(err);
  });
  const closed = once(out, 'close');
  closed.catch(() => undefined);
  let offset = 0;
  try {
    for await (const { entry, body } of readLayer(image, layer)) {
      if (writeError) throw writeError;
      if (entry.type !== 'file' || entry.size === 0) {
        items.push({ entry });
        continue;
      }
      const start = offset;
      current = body;
      // 'data' events rather than async iteration: a promise per chunk made spooling several times slower
      await new Promise<void>((resolve, reject) => {
        let waiting = false;
        const onDrain = (): void => {
          waiting = false;
          body.resume();
        };
        body.on('data', (chunk: Buffer) => {
          offset += chunk.length;
          if (!out.write(chunk) && !waiting) {
            waiting = true;
            body.pause();
            out.once('drain', onDrain);
          }
        });
        body.once('end', () => {
          out.off('drain', onDrain);
          resolve();
        });
        body.once('error', reject);
      });
      if (out.writableNeedDrain && !writeError) await once(out, 'drain');
      current = undefined;
      const end = offset;
      items.push({ entry, content: () => (end > start ? createReadStream(file, { start, end: end - 1 }) : Readable.from([])) });
    }
  } finally {
    out.end();
    await closed;
  }
  if (writeError) throw writeError;
  return items;
}
