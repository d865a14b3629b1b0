// The reference workload, the comparison repro exists for: two `debootstrap --variant=minbase bookworm`
// trees built minutes apart, each packed with `tar -C root -cf x.tar .`. Needs root and debootstrap; the
// mirror comes from the host's apt sources, the .debs from repro's shared download cache. The pair is kept
// in ~/.cache/repro/bench (the bench times comparisons, not builds); delete it to build a fresh pair.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolveMirror } from '../src/builder/mirror.js';

const SUITE = 'bookworm';

export async function debianPair(log: (line: string) => void): Promise<[string, string] | undefined> {
  const dir = join(homedir(), '.cache', 'repro', 'bench');
  const pair: [string, string] = [join(dir, `${SUITE}-minbase-a.tar`), join(dir, `${SUITE}-minbase-b.tar`)];
  if (pair.every((p) => existsSync(p))) {
    log(`Debian pair: reusing ${dir} (delete it for a fresh pair)`);
    return pair;
  }
  if (process.getuid?.() !== 0) {
    log('Debian pair: skipped (debootstrap needs root)');
    return undefined;
  }
  const mirror = await resolveMirror('auto', SUITE);
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const cache = join(homedir(), '.cache', 'repro', 'debootstrap', `${SUITE}-${arch}`);
  mkdirSync(cache, { recursive: true });
  mkdirSync(dir, { recursive: true });
  for (const out of pair) {
    const root = `${out}.root`;
    rmSync(root, { recursive: true, force: true });
    const start = performance.now();
    execFileSync('debootstrap', ['--variant=minbase', `--cache-dir=${cache}`, SUITE, root, mirror], { stdio: 'ignore' });
    log(`Debian pair: debootstrap --variant=minbase ${SUITE} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    execFileSync('tar', ['-C', root, '-cf', `${out}.part`, '.']);
    renameSync(`${out}.part`, out);
    rmSync(root, { recursive: true, force: true });
  }
  return pair;
}
