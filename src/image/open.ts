// openImage: recognise the input's form from its content (never its file name) and read its documents.
import { BLOB_CHUNK } from './media-types.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { open as openFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { tempDir } from '../core/temp.js';
import { ReproError } from '../core/errors.js';
import type { Compression, Image } from '../core/image.js';
import { decompressor, detectCompression } from './decompress.js';
import { maxLayerBytes } from './layer-reader.js';
import { looksLikeDockerManifest, readDockerArchive } from './docker.js';
import { layoutPlatforms, readOciLayout } from './oci.js';
import { fetchReference, keepsDigests, parseReference, type FetchOptions } from './reference.js';
import { DirSource, TarSource, type ImageSource } from './source.js';
import { OCI_LAYER } from './media-types.js';
import { checksumOk, indexTar, isTarHeader } from './tar-index.js';

export interface OpenOptions {
  /** os/arch[/variant] for multi-platform indexes. */
  platform?: string;
  /** How to reach registries, for image references (docker://, oci:DIR:TAG, ...). */
  fetch?: FetchOptions;
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function fromSource(src: ImageSource, input: string, archive: boolean, opts: OpenOptions): Promise<Image | undefined> {
  const isOci = (await src.has('oci-layout')) && (await src.has('index.json'));
  const isDocker = await looksLikeDockerManifest(src);
  const kind = isDocker ? 'docker-archive' : archive ? 'oci-archive' : 'oci-dir';
  const base = { input, kind, warnings: [] } as const;
  // Newer docker save writes an OCI layout plus manifest.json: the OCI index is the richer description.
  if (isOci) return readOciLayout(src, { ...base, warnings: [] }, opts.platform);
  if (isDocker) return readDockerArchive(src, { ...base, warnings: [] });
  return undefined;
}

/** One layer made of the whole file: a root filesystem tarball (.tar, .tar.gz, .tar.zst). */
function rootfsTar(path: string, size: number, compression: Compression, warnings: string[]): Image {
  return {
    input: path,
    kind: 'rootfs-tar',
    layers: [
      {
        index: 0,
        mediaType: compression === 'none' ? OCI_LAYER : `${OCI_LAYER}+${compression}`,
        compression,
        digest: undefined,
        diffId: undefined,
        size,
        source: basename(path),
        open: () => createReadStream(path, { highWaterMark: BLOB_CHUNK }),
      },
    ],
    warnings,
  };
}

/** The first 512 bytes after decompression (or fewer when the stream is shorter or corrupt). */
async function firstBlock(path: string, compression: Compression): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  const input = createReadStream(path, { end: 1 << 20 });
  const inflate = decompressor(compression);
  if (!inflate) return Buffer.alloc(0);
  input.on('error', () => undefined); // reported by the layer reader later, with context
  inflate.on('error', () => undefined);
  try {
    for await (const c of input.pipe(inflate)) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= 512) break;
    }
  } catch {
    // corrupt or cut short: not an image archive; the layer reader reports the problem
  } finally {
    input.destroy();
    inflate.destroy();
  }
  return Buffer.concat(chunks).subarray(0, 512);
}

/** Member names of OCI and docker archives (oci-layout, blobs/, <64 hex>/layer.tar, manifest.json); a root
 * filesystem holds ./, etc/, bin/ and the like, not these. */
function isImageMemberName(name: string): boolean {
  return /^(oci-layout|index\.json|manifest\.json|repositories|blobs(\/.*)?|[0-9a-f]{64}(\/.*|\.tar|\.json))$/.test(name.replace(/^\.\//, ''));
}

function looksLikeImageMember(head: Buffer): boolean {
  if (head.length < 512 || !checksumOk(head)) return false;
  return isImageMemberName(head.toString('utf8', 0, 100).replace(/\0.*$/s, ''));
}

/** Members looked at before an uncompressed tar is taken for a root filesystem: image archives name their
 * layout (blobs/, oci-layout, <hex>/) at once, and indexing every header of a 200 MB rootfs costs 0.4 s. */
const SNIFF_MEMBERS = 32;

/** Decompress the whole outer archive into the temp area (random access needs a plain file), under the
 * same byte limit as a layer; the file is named for what it is, never after a member. */
async function decompressToTemp(path: string, compression: Compression): Promise<string> {
  const out = join(await tempDir('outer-'), 'image.tar');
  const limit = maxLayerBytes();
  let bytes = 0;
  const inflate = decompressor(compression) as Transform;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(bytes > limit ? new Error(`decompressed archive exceeds the limit of ${limit} bytes`) : null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path), inflate, guard, createWriteStream(out, { mode: 0o600 }));
  } catch (err) {
    throw new ReproError(`cannot decompress: ${(err as Error).message}`, path);
  }
  return out;
}

