// OCI image-spec and Docker distribution media types (image-spec media-types.md, docker manifest v2 s2).
import type { Compression } from '../core/image.js';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';

export function isIndex(mt: string | undefined): boolean {
  return mt === OCI_INDEX || mt === DOCKER_LIST;
}

export function isManifest(mt: string | undefined): boolean {
  return mt === OCI_MANIFEST || mt === DOCKER_MANIFEST;
}

/** Compression announced by a layer media type; the reader still trusts the magic bytes over this. */
export function layerCompression(mt: string): Compression | undefined {
  if (mt.endsWith('+gzip') || mt.endsWith('.tar.gzip')) return 'gzip';
  if (mt.endsWith('+zstd')) return 'zstd';
  if (mt.endsWith('.tar') || mt === DOCKER_LAYER) return 'none';
  return undefined;
}

export function isLayer(mt: string): boolean {
  return layerCompression(mt) !== undefined && (mt.includes('.layer.') || mt.includes('rootfs.diff'));
}

/** Read size for layer blobs: 1 MiB chunks cut the per-chunk cost of the stream stages (hashes, inflate). */
export const BLOB_CHUNK = 1 << 20;
