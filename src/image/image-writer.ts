// The deterministic image writer: config, manifest and index serialised with a fixed key order, and the
// archive forms written as canonical tars (sorted, mtime 0, numeric owner), so equal layers and equal
// configs always give the same manifest digest and the same archive bytes. Outputs are atomic.
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ImageConfig } from '../core/image.js';
import { HashingStream, sha256 } from '../core/digest.js';
import { openAtomic } from '../core/atomic.js';
import { onCleanup } from '../core/cleanup.js';
import { ReproError } from '../core/errors.js';
import type { WrittenLayer } from './layer-writer.js';
import { decompressor } from './decompress.js';
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from './media-types.js';

export type ImageFormat = 'oci' | 'oci-dir' | 'docker';

export interface ImageSpec {
  layers: WrittenLayer[];
  config: ImageConfig;
  annotations?: Record<string, string>;
}

/** image-spec config.md field order; unknown fields follow, sorted. Nested objects get sorted keys. */
const CONFIG_ORDER = ['created', 'author', 'architecture', 'os', 'os.version', 'os.features', 'variant', 'config', 'rootfs', 'history'];
const MANIFEST_ORDER = ['schemaVersion', 'mediaType', 'config', 'layers', 'annotations'];
const DESCRIPTOR_ORDER = ['mediaType', 'digest', 'size', 'platform', 'annotations'];

/** JSON with a fixed key order at every level: `order` first (top level), then sorted keys. Arrays keep order. */
export function canonicalJson(value: unknown, order: string[] = []): string {
  return JSON.stringify(sortKeys(value, order));
}

function sortKeys(value: unknown, order: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, DESCRIPTOR_ORDER));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  const rank = (k: string): number => (order.includes(k) ? order.indexOf(k) : order.length);
  keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortKeys(obj[k], k === 'config' || k === 'layers' ? DESCRIPTOR_ORDER : []);
  return out;
}

interface OciBlob {
  digest: string;
  size: number;
  /** In-memory JSON document, or a layer file on disk. */
  bytes?: Buffer;
  file?: string;
}

function configBytes(config: ImageConfig, layers: WrittenLayer[], uncompressedIds: string[] = layers.map((l) => l.diffId)): Buffer {
  const full: ImageConfig = { ...config, rootfs: { type: 'layers', diff_ids: uncompressedIds } };
  return Buffer.from(canonicalJson(full, CONFIG_ORDER));
}

function ociDocuments(spec: ImageSpec, refName: string): { blobs: OciBlob[]; index: Buffer; manifestDigest: string; configDigest: string } {
  const config = configBytes(spec.config, spec.layers);
  const configDigest = sha256(config);
  const manifest = Buffer.from(canonicalJson({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
    layers: spec.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    annotations: spec.annotations && Object.keys(spec.annotations).length > 0 ? spec.annotations : undefined,
  }, MANIFEST_ORDER));
  const manifestDigest = sha256(manifest);
  const index = Buffer.from(canonicalJson({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{
      mediaType: OCI_MANIFEST,
      digest: manifestDigest,
      size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': refName },
    }],
  }, ['schemaVersion', 'mediaType', 'manifests']));
  const blobs = new Map<string, OciBlob>();
  blobs.set(configDigest, { digest: configDigest, size: config.length, bytes: config });
  blobs.set(manifestDigest, { digest: manifestDigest, size: manifest.length, bytes: manifest });
  for (const l of spec.layers) blobs.set(l.digest, { digest: l.digest, size: l.size, file: l.path });
  const sorted = [...blobs.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  return { blobs: sorted, index, manifestDigest, configDigest };
}

const OCI_LAYOUT = Buffer.from('{"imageLayoutVersion":"1.0.0"}');
const hex = (digest: string): string => digest.slice(digest.indexOf(':') + 1);

/** One member of a canonical outer tar: data in memory, or a file streamed from disk. */
interface OuterMember { name: string; dir?: boolean; bytes?: Buffer; file?: string; size?: number; open?: () => Readable }

