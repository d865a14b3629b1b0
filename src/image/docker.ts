// `docker save` legacy form: manifest.json = [{Config, RepoTags, Layers: ["<id>/layer.tar", ...]}], layers
// uncompressed (often `<id>/layer.tar` is a symlink to `../<diffid>.tar` inside the archive).
import { ReproError } from '../core/errors.js';
import type { Image, ImageConfig, LayerRef } from '../core/image.js';
import { sha256 } from '../core/digest.js';
import { DOCKER_LAYER } from './media-types.js';
import { checkConfig, parseJson, parseObject, shown, type ImageSource } from './source.js';

interface DockerManifestItem {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

export async function looksLikeDockerManifest(src: ImageSource): Promise<boolean> {
  if (!(await src.has('manifest.json'))) return false;
  try {
    const doc = JSON.parse((await src.readDoc('manifest.json')).toString('utf8')) as unknown;
    return Array.isArray(doc) && doc.length > 0 && typeof (doc[0] as DockerManifestItem).Config === 'string';
  } catch {
    return false;
  }
}

export async function readDockerArchive(src: ImageSource, image: Pick<Image, 'input' | 'kind' | 'warnings'>): Promise<Image> {
  const indexBytes = await src.readDoc('manifest.json');
  const items = parseJson<DockerManifestItem[]>(indexBytes, 'manifest.json', src.label);
  if (!Array.isArray(items) || items.length === 0) throw new ReproError('manifest.json lists no image', src.label);
  if (items.length > 1) image.warnings.push(`manifest.json lists ${items.length} images: reading the first`);
  const item = items[0] as DockerManifestItem;
  if (typeof item !== 'object' || item === null || typeof item.Config !== 'string' || !Array.isArray(item.Layers)) {
    throw new ReproError('manifest.json entry lacks Config or Layers', src.label);
  }
  if (!item.Layers.every((l) => typeof l === 'string')) throw new ReproError('manifest.json Layers is not a list of paths', src.label);
  if (!(await src.has(item.Config))) throw new ReproError(`config ${shown(item.Config)} named by manifest.json is missing`, src.label);
  const configBytes = await src.readDoc(item.Config);
  // docker names the config (and, in the OCI form, every blob) after its sha256: check it like a blob
  const named = /(?:^|\/)([0-9a-f]{64})(?:\.json)?$/.exec(item.Config)?.[1];
  if (named && sha256(configBytes) !== `sha256:${named}`) {
    throw new ReproError(`config ${shown(item.Config)} does not match its digest (got ${sha256(configBytes)})`, src.label);
  }
  const configName = shown(item.Config);
  const config = checkConfig(parseObject<ImageConfig>(configBytes, configName, src.label), configName, src.label, image.warnings);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers: LayerRef[] = [];
  for (const path of item.Layers) {
    if (!(await src.has(path))) throw new ReproError(`layer ${shown(path)} is missing`, src.label);
    const diffId = diffIds[layers.length];
    layers.push({
      index: layers.length,
      mediaType: DOCKER_LAYER,
      compression: 'none',
      // docker save stores layers uncompressed: the blob digest is the diff_id; readLayer checks it
      digest: diffId,
      diffId,
      size: await src.size(path),
      source: path,
      open: () => src.open(path),
    });
  }
  return {
    ...image,
    indexBytes,
    configDigest: sha256(configBytes),
    configBytes,
    config,
    layers,
    warnings: [...image.warnings, ...src.warnings],
  };
}
