// What the readers produce and the writer consumes: an image as layers of entries plus its JSON documents.
import type { Readable } from 'node:stream';
import type { Entry } from './entry.js';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Which form the input had, detected from content. */
export type InputKind = 'oci-dir' | 'oci-archive' | 'docker-archive' | 'rootfs-tar' | 'directory' | 'reference';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
}

export interface LayerRef {
  index: number;
  mediaType: string;
  compression: Compression;
  /** Digest of the blob as stored (compressed), "sha256:..."; for inputs that have none (rootfs tarball,
   * directory) it is undefined until readLayer has streamed the layer once, which fills it. */
  digest: string | undefined;
  /** Digest of the uncompressed tar (config rootfs.diff_ids), when known before reading. */
  diffId: string | undefined;
  /** Stored (compressed) size in bytes, when known. */
  size: number | undefined;
  /** Human name of where the layer comes from ("blobs/sha256/ab12..", "rootfs.tar.gz"). */
  source: string;
  /** Opens the stored blob (compressed bytes as stored); absent for directory inputs. */
  open?: () => Readable;
  /** For directory inputs: the tree to walk instead of a blob. */
  rootDir?: string;
}

/** An OCI image config, kept as parsed JSON; the raw bytes stay in `Image.configBytes`. */
export interface ImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  config?: Record<string, unknown>;
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean; author?: string }[];
  [key: string]: unknown;
}

export interface Image {
  /** The path or image reference given by the user. */
  input: string;
  kind: InputKind;
  /** The top-level index (OCI) or docker manifest.json bytes, when there is one. */
  indexBytes?: Buffer;
  manifestDigest?: string;
  manifestBytes?: Buffer;
  configDigest?: string;
  configBytes?: Buffer;
  config?: ImageConfig;
  layers: LayerRef[];
  /** Quirks met while reading that are not errors (missing end-of-archive, unknown media types...). */
  warnings: string[];
}

/** An entry as it streams out of a layer: `body` must be consumed or left alone before the next one. */
export interface LayerItem {
  entry: Entry;
  body: Readable;
  /** The whole body, when the reader already holds it (small members): read it here and `body` is never
   * made (a stream per member is most of the cost of a layer of small files). */
  data?: Buffer;
}
