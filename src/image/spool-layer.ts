// A layer read once, in order, with its member bodies parked in one spool file so the writer can open each
// when it packs: `repro normalize` and the external builder both spool their layers through it. The file is
// named by the caller (by layer index, never by a member name: names come from untrusted input).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Image } from '../core/image.js';
import type { LayerSource } from './layer-items.js';
import { readLayer } from './layer-reader.js';

/**
 * One append-only spool file per layer: member bodies are written back to back and each item names its
 * byte range, so items are data (the writer's store packs them) and a rule can read a body as soon as its
 * item is yielded: every chunk is written synchronously as it arrives. (A file per member costs an
 * open/close pair each: ~10x slower on layers of many small files.)
 */
export async function* spoolLayer(image: Image, index: number, file: string): AsyncGenerator<LayerSource> {
  const layer = image.layers[index];
  if (!layer) return;
  const fd = openSync(file, 'w');
  let offset = 0;
  try {
    for await (const { entry, body } of readLayer(image, layer)) {
      if (entry.type !== 'file' || entry.size === 0) {
        yield { entry };
        continue;
      }
      const start = offset;
      // 'data' events rather than async iteration: a promise per chunk made spooling several times slower
      await new Promise<void>((resolve, reject) => {
        body.on('data', (chunk: Buffer) => {
          try {
            for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done, offset + done);
            offset += chunk.length;
          } catch (err) {
            // a failed spool write (disk full) ends the body being copied
            body.destroy(err as Error);
          }
        });
        body.once('end', resolve);
        body.once('error', reject);
      });
      yield { entry, content: { file, start, end: offset } };
    }
  } finally {
    closeSync(fd);
  }
}
