// Image references (`docker://host/repo:tag`, `oci:DIR:TAG`, `containers-storage:…`, `docker-daemon:…`):
// skopeo copies the image into the private temp area, unchanged, and the ordinary reader reads the copy.
//
// The copy goes to skopeo's `dir:` transport with --preserve-digests: that transport stores the manifest
// (or manifest list) and every blob exactly as the source serves them, whatever their media types, where
// `oci:` would have to convert a Docker v2s2 manifest (new digest) and --preserve-digests then refuses it.
// The directory is then given the two files of an OCI image layout (oci-layout, index.json naming the
// top manifest by its own digest) and its blobs moved under blobs/ALG/, which the OCI reader takes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ReproError } from '../core/errors.js';
import { findCommand } from '../core/find-command.js';
import { runLogged } from '../core/process.js';
import { tempDir } from '../core/temp.js';
import type { Descriptor } from '../core/image.js';
import { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from './media-types.js';

/** skopeo transports repro fetches through (skopeo(1), IMAGE NAMES). */
export const TRANSPORTS = ['docker', 'oci', 'oci-archive', 'docker-archive', 'containers-storage', 'docker-daemon', 'dir'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface ImageReference {
  /** As the user wrote it, which is also what skopeo is given. */
  text: string;
  transport: Transport;
}

/** How to reach a registry: passed to skopeo as its --src-* options. */
export interface FetchOptions {
  /** USERNAME[:PASSWORD] */
  creds?: string;
  /** containers-auth.json(5) file, as written by `skopeo login` / `podman login`. */
  authfile?: string;
  /** false: plain HTTP or a certificate that is not verified (a local or test registry). */
  tlsVerify?: boolean;
  /** Directory of *.crt, *.cert, *.key for the registry. */
  certDir?: string;
  /** Copy every platform of a manifest list (diff --all-platforms); otherwise only the one wanted. */
  allPlatforms?: boolean;
}

const TRANSPORT_LIST = TRANSPORTS.map((t) => (t === 'docker' ? 'docker://' : `${t}:`)).join(', ');

/**
 * The reference `input` names, or undefined for a path. A known transport prefix always makes a reference
 * (a file really named "oci:x" is `./oci:x`); `scheme://…`, or `word:…` that names no file, is an unknown
 * transport: an error, rather than "no such file".
 */
export function parseReference(input: string): ImageReference | undefined {
  const m = /^([a-z][a-z0-9+.-]*):(\/\/)?/.exec(input);
  if (!m) return undefined;
  const name = m[1] as string;
  if ((TRANSPORTS as readonly string[]).includes(name)) {
    if (name === 'docker' && !m[2]) throw new ReproError('a registry reference is docker://HOST/REPOSITORY[:TAG|@DIGEST]', input);
    if (input.length === m[0].length) throw new ReproError(`the ${name} reference names no image`, input);
    return { text: input, transport: name as Transport };
  }
  if (!m[2] && existsSync(input)) return undefined;
  throw new ReproError(`unknown image reference transport "${name}:" (known: ${TRANSPORT_LIST})${m[2] ? '' : `; a file path with a colon: ./${input}`}`, input);
}

/** [os, arch, variant] of "os/arch[/variant]". */
function platformParts(platform: string): string[] {
  return platform.split('/');
}

/**
 * Local stores that keep layers unpacked or uncompressed (podman/buildah storage, the Docker daemon) cannot
 * give back the blobs a registry served: skopeo refuses --preserve-digests for them, and their copy's layer
 * digests are those of the stored form.
 */
export function keepsDigests(ref: ImageReference): boolean {
  return ref.transport !== 'containers-storage' && ref.transport !== 'docker-daemon';
}

/** The skopeo command line that copies `ref` into `dest` (a dir: transport directory). */
export function skopeoArgs(ref: ImageReference, dest: string, opts: FetchOptions, platform: string | undefined): string[] {
  const global: string[] = [];
  if (!opts.allPlatforms && platform) {
    const [os, arch, variant] = platformParts(platform);
    if (os) global.push(`--override-os=${os}`);
    if (arch) global.push(`--override-arch=${arch}`);
    if (variant) global.push(`--override-variant=${variant}`);
  }
  const copy = ['copy', '--quiet', ...(keepsDigests(ref) ? ['--preserve-digests'] : []), opts.allPlatforms ? '--multi-arch=all' : '--multi-arch=system'];
  if (opts.creds !== undefined) copy.push(`--src-creds=${opts.creds}`);
  if (opts.authfile !== undefined) copy.push(`--src-authfile=${opts.authfile}`);
  if (opts.tlsVerify === false) copy.push('--src-tls-verify=false');
  if (opts.certDir !== undefined) copy.push(`--src-cert-dir=${opts.certDir}`);
  return [...global, ...copy, ref.text, `dir:${dest}`];
}

/** A Go-quoted log value, on one line ("1 error occurred:\n\t* reading …" → "1 error occurred: * reading …"). */
function unquote(quoted: string): string {
  let text: string;
  try {
    text = JSON.parse(`"${quoted}"`) as string;
  } catch {
    text = quoted.replace(/\\(.)/g, '$1');
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** skopeo's fatal line (`level=fatal msg="…"`) as one sentence, with a hint for the common TLS case. */
export function skopeoMessage(tail: string[], ref: ImageReference): string {
  const fatal = [...tail].reverse().find((l) => l.includes('level=fatal')) ?? tail.filter((l) => l.trim()).pop() ?? '';
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(fatal);
  let msg = m ? unquote(m[1] as string) : fatal.trim();
  // skopeo repeats the reference the error line already starts with
  for (const prefix of [`initializing source ${ref.text}: `, `Error parsing image name "${ref.text}": `]) {
    if (msg.startsWith(prefix)) msg = msg.slice(prefix.length);
  }
  if (/server gave HTTP response to HTTPS client/.test(msg)) msg += ' (a plain-HTTP registry: add --tls-verify=false)';
  return msg || 'skopeo failed without a message';
}

const MANIFEST_FILE = /^([0-9a-f]{64}|[0-9a-f]{128})\.manifest\.json$/;
const BLOB_FILE = /^([0-9a-f]{64}|[0-9a-f]{128})$/;

/** sha256 names are 64 hex digits, sha512 ones 128: the dir: transport keeps only the encoded part. */
function algorithmOf(hex: string): string {
  return hex.length === 64 ? 'sha256' : 'sha512';
}

interface TopDoc {
  mediaType?: unknown;
  schemaVersion?: unknown;
  manifests?: unknown;
  config?: { digest?: unknown };
}

/** The media type of the top manifest; OCI documents may omit it (image-spec: then by their shape). */
function topMediaType(doc: TopDoc, where: string): string {
  if (doc.schemaVersion === 1) throw new ReproError('Docker schema 1 manifests are not supported (deprecated since 2017)', where);
  if (typeof doc.mediaType === 'string' && [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].includes(doc.mediaType)) return doc.mediaType;
  if (doc.mediaType !== undefined) throw new ReproError(`the fetched manifest has the unknown media type ${JSON.stringify(doc.mediaType).slice(0, 100)}`, where);
  return Array.isArray(doc.manifests) ? OCI_INDEX : OCI_MANIFEST;
}

/**
 * A single image's platform, from its config (as a list entry would state it), so that --platform is
 * checked against it as against any index entry: skopeo applies its platform choice to lists only.
 */
async function configPlatform(dir: string, doc: TopDoc): Promise<Descriptor['platform'] | undefined> {
  const digest = typeof doc.config?.digest === 'string' ? /^sha(?:256|512):([0-9a-f]+)$/.exec(doc.config.digest)?.[1] : undefined;
  if (!digest) return undefined;
  try {
    const cfg = JSON.parse(await readFile(join(dir, 'blobs', algorithmOf(digest), digest), 'utf8')) as Record<string, unknown>;
    if (typeof cfg.os !== 'string' || typeof cfg.architecture !== 'string') return undefined;
    return { os: cfg.os, architecture: cfg.architecture, ...(typeof cfg.variant === 'string' ? { variant: cfg.variant } : {}) };
  } catch {
    return undefined; // the reader verifies and parses the config itself, and says what is wrong with it
  }
}

/** Turn skopeo's dir: copy into an OCI image layout in place; blobs keep their bytes and names. */
async function dirToLayout(dir: string, where: string): Promise<void> {
  const manifest = await readFile(join(dir, 'manifest.json'));
  const digest = createHash('sha256').update(manifest).digest('hex');
  let doc: TopDoc;
  try {
    doc = JSON.parse(manifest.toString('utf8')) as TopDoc;
  } catch {
    throw new ReproError('the fetched manifest is not JSON', where);
  }
  const mediaType = topMediaType(doc, where);
  for (const alg of ['sha256', 'sha512']) await mkdir(join(dir, 'blobs', alg), { recursive: true });
  for (const name of await readdir(dir)) {
    const hex = MANIFEST_FILE.exec(name)?.[1] ?? BLOB_FILE.exec(name)?.[1];
    if (hex) await rename(join(dir, name), join(dir, 'blobs', algorithmOf(hex), hex));
  }
  await rename(join(dir, 'manifest.json'), join(dir, 'blobs', 'sha256', digest));
  const platform = mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST ? await configPlatform(dir, doc) : undefined;
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType, digest: `sha256:${digest}`, size: manifest.length, ...(platform ? { platform } : {}) }] };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

/** One copy per reference and platform choice in a process: --all-platforms opens the same copy per platform. */
const fetched = new Map<string, Promise<string>>();

/** Copy `ref` into the temp area; returns the OCI layout directory holding it. */
export function fetchReference(ref: ImageReference, opts: FetchOptions = {}, platform?: string): Promise<string> {
  const key = JSON.stringify([ref.text, opts, opts.allPlatforms ? undefined : platform]);
  let p = fetched.get(key);
  if (!p) {
    p = copyWithSkopeo(ref, opts, platform);
    fetched.set(key, p);
    p.catch(() => fetched.delete(key));
  }
  return p;
}

async function copyWithSkopeo(ref: ImageReference, opts: FetchOptions, platform: string | undefined): Promise<string> {
  const skopeo = findCommand('skopeo');
  if (!skopeo) throw new ReproError('skopeo is not installed (Debian package skopeo): it fetches image references', ref.text);
  const dest = join(await tempDir('fetch-'), 'image');
  // skopeo reads its own configuration (registries.conf, auth.json, storage.conf) from the environment
  const env = Object.fromEntries(Object.entries(process.env).filter((kv): kv is [string, string] => kv[1] !== undefined));
  const r = await runLogged([skopeo, ...skopeoArgs(ref, dest, opts, platform)], { env });
  if (r.code !== 0) throw new ReproError(`cannot fetch: ${skopeoMessage(r.tail, ref)}`, ref.text);
  await dirToLayout(dest, ref.text);
  return dest;
}
