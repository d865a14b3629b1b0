// Which Debian package owns each differing path: the image's own dpkg database
// (/var/lib/dpkg/info/<pkg>[:<arch>].list, one installed path per line) read from the layers, whiteouts
// applied, so the answer is about the image compared and never about the host. Paths no package lists
// were made by maintainer scripts or by the build itself — usually where non-determinism comes from.
import type { Category, Finding } from '../core/finding.js';
import type { Readable } from 'node:stream';
import { openImage, readLayer } from '../image/index.js';

const INFO_DIR = 'var/lib/dpkg/info';
/** A .list file is a few KiB to a few MiB (big packages); anything larger is not a dpkg list. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export interface OwnedFile {
  path: string;
  categories: Category[];
}

export interface PackageGroup {
  name: string;
  files: OwnedFile[];
}

export interface PackageAttribution {
  /** Packages owning at least one differing path alone; those with differences other than mtime first. */
  packages: PackageGroup[];
  /** Differing paths in the filesystem that no package lists. */
  unowned: OwnedFile[];
  /** Differing paths listed by several packages (shared directories such as /usr/share/doc). */
  shared: (OwnedFile & { owners: string[] })[];
}

async function readSmall(body: Readable): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_LIST_BYTES) {
      body.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The merged view of /var/lib/dpkg/info/*.list across the layers: package → its list text. */
export async function readDpkgLists(imagePath: string): Promise<Map<string, string>> {
  const image = await openImage(imagePath);
  const lists = new Map<string, string>();
  for (const layer of image.layers) {
    for await (const { entry, body } of readLayer(image, layer)) {
      const inInfo = entry.path.startsWith(INFO_DIR + '/') && !entry.path.slice(INFO_DIR.length + 1).includes('/');
      if (entry.type === 'opaque' && (entry.path === INFO_DIR || INFO_DIR.startsWith(entry.path + '/'))) lists.clear();
      if (!inInfo || !entry.path.endsWith('.list')) continue;
      const pkg = entry.path.slice(INFO_DIR.length + 1, -'.list'.length);
      if (entry.type === 'whiteout') lists.delete(pkg);
      else if (entry.type === 'file') {
        const text = await readSmall(body);
        if (text !== undefined) lists.set(pkg, text);
      }
    }
  }
  return lists;
}

// usrmerge (Debian 12 and later): packages list /bin/ls while the tree holds it at /usr/bin/ls.
const MERGED_DIRS = /^\/(bin|sbin|lib|lib32|lib64|libx32)\//;

/** path → owning packages (several own shared directories such as /usr/share/doc). */
export function ownerIndex(lists: Map<string, string>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const add = (path: string, pkg: string): void => {
    const list = owners.get(path);
    if (!list) owners.set(path, [pkg]);
    else if (!list.includes(pkg)) list.push(pkg);
  };
  for (const [pkg, text] of [...lists.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // "libc6:amd64" → "libc6": the architecture qualifier is noise in a report about one image.
    const name = pkg.replace(/:[a-z0-9-]+$/, '');
    for (const line of text.split('\n')) {
      const path = line.trim();
      if (!path.startsWith('/') || path === '/.') continue;
      add(path, name);
      if (MERGED_DIRS.test(path)) add('/usr' + path, name);
    }
  }
  return owners;
}

/** Differences other than mtime say more about a package: they are what a maintainer can fix. */
function interesting(files: OwnedFile[]): number {
  return files.filter((f) => f.categories.some((c) => c !== 'mtime')).length;
}

function byInterest(a: OwnedFile, b: OwnedFile): number {
  return interesting([b]) - interesting([a]) || (a.path < b.path ? -1 : 1);
}

/**
 * Group findings by owning package; fills `finding.package`. A path several packages list (a shared
 * directory) is no one package's doing: it goes to `shared` and its finding names the first owner "+N".
 */
export function attributeWith(owners: Map<string, string[]>, findings: Finding[]): PackageAttribution {
  const cats = new Map<string, Set<Category>>();
  for (const f of findings) {
    // Image documents and whole-input findings have no filesystem path to own; plain trees and rootfs
    // tarballs show paths without the leading "/".
    if (f.path === '' || f.path === '.' || f.category === 'image-metadata') continue;
    const path = f.path.startsWith('/') ? f.path : '/' + f.path;
    const pkgs = owners.get(path);
    if (pkgs?.length) f.package = pkgs.length === 1 ? pkgs[0] : `${pkgs[0]} +${pkgs.length - 1}`;
    cats.set(path, (cats.get(path) ?? new Set<Category>()).add(f.category));
  }
  const byPkg = new Map<string, OwnedFile[]>();
  const unowned: OwnedFile[] = [];
  const shared: PackageAttribution['shared'] = [];
  for (const [path, set] of [...cats.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = { path, categories: [...set].sort() };
    const pkgs = owners.get(path) ?? [];
    if (pkgs.length === 0) unowned.push(file);
    else if (pkgs.length > 1) shared.push({ ...file, owners: pkgs });
    else byPkg.set(pkgs[0]!, [...(byPkg.get(pkgs[0]!) ?? []), file]);
  }
  const packages = [...byPkg.entries()]
    .map(([name, files]) => ({ name, files: files.sort(byInterest) }))
    .sort((a, b) => interesting(b.files) - interesting(a.files) || b.files.length - a.files.length || (a.name < b.name ? -1 : 1));
  return { packages, unowned: unowned.sort(byInterest), shared };
}

/**
 * Attribute findings to the Debian packages of the image at `imagePath` (any form the reader takes).
 * Returns undefined when the image has no dpkg database (not Debian-based); otherwise fills
 * `finding.package` in place and returns the grouping "package → files → categories".
 */
export async function attributePackages(imagePath: string, findings: Finding[]): Promise<PackageAttribution | undefined> {
  const lists = await readDpkgLists(imagePath);
  if (lists.size === 0) return undefined;
  return attributeWith(ownerIndex(lists), findings);
}
