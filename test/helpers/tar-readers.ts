// Independent readers of the tars repro writes: Python's tarfile (bytes through surrogateescape) and GNU
// tar. The lossless tests compare what they read back, so a bug in our own reader cannot hide one in the
// writer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const run = promisify(execFile);

export interface PyMember {
  /** Hex of the bytes. */
  name: string;
  linkname: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  devmajor: number;
  devminor: number;
  sparse: boolean;
  /** PAX records, values as hex of their bytes. */
  pax: Record<string, string>;
  /** sha256 of a regular file's content (sparse files: as extracted, holes as zeros). */
  sha256?: string;
}

const PY = `
import sys, tarfile, json, hashlib
def h(s): return s.encode('utf-8', 'surrogateescape').hex()
out = []
with tarfile.open(sys.argv[1], encoding='utf-8', errors='surrogateescape') as t:
    for m in t:
        extra = {'sha256': hashlib.sha256(t.extractfile(m).read()).hexdigest()} if m.isreg() else {}
        out.append({**extra, 'name': h(m.name), 'linkname': h(m.linkname), 'type': m.type.decode('latin1'), 'mode': m.mode,
                    'uid': m.uid, 'gid': m.gid, 'mtime': m.mtime, 'size': m.size, 'devmajor': m.devmajor,
                    'devminor': m.devminor, 'sparse': m.sparse is not None,
                    'pax': {k: h(v) for k, v in m.pax_headers.items()}})
json.dump(out, sys.stdout)
`;

/** GNU tar's verbose listing with xattr names and lengths (--xattrs -tvv), one block per member (its line
 * and its "  x:" lines), names escaped, numeric owners, full times. */
export async function gnuTarListing(tarPath: string): Promise<string[]> {
  const { stdout } = await run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--full-time', '--quoting-style=escape', '-tvvf', tarPath], { maxBuffer: 1 << 28 });
  const blocks: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('  x: ') && blocks.length > 0) blocks[blocks.length - 1] += '\n' + line;
    else blocks.push(line);
  }
  return blocks;
}

export async function pythonTarMembers(tarPath: string): Promise<PyMember[]> {
  const { stdout } = await run('python3', ['-c', PY, tarPath], { maxBuffer: 1 << 28 });
  return JSON.parse(stdout) as PyMember[];
}

/** The blobs of an uncompressed layer, in order, from an OCI layout directory (normalize --compression none). */
export async function ociDirLayers(dir: string): Promise<string[]> {
  const blob = (digest: string): string => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(await readFile(blob(index.manifests[0]?.digest ?? ''), 'utf8')) as { layers: { digest: string }[] };
  return manifest.layers.map((l) => blob(l.digest));
}
