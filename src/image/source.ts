// Where an image's files live: a directory (OCI layout, extracted docker save) or an outer tar archive.
// Readers ask for files by path inside the image; member names are never used as host paths.
import { BLOB_CHUNK } from './media-types.js';
import { createReadStream } from 'node:fs';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { escapesRoot, normalizePath } from '../core/entry.js';
import { ReproError } from '../core/errors.js';
import type { Descriptor, ImageConfig } from '../core/image.js';
import { indexTar, memberStream, resolveMember, type TarIndex } from './tar-index.js';
import { printable } from '../core/printable.js';

/** Small JSON documents only: anything larger is not an index, manifest or config. */
const MAX_DOC_BYTES = 16 << 20;

export interface ImageSource {
  /** What to name in errors. */
  label: string;
  has(path: string): Promise<boolean>;
  readDoc(path: string): Promise<Buffer>;
  open(path: string): Readable;
  size(path: string): Promise<number | undefined>;
  warnings: string[];
}

export class DirSource implements ImageSource {
  warnings: string[] = [];
  /** `label` names the input in errors when `root` is a copy in the temp area (a fetched reference). */
  constructor(readonly root: string, private readonly name = root) {}
  get label(): string {
    return this.name;
  }
  /** Resolve inside the root; a path with ".." or a symlink leading out is refused. */
  private async safe(path: string): Promise<string> {
    const norm = normalizePath(path);
    if (escapesRoot(norm)) throw new ReproError(`refusing path that leaves the image: ${shown(path)}`, this.root);
    const full = join(this.root, norm);
    const real = await realpath(full).catch(() => full);
    const rootReal = await realpath(this.root);
    const rel = relative(rootReal, real);
    if (rel.startsWith('..') || rel.startsWith(sep)) throw new ReproError(`${shown(path)} points outside the image`, this.root);
    return real;
  }
  async has(path: string): Promise<boolean> {
    try {
      return (await lstat(await this.safe(path))).isFile();
    } catch {
      return false;
    }
  }
  async size(path: string): Promise<number | undefined> {
    try {
      return (await lstat(await this.safe(path))).size;
    } catch {
      return undefined;
    }
  }
  async readDoc(path: string): Promise<Buffer> {
    const full = await this.safe(path);
    const st = await lstat(full).catch(() => undefined);
    if (!st?.isFile()) throw new ReproError(`missing ${shown(path)}`, this.root);
    if (st.size > MAX_DOC_BYTES) throw new ReproError(`${shown(path)} is ${st.size} bytes: too large for an image document`, this.root);
    return readFile(full);
  }
  open(path: string): Readable {
    // callers check has() first; realpath checks were done there
    return createReadStream(join(this.root, normalizePath(path)), { highWaterMark: BLOB_CHUNK });
  }
}

export class TarSource implements ImageSource {
  private constructor(readonly index: TarIndex, private readonly name: string) {}
  /** `label` names the input in errors when `path` is a decompressed copy in the temp area; `index`, when
   * the whole archive was already indexed, spares a second pass over its headers. */
  static async open(path: string, label = path, index?: TarIndex): Promise<TarSource> {
    return new TarSource(index ?? (await indexTar(path)), label);
  }
  get label(): string {
    return this.name;
  }
  get warnings(): string[] {
    return this.index.warnings;
  }
  async has(path: string): Promise<boolean> {
    return resolveMember(this.index, path) !== undefined;
  }
  async size(path: string): Promise<number | undefined> {
    return resolveMember(this.index, path)?.size;
  }
  async readDoc(path: string): Promise<Buffer> {
    const m = resolveMember(this.index, path);
    if (!m) throw new ReproError(`missing ${shown(path)}`, this.label);
    if (m.size > MAX_DOC_BYTES) throw new ReproError(`${shown(path)} is ${m.size} bytes: too large for an image document`, this.label);
    const chunks: Buffer[] = [];
    for await (const c of memberStream(this.index, m)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  open(path: string): Readable {
    const m = resolveMember(this.index, path);
    if (!m) throw new ReproError(`missing ${shown(path)}`, this.label);
    return memberStream(this.index, m);
  }
}

export function parseJson<T>(bytes: Buffer, what: string, where: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new ReproError(`${what} is not valid JSON (${(err as Error).message})`, where);
  }
}

/** A name taken from the input, fit for a one-line message: control characters escaped, length bounded. */
export function shown(name: string): string {
  const cut = name.length > 200 ? name.slice(0, 200) + '...' : name;
  return printable(cut);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON document that must be an object (index, manifest, config): anything else is a clear error. */
export function parseObject<T>(bytes: Buffer, what: string, where: string): T {
  const doc = parseJson<unknown>(bytes, what, where);
  if (!isObject(doc)) throw new ReproError(`${what} is not a JSON object`, where);
  return doc as T;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{1,1024}$/;

/** Check the fields of a descriptor (image-spec descriptor.md) that the reader relies on. */
export function checkDescriptor(d: unknown, what: string, where: string): Descriptor {
  if (!isObject(d)) throw new ReproError(`${what} is not a descriptor object`, where);
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw new ReproError(`${what} has no valid digest`, where);
  if (d.mediaType !== undefined && typeof d.mediaType !== 'string') throw new ReproError(`${what} has a non-string mediaType`, where);
  if (d.size !== undefined && !(Number.isSafeInteger(d.size) && (d.size as number) >= 0)) {
    throw new ReproError(`${what} has an invalid size`, where);
  }
  return { ...(d as unknown as Descriptor), mediaType: (d.mediaType as string | undefined) ?? '' };
}

/** Config fields the reader and inspect use: diff_ids must be digests, history a list of objects. */
export function checkConfig(config: ImageConfig, what: string, where: string, warnings: string[]): ImageConfig {
  const rootfs = config.rootfs as unknown;
  if (rootfs !== undefined) {
    const ids = isObject(rootfs) ? rootfs.diff_ids : undefined;
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string' && DIGEST.test(x))) {
      throw new ReproError(`${what}: rootfs.diff_ids is not a list of digests`, where);
    }
  }
  const history = config.history as unknown;
  if (history !== undefined && !(Array.isArray(history) && history.every(isObject))) {
    warnings.push(`${what}: history is not a list of objects (ignored)`);
    config.history = [];
  }
  for (const key of ['created', 'architecture', 'os'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'string') {
      warnings.push(`${what}: ${key} is not a string (ignored)`);
      delete config[key];
    }
  }
  return config;
}
