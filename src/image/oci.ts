// OCI image layout (image-spec image-layout.md): oci-layout, index.json (possibly nesting indexes),
// blobs/<alg>/<hex>. Walks index → manifest → config the way diffoci does, one function per level.
import { ReproError } from '../core/errors.js';
import type { Descriptor, Image, ImageConfig, LayerRef } from '../core/image.js';
import { sha256 } from '../core/digest.js';
import { isIndex, isLayer, isManifest, layerCompression } from './media-types.js';
import { parseJson, type ImageSource } from './source.js';
import { choosePlatform } from './platform.js';

interface IndexDoc {
  mediaType?: string;
  manifests?: Descriptor[];
}
interface ManifestDoc {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, string>;
}

export function blobPath(digest: string): string {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  if (!m) throw new ReproError(`invalid digest "${digest}"`);
  return `blobs/${m[1]}/${m[2]}`;
}

/** Read a small blob and check it against its descriptor's digest. */
export async function readBlob(src: ImageSource, desc: Descriptor, what: string): Promise<Buffer> {
  const path = blobPath(desc.digest);
  if (!(await src.has(path))) throw new ReproError(`${what} blob ${desc.digest} is missing`, src.label);
  const bytes = await src.readDoc(path);
  if (desc.digest.startsWith('sha256:') && sha256(bytes) !== desc.digest) {
    throw new ReproError(`${what} blob ${desc.digest} does not match its digest (got ${sha256(bytes)})`, src.label);
  }
  return bytes;
}

interface Candidate {
  desc: Descriptor;
  bytes: Buffer;
}

/** Collect the image manifests reachable from an index, following nested indexes. */
async function collectManifests(src: ImageSource, index: IndexDoc, warnings: string[], depth = 0): Promise<Candidate[]> {
  if (depth > 8) throw new ReproError('index nesting deeper than 8 levels', src.label);
  const out: Candidate[] = [];
  for (const desc of index.manifests ?? []) {
    if (typeof desc?.digest !== 'string') throw new ReproError('index entry without a digest', src.label);
    const platform = desc.platform;
    if (platform && platform.os === 'unknown') continue; // BuildKit attestation manifests
    if (desc.mediaType && !isIndex(desc.mediaType) && !isManifest(desc.mediaType)) {
      warnings.push(`skipped index entry of unknown media type ${desc.mediaType}`);
      continue;
    }
    const bytes = await readBlob(src, desc, 'manifest');
    const doc = parseJson<IndexDoc & ManifestDoc>(bytes, `blob ${desc.digest}`, src.label);
    if (isIndex(desc.mediaType) || (!desc.mediaType && Array.isArray(doc.manifests))) {
      out.push(...(await collectManifests(src, doc, warnings, depth + 1)));
    } else {
      out.push({ desc, bytes });
    }
  }
  return out;
}

export async function readOciLayout(
  src: ImageSource,
  image: Pick<Image, 'input' | 'kind' | 'warnings'>,
  platform: string | undefined,
): Promise<Image> {
  const indexBytes = await src.readDoc('index.json');
  const index = parseJson<IndexDoc>(indexBytes, 'index.json', src.label);
  if (!Array.isArray(index.manifests)) throw new ReproError('index.json has no "manifests" array', src.label);
  const candidates = await collectManifests(src, index, image.warnings);
  if (candidates.length === 0) throw new ReproError('index.json lists no image manifest', src.label);
  const chosen = choosePlatform(candidates, platform, (c) => c.desc.platform, src.label);
  const manifest = parseJson<ManifestDoc>(chosen.bytes, `manifest ${chosen.desc.digest}`, src.label);
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    throw new ReproError(`manifest ${chosen.desc.digest} lacks config or layers`, src.label);
  }
  const configBytes = await readBlob(src, manifest.config, 'config');
  const config = parseJson<ImageConfig>(configBytes, `config ${manifest.config.digest}`, src.label);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers: LayerRef[] = [];
  for (const desc of manifest.layers) {
    if (!isLayer(desc.mediaType)) {
      image.warnings.push(`layer ${desc.digest} has unknown media type ${desc.mediaType}: read by its magic bytes`);
    }
    const path = blobPath(desc.digest);
    if (!(await src.has(path))) throw new ReproError(`layer blob ${desc.digest} is missing`, src.label);
    layers.push({
      index: layers.length,
      mediaType: desc.mediaType,
      compression: layerCompression(desc.mediaType) ?? 'none',
      digest: desc.digest,
      diffId: diffIds[layers.length],
      size: desc.size,
      source: path,
      open: () => src.open(path),
    });
  }
  if (diffIds.length !== layers.length) {
    image.warnings.push(`config lists ${diffIds.length} diff_ids for ${layers.length} layers`);
  }
  return {
    ...image,
    indexBytes,
    manifestDigest: chosen.desc.digest,
    manifestBytes: chosen.bytes,
    configDigest: manifest.config.digest,
    configBytes,
    config,
    layers,
    warnings: [...image.warnings, ...src.warnings],
  };
}
