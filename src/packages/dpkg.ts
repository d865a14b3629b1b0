// Which Debian package owns each differing path: the image's own dpkg database
// (/var/lib/dpkg/info/<pkg>[:<arch>].list, one installed path per line) read from the layers, whiteouts
// applied, so the answer is about the image compared and never about the host. Paths no package lists
// were made by maintainer scripts or by the build itself — usually where non-determinism comes from.
import type { Entry } from '../core/entry.js';
import type { Category, Cause } from '../core/finding.js';
import type { Findings } from '../core/findings.js';
import type { BuildStep } from '../core/step.js';
import type { EntryTap } from '../compare/side-scan.js';
import type { Readable } from 'node:stream';
import { openImage, readLayer } from '../image/index.js';

const INFO_DIR = 'var/lib/dpkg/info';
/** dpkg's status database: every installed package's stanza, with its version. */
const STATUS_FILE = 'var/lib/dpkg/status';
/** A .list file is a few KiB to a few MiB (big packages); anything larger is not a dpkg list. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export interface OwnedFile {
  path: string;
  categories: Category[];
  /** After `check --explain`: the cause of the file's finding in each category. */
  causes?: Partial<Record<Category, Cause>>;
  /** For a path no package owns: the build step that created or last changed it (check only). */
  step?: BuildStep;
}

export interface PackageGroup {
  name: string;
  /** The installed version, from the image's dpkg status database. */
  version?: string;
  files: OwnedFile[];
}

export interface PackageAttribution {
  /** Packages owning at least one differing path alone; those with differences other than mtime first. */
  packages: PackageGroup[];
  /** Installed packages (with a file list) none of whose own paths differ. */
  identical: number;
  /** Differing paths in the filesystem that no package lists. */
  unowned: OwnedFile[];
  /** Differing paths listed by several packages (shared directories such as /usr/share/doc). */
  shared: (OwnedFile & { owners: string[] })[];
}

/**
 * The dpkg database's package lists (/var/lib/dpkg/info/<pkg>.list), merged across layers as the runtime
 * would (whiteouts and opaque directories applied). Fed entry by entry in layer order: by `repro diff`'s
 * scan of B as it goes (an EntryTap: no second read of the image), or by readDpkgLists.
 */
export class DpkgLists implements EntryTap {
  /** package → its list text */
  readonly lists = new Map<string, string>();
  /** The status database's text, when the image has one. */
  status: string | undefined;
  /** Set by the scan: false when it skipped layers (identical on both sides) or excluded paths. */
  complete = false;

  /** The list files read for their content (every whiteout and opaque marker matters too). */
  static wants(entry: Entry): boolean {
    return entry.type === 'file' && (isList(entry.path) || entry.path === STATUS_FILE) && entry.size <= MAX_LIST_BYTES;
  }

  entry(entry: Entry, _layer: number, content: () => Buffer | undefined): void {
    if (entry.type === 'opaque' && (entry.path === INFO_DIR || INFO_DIR.startsWith(entry.path + '/'))) this.lists.clear();
    else if (entry.type === 'whiteout' && isList(entry.path)) this.lists.delete(packageOf(entry.path));
    else if (entry.type === 'whiteout' && entry.path === STATUS_FILE) this.status = undefined;
    else if (DpkgLists.wants(entry)) {
      const bytes = content();
      if (bytes && entry.path === STATUS_FILE) this.status = bytes.toString('utf8');
      else if (bytes) this.lists.set(packageOf(entry.path), bytes.toString('utf8'));
    }
  }

  done(complete: boolean): void {
    this.complete = complete;
  }
}

/** var/lib/dpkg/info/<pkg>.list, directly in the info directory. */
function isList(path: string): boolean {
  return path.startsWith(INFO_DIR + '/') && !path.slice(INFO_DIR.length + 1).includes('/') && path.endsWith('.list');
}

