// `repro check --shard I/N LIST`: which manifests of a list this machine checks. The list is a file (one
// manifest path a line, relative to the file; blank lines and # comments skipped) or a glob (relative to
// the working directory). A manifest's shard is the SHA-256 of its path as the list names it, modulo N:
// the same on every machine, and a manifest keeps its shard when others are added to or removed from the
// list (only N moves it). Shards are balanced on average, not exactly: with few manifests one may be empty.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { ReproError, UsageError } from '../core/errors.js';

export interface Shard {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX and a CI matrix index are. */
  index: number;
  count: number;
}

export interface ListedManifest {
  /** The path as the list names it (posix, normalised): what the split hashes and the report is named after. */
  key: string;
  /** Where to open it from the working directory. */
  path: string;
}

export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard ${spec}: expected I/N with 0 ≤ I < N (e.g. 0/4, as JOB_COMPLETION_INDEX counts)`);
  return { index, count };
}

export function shardOf(key: string, count: number): number {
  const h = createHash('sha256').update(key).digest();
  return Number(h.readBigUInt64BE(0) % BigInt(count));
}

const isGlob = (s: string): boolean => picomatch.scan(s).isGlob;
const toPosix = (p: string): string => p.split(sep).join('/');

/** Every manifest the list names, in list order, each once. */
export async function listManifests(list: string): Promise<ListedManifest[]> {
  let found: ListedManifest[];
  if (isGlob(list)) {
    const { base, glob } = picomatch.scan(list);
    const match = picomatch(glob, { dot: false });
    const root = base || '.';
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      throw new ReproError(`cannot list (${err.code})`, root);
    });
    found = entries
      .filter((e) => e.isFile() && match(toPosix(relative(root, join(e.parentPath, e.name)))))
      .map((e) => {
        const path = join(e.parentPath, e.name);
        return { key: posix.normalize(toPosix(path)), path };
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } else {
    const text = await readFile(list, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ReproError(err.code === 'ENOENT' ? 'no such file (a list of manifests, one a line, or a quoted glob)' : `cannot read (${err.code})`, list);
    });
    found = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const key = posix.normalize(l);
        return { key, path: key.startsWith('/') ? key : join(dirname(list), key) };
      });
  }
  const seen = new Set<string>();
  return found.filter((m) => !seen.has(m.key) && seen.add(m.key));
}

export function pickShard(manifests: ListedManifest[], shard: Shard): ListedManifest[] {
  return manifests.filter((m) => shardOf(m.key, shard.count) === shard.index);
}

/**
 * The report's path below the reports directory, named after the manifest: `images/web/manifest.yml` →
 * `images/web/manifest.json`. Leading `/` and `..` never lead out of the directory.
 */
export function reportPathFor(key: string): string {
  const parts = key.split('/').filter((p) => p !== '' && p !== '.').map((p) => (p === '..' ? '__' : p));
  const last = (parts.pop() ?? 'manifest').replace(/\.ya?ml$/i, '');
  return [...parts, `${last}.json`].join('/');
}
