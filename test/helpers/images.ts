// Test images built in code: layer tars (tar-stream), OCI layout directories, oci-archives, docker-archives
// and plain rootfs tars. Members are written in the order given, so ordering cases can be built on purpose;
// whiteouts are plain members named `.wh.<name>` / `.wh..wh..opq`, exactly as a real layer stores them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';

export interface TestMember {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block';
  content?: string | Buffer;
  devmajor?: number;
  devminor?: number;
  mode?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  pax?: Record<string, string>;
}

export interface TestImageSpec {
  layers: TestMember[][];
  /** Merged over the default config (created, os, architecture, config.Env, history). */
  config?: Record<string, unknown>;
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  compression?: 'gzip' | 'none';
  /** zlib level for gzip layers (default 6); the benchmark uses 1 to build large images fast. */
  gzipLevel?: number;
}

export interface BuiltImage {
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

const TAR_TYPE = { file: 'file', dir: 'directory', symlink: 'symlink', hardlink: 'link', char: 'character-device', block: 'block-device' } as const;

function digestOf(data: Buffer): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** One uncompressed layer tar holding `members` in the given order. */
export async function layerTar(members: TestMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const m of members) {
    const type = m.type ?? 'file';
    const body = type === 'file' ? Buffer.from(m.content ?? '') : Buffer.alloc(0);
    const header = {
      name: m.path,
      type: TAR_TYPE[type],
      mode: m.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      mtime: new Date((m.mtime ?? 1_700_000_000) * 1000),
      uid: m.uid ?? 0,
      gid: m.gid ?? 0,
      uname: m.uname ?? '',
      gname: m.gname ?? '',
      ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
      ...(m.devmajor !== undefined ? { devmajor: m.devmajor, devminor: m.devminor ?? 0 } : {}),
      size: body.length,
      ...(m.pax ? { pax: m.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface Blobs {
  config: Buffer;
  manifest: Buffer;
  layers: { blob: Buffer; tar: Buffer }[];
  built: BuiltImage;
}

async function buildBlobs(spec: TestImageSpec): Promise<Blobs> {
  const gzip = (spec.compression ?? 'gzip') === 'gzip';
  const layers = [];
  for (const members of spec.layers) {
    const t = await layerTar(members);
    // gzip header mtime is 0 in zlib's output, so equal tars give equal blobs
    layers.push({ tar: t, blob: gzip ? gzipSync(t, { level: spec.gzipLevel ?? 6 }) : t });
  }
  const diffIds = layers.map((l) => digestOf(l.tar));
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin:/bin'] },
      history: spec.layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
      ...spec.config,
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const layerType = gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: layerType, digest: digestOf(l.blob), size: l.blob.length })),
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    }),
  );
  return {
    config,
    manifest,
    layers,
    built: {
      manifestDigest: digestOf(manifest),
      configDigest: digestOf(config),
      layerDigests: layers.map((l) => digestOf(l.blob)),
      diffIds,
    },
  };
}

function ociFiles(b: Blobs): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: b.built.manifestDigest, size: b.manifest.length },
    ],
  };
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', Buffer.from(JSON.stringify(index)));
  const blob = (d: string): string => `blobs/sha256/${d.slice('sha256:'.length)}`;
  files.set(blob(b.built.manifestDigest), b.manifest);
  files.set(blob(b.built.configDigest), b.config);
  b.layers.forEach((l, i) => files.set(blob(b.built.layerDigests[i] ?? ''), l.blob));
  return files;
}

/** An OCI image layout directory at `dir`. */
export async function makeOciImage(dir: string, spec: TestImageSpec): Promise<BuiltImage> {
  const b = await buildBlobs(spec);
  for (const [name, data] of ociFiles(b)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  return b.built;
}

/** An outer tar of plain files (no directories needed by the readers). */
async function writeOuterTar(file: string, files: Map<string, Buffer>): Promise<void> {
  await writeFile(
    file,
    await layerTar([...files].map(([path, content]) => ({ path, content, mtime: 0 }))),
  );
}

/** The same image as an oci-archive (a tar of the layout). */
export async function makeOciArchive(file: string, spec: TestImageSpec): Promise<BuiltImage> {
  const b = await buildBlobs(spec);
  await writeOuterTar(file, ociFiles(b));
  return b.built;
}

/** The same image in `docker save` legacy form: manifest.json, <config>.json, <n>/layer.tar (uncompressed). */
export async function makeDockerArchive(file: string, spec: TestImageSpec): Promise<BuiltImage> {
  const b = await buildBlobs({ ...spec, compression: 'none' });
  const files = new Map<string, Buffer>();
  const configName = `${b.built.configDigest.slice('sha256:'.length)}.json`;
  files.set(configName, b.config);
  const layerNames = b.layers.map((_, i) => `${String(i).padStart(4, '0')}${'a'.repeat(60)}/layer.tar`);
  b.layers.forEach((l, i) => files.set(layerNames[i] ?? '', l.tar));
  files.set('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['test:latest'], Layers: layerNames }])));
  await writeOuterTar(file, files);
  return b.built;
}

/** A plain root-filesystem tarball (optionally gzip-compressed). */
export async function makeRootfsTar(file: string, members: TestMember[], opts: { gzip?: boolean; gzipLevel?: number } = {}): Promise<void> {
  const t = await layerTar(members);
  await writeFile(file, opts.gzip ? gzipSync(t, { level: opts.gzipLevel ?? 6 }) : t);
}
