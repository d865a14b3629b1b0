// A real registry for tests: Debian's docker-registry (the CNCF distribution server) on a free localhost
// port, storing in a temp dir; started by the test and stopped after it. Images reach it through skopeo.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeDir, type AfterHook } from './tmp.js';

const exec = promisify(execFile);

export interface LocalRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function ready(host: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A user of the registries started with `auth: true`; the hash is bcrypt of the password (htpasswd -B). */
export const REGISTRY_USER = { name: 'repro', password: 'secret-pw', htpasswd: 'repro:$2b$04$abcdefghijklmnopqrstuupq3UgSFm/Sf2R51R2/ze3/qhiAEzuKO' };

/** Start docker-registry for the test `t`; it is stopped (and its storage removed) after the test. With
 * `auth`, every request needs REGISTRY_USER's credentials (htpasswd basic auth). */
export async function startRegistry(t: AfterHook, opts: { auth?: boolean } = {}): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'repro-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`, 'http:', `  addr: ${host}`,
      ...(opts.auth ? ['auth:', '  htpasswd:', '    realm: repro-test', `    path: ${join(dir, 'htpasswd')}`] : []),
      '',
    ].join('\n'),
  );
  if (opts.auth) await writeFile(join(dir, 'htpasswd'), REGISTRY_USER.htpasswd + '\n');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // one hook: the server stops and lets go of its storage before the storage is removed
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    removeDir(dir);
  });
  await ready(host, Date.now() + 15_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${log}`);
  });
  return { host };
}

/** skopeo copy SRC docker://HOST/NAME to a plain-HTTP registry, keeping digests. */
export async function push(src: string, dest: string, extra: string[] = []): Promise<void> {
  await exec('skopeo', ['copy', '--quiet', '--preserve-digests', '--multi-arch=all', '--dest-tls-verify=false', ...extra, src, dest]);
}

/** `skopeo inspect` of a reference on a plain-HTTP registry, parsed. */
export async function skopeoInspect(ref: string, raw = false): Promise<Record<string, unknown>> {
  const { stdout } = await exec('skopeo', ['inspect', '--tls-verify=false', ...(raw ? ['--raw'] : []), ref]);
  return JSON.parse(stdout) as Record<string, unknown>;
}
