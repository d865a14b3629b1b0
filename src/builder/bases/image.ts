// `base: {image: PATH}`: an existing image whose layers are kept byte for byte (same digests, so they are
// shared with every other image built on it); its merged filesystem is unpacked as the tree the phases
// change, and its config is the starting point of the new one.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ReproError } from '../../core/errors.js';
import { openImage, readLayer } from '../../image/index.js';
import { layerMediaType } from '../../image/layer-writer.js';
import { extractLayer } from '../extract.js';
import type { DeviceTable } from '../snapshot.js';
import type { BaseContext, BaseOutcome } from './types.js';

export async function imageBase(path: string, ctx: BaseContext): Promise<BaseOutcome> {
  const image = await openImage(path, ctx.fetch ? { fetch: ctx.fetch } : {});
  const kept: BaseOutcome['kept'] = [];
  const devices: DeviceTable = new Map();
  for (const layer of image.layers) {
    // readLayer verifies digest and diff_id while streaming and fills them in for inputs without them.
    await extractLayer(readLayer(image, layer), ctx.root, path, devices);
    if (!layer.open || !layer.digest || !layer.diffId) {
      throw new ReproError(`layer ${layer.index} cannot be kept as it is (a directory input has no blob)`, path);
    }
    const blob = join(ctx.blobDir, layer.digest.slice('sha256:'.length));
    await pipeline(layer.open(), createWriteStream(blob));
    const history = image.config?.history?.filter((h) => !h.empty_layer)[layer.index];
    kept.push({
      name: history?.created_by ? `base: ${history.created_by.slice(0, 60)}` : `base layer ${layer.index}`,
      layer: {
        digest: layer.digest,
        diffId: layer.diffId,
        size: (await stat(blob)).size,
        mediaType: layer.mediaType.includes('docker') || !layer.mediaType ? layerMediaType(layer.compression) : layer.mediaType,
        compression: layer.compression,
        path: blob,
      },
    });
  }
  return { label: `image ${path}`, treeIsLayer: false, kept, devices, ...(image.config ? { config: image.config } : {}) };
}
