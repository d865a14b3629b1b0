// OCI image layout (image-spec image-layout.md): oci-layout, index.json (possibly nesting indexes),
// blobs/<alg>/<hex>. Walks index → manifest → config the way diffoci does, one function per level.
import { ReproError } from '../core/errors.js';
import type { Descriptor, Image, ImageConfig, LayerRef } from '../core/image.js';
import { createHash } from 'node:crypto';
import { isIndex, isLayer, isManifest, layerCompression } from './media-types.js';
import { checkConfig, checkDescriptor, parseObject, shown, type ImageSource } from './source.js';
import { choosePlatform, formatPlatform } from './platform.js';
import { DIGEST_ALGORITHMS } from './layer-reader.js';

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
  if (!m) throw new ReproError(`invalid digest "${digest.slice(0, 100)}"`);
  return `blobs/${m[1]}/${m[2]}`;
}

/** Read a small blob and check it against its descriptor's digest. */
export async function readBlob(src: ImageSource, desc: Descriptor, what: string): Promise<Buffer> {
  const path = blobPath(desc.digest);
  if (!(await src.has(path))) throw new ReproError(`${what} blob ${desc.digest} is missing`, src.label);
  const bytes = await src.readDoc(path);
  const algorithm = desc.digest.slice(0, desc.digest.indexOf(':'));
  if (DIGEST_ALGORITHMS.has(algorithm)) {
    const got = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (got !== desc.digest) throw new ReproError(`${what} blob ${desc.digest} does not match its digest (got ${got})`, src.label);
  } else if (!src.warnings.some((w) => w.includes(`"${algorithm}"`))) {
    src.warnings.push(`digest algorithm "${shown(algorithm)}" is not supported: ${what} blob not verified`);
  }
  if (desc.size !== undefined && desc.size !== bytes.length) {
    throw new ReproError(`${what} blob ${desc.digest} is ${bytes.length} bytes, its descriptor says ${desc.size}`, src.label);
  }
  return bytes;
}

interface Candidate {
  desc: Descriptor;
  bytes: Buffer;
}

/** Limits on the index walk: an index may list the same nested index many times, so depth alone does
 * not bound the work (8 levels of 100 entries each is 10^16 visits). */
const MAX_DEPTH = 8;
const MAX_DOCS = 1024;

/** Collect the image manifests reachable from an index, following nested indexes. */
async function collectManifests(
  src: ImageSource,
  index: IndexDoc,
  warnings: string[],
  depth = 0,
  budget = { docs: MAX_DOCS },
): Promise<Candidate[]> {
  if (depth > MAX_DEPTH) throw new ReproError(`index nesting deeper than ${MAX_DEPTH} levels`, src.label);
  if (!Array.isArray(index.manifests)) throw new ReproError('index has no "manifests" array', src.label);
  const out: Candidate[] = [];
  for (const [i, raw] of index.manifests.entries()) {
    const desc = checkDescriptor(raw, `index entry ${i}${depth ? ` (nesting level ${depth})` : ''}`, src.label);
    const platform = desc.platform;
    if (platform && platform.os === 'unknown') continue; // BuildKit attestation manifests
    if (desc.mediaType && !isIndex(desc.mediaType) && !isManifest(desc.mediaType)) {
      // a hostile index may list thousands: name the first few, count the rest
      const skipped = warnings.filter((w) => w.startsWith('skipped index entry')).length;
      if (skipped < 3) warnings.push(`skipped index entry ${desc.digest} of unknown media type ${shown(desc.mediaType)}`);
      else if (skipped === 3) warnings.push('skipped index entry: more entries of unknown media types (not listed)');
      continue;
    }
    if (--budget.docs < 0) throw new ReproError(`index lists more than ${MAX_DOCS} manifests and indexes`, src.label);
    const bytes = await readBlob(src, desc, 'manifest');
    const doc = parseObject<IndexDoc & ManifestDoc>(bytes, `manifest ${desc.digest}`, src.label);
    if (isIndex(desc.mediaType) || (!desc.mediaType && Array.isArray(doc.manifests))) {
      out.push(...(await collectManifests(src, doc, warnings, depth + 1, budget)));
    } else {
      out.push({ desc, bytes });
    }
  }
  return out;
}

/** The platforms of the layout's image manifests, in index order ("unspecified" for one without). */
export async function layoutPlatforms(src: ImageSource): Promise<string[]> {
  const index = parseObject<IndexDoc>(await src.readDoc('index.json'), 'index.json', src.label);
  const candidates = await collectManifests(src, index, []);
  return candidates.map((c) => formatPlatform(c.desc.platform));
}

export async function readOciLayout(
  src: ImageSource,
  image: Pick<Image, 'input' | 'kind' | 'warnings'>,
  platform: string | undefined,
): Promise<Image> {
  const indexBytes = await src.readDoc('index.json');
  const index = parseObject<IndexDoc>(indexBytes, 'index.json', src.label);
  if (!Array.isArray(index.manifests)) throw new ReproError('index.json has no "manifests" array', src.label);
  const candidates = await collectManifests(src, index, image.warnings);
  if (candidates.length === 0) throw new ReproError('index.json lists no image manifest', src.label);
  const chosen = choosePlatform(candidates, platform, (c) => c.desc.platform, src.label);
  const what = `manifest ${chosen.desc.digest}`;
  const manifest = parseObject<ManifestDoc>(chosen.bytes, what, src.label);
  if (!manifest.config || !Array.isArray(manifest.layers)) throw new ReproError(`${what} lacks config or layers`, src.label);
  const configDesc = checkDescriptor(manifest.config, `${what} config`, src.label);
  const configBytes = await readBlob(src, configDesc, 'config');
  const configWhat = `config ${configDesc.digest}`;
  const config = checkConfig(parseObject<ImageConfig>(configBytes, configWhat, src.label), configWhat, src.label, image.warnings);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers: LayerRef[] = [];
  for (const [i, raw] of manifest.layers.entries()) {
    const desc = checkDescriptor(raw, `${what} layer ${i}`, src.label);
    if (!isLayer(desc.mediaType)) {
      image.warnings.push(`layer ${i} (${desc.digest}) has unknown media type "${shown(desc.mediaType)}": read by its magic bytes`);
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
