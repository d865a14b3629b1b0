// Everything about a directory tree that a stray write could change, entry by entry and never following a
// symlink: type, mode, owner, size, link count, mtime to the nanosecond, content digest, link target. Two
// states compared before and after a run prove that nothing under the tree was touched.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One line per entry below `dir` (and `dir` itself as "."), sorted. */
export async function treeState(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(rel: string): Promise<void> {
    const abs = rel === '.' ? dir : join(dir, rel);
    const st = await lstat(abs, { bigint: true });
    let what = '';
    if (st.isFile()) what = createHash('sha256').update(await readFile(abs)).digest('hex');
    else if (st.isSymbolicLink()) what = '-> ' + (await readlink(abs));
    else if (st.isCharacterDevice() || st.isBlockDevice()) what = 'rdev ' + st.rdev;
    out.push(`${rel} mode=${st.mode.toString(8)} uid=${st.uid} gid=${st.gid} size=${st.size} nlink=${st.nlink} mtime=${st.mtimeNs} ${what}`);
    if (st.isDirectory()) for (const name of (await readdir(abs)).sort()) await visit(rel === '.' ? name : join(rel, name));
  }
  await visit('.');
  return out.sort();
}