function packageOf(listPath: string): string {
  return listPath.slice(INFO_DIR.length + 1, -'.list'.length);
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The merged view of /var/lib/dpkg/info/*.list and the status database across the image's layers. */
export async function readDpkgLists(imagePath: string): Promise<DpkgLists> {
  const image = await openImage(imagePath);
  const dpkg = new DpkgLists();
  for (const layer of image.layers) {
    for await (const { entry, body } of readLayer(image, layer)) {
      const bytes = DpkgLists.wants(entry) ? await readAll(body) : undefined;
      dpkg.entry(entry, layer.index, () => bytes);
    }
  }
  return dpkg;
}

/** package → version, from the status database's stanzas ("Package:" and "Version:" fields). */
export function installedVersions(status: string | undefined): Map<string, string> {
  const versions = new Map<string, string>();
  for (const stanza of (status ?? '').split(/\n\s*\n/)) {
    const name = /^Package: *(\S+)/m.exec(stanza)?.[1];
    const version = /^Version: *(\S+)/m.exec(stanza)?.[1];
    if (name && version) versions.set(name, version);
  }
  return versions;
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
export function attributeWith(owners: Map<string, string[]>, findings: Findings, versions = new Map<string, string>()): PackageAttribution {
  const cats = new Map<string, Set<Category>>();
  const causes = new Map<string, Partial<Record<Category, Cause>>>();
  findings.update((f) => {
    // Image documents and whole-input findings have no filesystem path to own.
    if (f.path === '' || f.category === 'image-metadata') return f;
    const path = f.path;
    const pkgs = owners.get(path);
    if (pkgs?.length) f.package = pkgs.length === 1 ? pkgs[0] : `${pkgs[0]} +${pkgs.length - 1}`;
    cats.set(path, (cats.get(path) ?? new Set<Category>()).add(f.category));
    // the file's top-level finding of a category speaks for it (the first one: findings come in path order)
    if (f.cause && !f.inner && !causes.get(path)?.[f.category]) causes.set(path, { ...causes.get(path), [f.category]: f.cause });
    return f;
  });
  const byPkg = new Map<string, OwnedFile[]>();
  const unowned: OwnedFile[] = [];
  const shared: PackageAttribution['shared'] = [];
  for (const [path, set] of [...cats.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const because = causes.get(path);
    const file = { path, categories: [...set].sort(), ...(because ? { causes: because } : {}) };
    const pkgs = owners.get(path) ?? [];
    if (pkgs.length === 0) unowned.push(file);
    else if (pkgs.length > 1) shared.push({ ...file, owners: pkgs });
    else byPkg.set(pkgs[0]!, [...(byPkg.get(pkgs[0]!) ?? []), file]);
  }
  const packages = [...byPkg.entries()]
    .map(([name, files]) => ({ name, ...(versions.has(name) ? { version: versions.get(name) } : {}), files: files.sort(byInterest) }))
    .sort((a, b) => interesting(b.files) - interesting(a.files) || b.files.length - a.files.length || (a.name < b.name ? -1 : 1));
  // Shared paths (directories such as /usr/share/doc) are no one package's doing: they leave it identical.
  const installed = new Set<string>();
  for (const pkgs of owners.values()) for (const p of pkgs) installed.add(p);
  return { packages, identical: installed.size - byPkg.size, unowned: unowned.sort(byInterest), shared };
}

/**
 * Attribute findings to the Debian packages of the image at `imagePath` (any form the reader takes), from
 * `seen` when a comparison's scan collected its dpkg lists.
 * Returns undefined when the image has no dpkg database (not Debian-based); otherwise fills
 * `finding.package` in place and returns the grouping "package → files → categories".
 */
export async function attributePackages(imagePath: string, findings: Findings, seen?: DpkgLists): Promise<PackageAttribution | undefined> {
  // what the comparison's scan already collected, when it read every layer; else one more read of the image
  const dpkg = seen?.complete ? seen : await readDpkgLists(imagePath);
  if (dpkg.lists.size === 0) return undefined;
  const versions = installedVersions(dpkg.status);
  return attributeWith(ownerIndex(dpkg.lists), findings, versions);
}