/** An image reference: skopeo's copy in the temp area, read as the OCI layout it is, named by the reference. */
async function openReference(input: string, ref: NonNullable<ReturnType<typeof parseReference>>, opts: OpenOptions): Promise<Image> {
  const dir = await fetchReference(ref, opts.fetch, opts.platform);
  const image = await readOciLayout(new DirSource(dir, input), { input, kind: 'reference', warnings: [] }, opts.platform);
  // the index.json around the copy is the reader's own (reference.ts), not a document of the image
  delete image.indexBytes;
  if (!keepsDigests(ref)) image.warnings.push(`${ref.transport} keeps layers in its own form: layer digests are those of its copy, not of a registry`);
  return image;
}

/**
 * The platforms ("os/arch[/variant]") of a multi-platform input, in index order; [] for an input that is
 * one image (a single manifest, a docker save archive, a tarball, a directory).
 */
export async function imagePlatforms(path: string, opts: OpenOptions = {}): Promise<string[]> {
  const ref = parseReference(path);
  let src: ImageSource;
  if (ref) src = new DirSource(await fetchReference(ref, opts.fetch, opts.platform), path);
  else if ((await stat(path)).isDirectory()) src = new DirSource(path);
  else {
    const head = await readHead(path, 512);
    if (detectCompression(head) !== 'none' || !isTarHeader(head)) return [];
    src = await TarSource.open(path, path);
  }
  if (!(await src.has('oci-layout')) || !(await src.has('index.json'))) return [];
  return layoutPlatforms(src);
}

export async function openImage(path: string, opts: OpenOptions = {}): Promise<Image> {
  const ref = parseReference(path);
  if (ref) return openReference(path, ref, opts);
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(err.code === 'ENOENT' ? 'no such file or directory' : `cannot read (${err.code})`, path);
  });
  if (st.isDirectory()) {
    const image = await fromSource(new DirSource(path), path, false, opts);
    if (image) return image;
    return {
      input: path,
      kind: 'directory',
      layers: [{ index: 0, mediaType: OCI_LAYER, compression: 'none', digest: undefined, diffId: undefined, size: undefined, source: path, rootDir: path }],
      warnings: [],
    };
  }
  if (!st.isFile()) throw new ReproError('not a file or directory', path);
  const head = await readHead(path, 512);
  const compression = detectCompression(head);
  if (compression === 'none') {
    // ustar/GNU magic, an empty archive (zero block), or a pre-POSIX v7 header with a valid checksum
    if (!isTarHeader(head) && !(head.length >= 512 && (head.every((b) => b === 0) || checksumOk(head)))) {
      throw new ReproError('not an image, tar archive or directory (unrecognised content)', path);
    }
    const first = await indexTar(path, SNIFF_MEMBERS);
    if (first.partial && ![...first.members.values()].some((m) => isImageMemberName(m.name))) return rootfsTar(path, st.size, 'none', []);
    const src = await TarSource.open(path, path, first.partial ? undefined : first);
    const image = await fromSource(src, path, true, opts);
    if (image) return image;
    return rootfsTar(path, st.size, 'none', [...src.warnings]);
  }
  if (compression === 'xz' || compression === 'bzip2') throw new ReproError(`${compression}-compressed tarballs are not supported`, path);
  // `docker save img | gzip > img.tar.gz`: an image archive, not a root filesystem
  if (looksLikeImageMember(await firstBlock(path, compression))) {
    const plain = await decompressToTemp(path, compression);
    const image = await fromSource(await TarSource.open(plain, path), path, true, opts);
    if (image) {
      image.warnings.push(`${compression}-compressed image archive: decompressed into the temp area to read it`);
      return image;
    }
  }
  return rootfsTar(path, st.size, compression, []);
}