async function writeCanonicalTar(members: OuterMember[], out: string): Promise<void> {
  const sorted = [...members].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const target = openAtomic(out);
  const pack = tar.pack();
  const piped = pipeline(pack as unknown as Readable, target.stream);
  try {
    for (const m of sorted) {
      const base = { name: m.name, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
      if (m.dir) {
        pack.entry({ ...base, type: 'directory', mode: 0o40755 });
        continue;
      }
      const size = m.bytes?.length ?? m.size ?? 0;
      const header = { ...base, type: 'file' as const, mode: 0o100644, size };
      if (m.bytes) {
        pack.entry(header, m.bytes);
        continue;
      }
      const body = m.open ? m.open() : createReadStream(m.file ?? '');
      await pipeline(body, pack.entry(header) as unknown as Writable);
    }
    pack.finalize();
    await piped;
    await target.commit();
  } catch (err) {
    pack.destroy(err as Error);
    await piped.catch(() => undefined);
    await target.abort();
    throw err;
  }
}

async function writeOciArchive(spec: ImageSpec, out: string, refName: string): Promise<{ manifestDigest: string; configDigest: string }> {
  const docs = ociDocuments(spec, refName);
  const members: OuterMember[] = [
    { name: 'oci-layout', bytes: OCI_LAYOUT },
    { name: 'index.json', bytes: docs.index },
    { name: 'blobs/', dir: true },
    { name: 'blobs/sha256/', dir: true },
    ...docs.blobs.map((b) => ({ name: `blobs/sha256/${hex(b.digest)}`, bytes: b.bytes, file: b.file, size: b.size })),
  ];
  await writeCanonicalTar(members, out);
  return { manifestDigest: docs.manifestDigest, configDigest: docs.configDigest };
}

/** What an OCI layout directory holds (image-layout.md); anything else in it is someone's data. */
const LAYOUT_NAMES = new Set(['oci-layout', 'index.json', 'blobs']);

/**
 * An oci-dir output replaces what `out` holds: allowed for nothing, an empty directory or an OCI layout
 * (an earlier output), refused for anything else, before any work is done (`-o mywork` once deleted
 * mywork/notes.txt).
 */
export async function checkOutputDir(out: string): Promise<void> {
  const st = await lstat(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return;
  if (!st.isDirectory()) throw new ReproError('exists and is not a directory: refusing to replace it with an OCI layout', out);
  const names = await readdir(out);
  if (names.length === 0) return;
  const foreign = names.filter((n) => !LAYOUT_NAMES.has(n));
  if (!names.includes('oci-layout') || foreign.length > 0) {
    const what = foreign.length > 0 ? `holds ${foreign.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${foreign.length > 3 ? ', ...' : ''}` : 'has no oci-layout file';
    throw new ReproError(`is a non-empty directory that is not an OCI layout (${what}): refusing to replace it; choose another -o`, out);
  }
}

async function writeOciDir(spec: ImageSpec, out: string, refName: string): Promise<{ manifestDigest: string; configDigest: string }> {
  await checkOutputDir(out);
  const docs = ociDocuments(spec, refName);
  // Built beside the target and renamed into place, so a reader never sees half a layout.
  const tmp = join(dirname(out), `.${basename(out)}.repro-${randomBytes(4).toString('hex')}.tmp`);
  const forget = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(tmp, 'oci-layout'), OCI_LAYOUT);
    await writeFile(join(tmp, 'index.json'), docs.index);
    for (const b of docs.blobs) {
      const dest = join(tmp, 'blobs', 'sha256', hex(b.digest));
      if (b.bytes) await writeFile(dest, b.bytes);
      else await copyFile(b.file ?? '', dest);
    }
    await replaceDir(tmp, out);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    forget();
  }
  return { manifestDigest: docs.manifestDigest, configDigest: docs.configDigest };
}

/** rename() cannot replace a non-empty directory: move the old one aside first, drop it after. */
async function replaceDir(from: string, to: string): Promise<void> {
  const old = `${from}.old`;
  let moved = false;
  try {
    await rename(to, old);
    moved = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await rename(from, to);
  if (moved) await rm(old, { recursive: true, force: true });
}

/** The uncompressed tar's size: known from writeLayer, else measured (and the diff_id checked) by inflating once. */
async function plainLayerSize(layer: WrittenLayer): Promise<number> {
  if (layer.tarSize !== undefined) return layer.tarSize;
  const inflate = decompressor(layer.compression);
  if (!inflate) return layer.size;
  const h = new HashingStream();
  h.resume();
  await pipeline(createReadStream(layer.path), inflate, h);
  if (h.digest() !== layer.diffId) throw new ReproError(`layer ${layer.digest} does not decompress to its diff_id`, layer.path);
  return h.bytes;
}

function openPlain(layer: WrittenLayer): Readable {
  const inflate = decompressor(layer.compression);
  const raw = createReadStream(layer.path);
  if (!inflate) return raw;
  raw.once('error', (err) => inflate.destroy(err));
  return raw.pipe(inflate);
}

/** docker save's legacy form (what skopeo's docker-archive writes): manifest.json, <config>.json, <diff_id>.tar. */
async function writeDockerArchive(spec: ImageSpec, out: string, refName: string | undefined): Promise<{ manifestDigest: string; configDigest: string }> {
  const config = configBytes(spec.config, spec.layers);
  const configDigest = sha256(config);
  const layers: OuterMember[] = [];
  const descriptors: { digest: string; size: number }[] = [];
  const seen = new Set<string>();
  for (const l of spec.layers) {
    const size = await plainLayerSize(l);
    descriptors.push({ digest: l.diffId, size });
    if (seen.has(l.diffId)) continue;
    seen.add(l.diffId);
    layers.push({ name: `${hex(l.diffId)}.tar`, size, open: () => openPlain(l) });
  }
  const repoTags = refName ? [refName.includes(':') ? refName : `localhost/repro:${refName}`] : [];
  const manifest = Buffer.from(JSON.stringify([
    { Config: `${hex(configDigest)}.json`, RepoTags: repoTags, Layers: spec.layers.map((l) => `${hex(l.diffId)}.tar`) },
  ]));
  await writeCanonicalTar([
    { name: 'manifest.json', bytes: manifest },
    { name: `${hex(configDigest)}.json`, bytes: config },
    ...layers,
  ], out);
  // The digest of the schema-2 manifest skopeo derives from this archive (`skopeo inspect` shows the same):
  // its field order (mediaType, size, digest) and its layer media type, which says .gzip for plain tars.
  const v2s2 = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: descriptors.map((d) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: d.size, digest: d.digest })),
  }));
  return { manifestDigest: sha256(v2s2), configDigest };
}

export async function writeImage(
  spec: ImageSpec,
  out: string,
  format: ImageFormat,
  opts: { refName?: string } = {},
): Promise<{ manifestDigest: string; configDigest: string }> {
  if (format === 'oci') return writeOciArchive(spec, out, opts.refName ?? 'latest');
  if (format === 'oci-dir') return writeOciDir(spec, out, opts.refName ?? 'latest');
  if (format === 'docker') return writeDockerArchive(spec, out, opts.refName);
  throw new ReproError(`unknown image format "${String(format)}" (oci, oci-dir, docker)`, '--format');
}
