// Large synthetic pairs (the scale section of the benchmark, the bounded-memory test), written straight as tar bytes (headers by
// the writer's own encoder) so a million entries take seconds, not the minutes an entry-object builder takes.
//   smallFilesPair: N small files in a rootfs-like tree (dirs of 1,000), `differ` contents changed in B,
//     optionally some mtimes of B shifted (one mtime finding each).
//   layeredPair: N small files in OCI layouts whose layer counts differ (A: 2 layers, B: 3), the merged mode.
//   bigLayerPair: a single uncompressed layer of a few multi-GiB files in an OCI layout directory. The
//     bodies are holes (the file is sparse): the pair costs a few MiB of disk, yet every byte is still read
//     and hashed by both the floor and repro.
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync, writeFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { encodeHeader, type RawHeader } from '../../src/image/tar-header.js';

const BLOCK = 512;

/** Buffered sequential writer of tar bytes; `skip` leaves a hole (the file stays sparse there). */
class TarFile {
  private readonly fd: number;
  private buf = Buffer.alloc(4 << 20);
  private used = 0;
  private pos = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(b: Buffer): void {
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      writeSync(this.fd, b, 0, b.length, this.pos);
      this.pos += b.length;
      return;
    }
    b.copy(this.buf, this.used);
    this.used += b.length;
  }
  flush(): void {
    if (this.used) writeSync(this.fd, this.buf, 0, this.used, this.pos);
    this.pos += this.used;
    this.used = 0;
  }
  skip(n: number): void {
    this.flush();
    this.pos += n;
  }
  member(h: Omit<RawHeader, 'pax' | 'mode' | 'uid' | 'gid'> & { mode?: number }, body?: Buffer): void {
    this.write(encodeHeader({ mode: 0o644, uid: 0, gid: 0, pax: [], ...h }));
    if (body) {
      this.write(body);
      const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
      if (pad) this.write(Buffer.alloc(pad));
    }
  }
  close(): void {
    this.write(Buffer.alloc(2 * BLOCK));
    this.flush();
    ftruncateSync(this.fd, this.pos);
    closeSync(this.fd);
  }
}

/** xorshift32 text pool: compressible like source files, never all zeros. */
function textPool(size: number): Buffer {
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyz      \n\n0123456789_-./=():');
  const buf = Buffer.alloc(size);
  let x = 0x5eed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = alphabet[x % alphabet.length] ?? 32;
  }
  return buf;
}

export interface SmallFilesShape {
  entries: number;
  bytes: number;
  /** Paths (absolute) whose content differs. */
  changed: string[];
}

/**
 * a.tar and b.tar in `dir`: `files` small files (60..900 bytes, ~480 on average) under
 * usr/lib/python3/dist-packages/pkgNNNN/, `differ` of them (spread evenly) changed in B, and with
 * `mtimes: n` n files of B (spread evenly) a day later (a finding each).
 */
export function smallFilesPair(dir: string, files: number, differ: number, opts: { mtimes?: number } = {}): { a: string; b: string; shape: SmallFilesShape } {
  const pool = textPool(1 << 16);
  const every = Math.max(1, Math.floor(files / Math.max(1, differ)));
  const paths = { a: join(dir, `small-${files}-a.tar`), b: join(dir, `small-${files}-b.tar`) };
  const shape: SmallFilesShape = { entries: 0, bytes: 0, changed: [] };
  for (const side of [0, 1] as const) {
    const out = new TarFile(side === 0 ? paths.a : paths.b);
    const t0 = 1_700_000_000;
    const mtime = t0;
    const mtimeEvery = opts.mtimes ? Math.max(1, Math.floor(files / opts.mtimes)) : 0;
    let entries = 0;
    let bytes = 0;
    for (const d of ['usr', 'usr/lib', 'usr/lib/python3', 'usr/lib/python3/dist-packages']) {
      out.member({ name: Buffer.from(d + '/'), type: 'directory', mode: 0o755, mtime, size: 0 });
      entries++;
    }
    for (let i = 0; i < files; i++) {
      const pkg = `usr/lib/python3/dist-packages/pkg${Math.floor(i / 1000).toString().padStart(4, '0')}`;
      if (i % 1000 === 0) {
        out.member({ name: Buffer.from(pkg + '/'), type: 'directory', mode: 0o755, mtime, size: 0 });
        entries++;
      }
      const size = 60 + ((i * 7919) % 840);
      const start = (i * 104729) % (pool.length - size);
      const body = Buffer.allocUnsafe(size);
      pool.copy(body, 0, start, start + size);
      // every file unique (a real tree's files are; identical ones would share one stored copy)
      body.write(`# ${i}\n`, 0, 'latin1');
      const name = `${pkg}/module_${i}.py`;
      if (differ > 0 && i % every === Math.floor(every / 2) && Math.floor(i / every) < differ) {
        if (side === 0) shape.changed.push('/' + name);
        else body.write('CHANGED', Math.floor(size / 2), 'latin1');
      }
      const later = side === 1 && mtimeEvery > 0 && i % mtimeEvery === 0 && i / mtimeEvery < (opts.mtimes ?? 0);
      out.member({ name: Buffer.from(name), type: 'file', mtime: later ? mtime + 86_400 : mtime, size }, body);
      entries++;
      bytes += size;
    }
    out.close();
    shape.entries = entries;
    shape.bytes = bytes;
  }
  return { ...paths, shape };
}

export interface LayeredShape {
  entries: number;
  /** Paths (absolute) whose content differs in the merged filesystems. */
  changed: string[];
  /** The path (absolute) B's top layer deletes with a whiteout. */
  deleted: string;
}

/**
 * Two OCI layout directories `layered-a` and `layered-b` with uncompressed layers: `files` small files (as
 * smallFilesPair's), 80% in a base layer and the rest in a second layer; B has a third layer that
 * replaces `differ / 2` files of the base layer with changed content and deletes one with a whiteout, and B's
 * base layer has the other `differ / 2` files changed.
 */
export async function layeredPair(dir: string, files: number, differ: number): Promise<{ a: string; b: string; shape: LayeredShape }> {
  const pool = textPool(1 << 16);
  const baseFiles = Math.floor(files * 0.8);
  const half = Math.floor(differ / 2);
  const every = Math.max(1, Math.floor(baseFiles / Math.max(1, differ + 1)));
  // spread over the base layer: even slots changed in B's base, odd ones replaced by B's top layer
  const slots = Array.from({ length: differ }, (_, k) => (k + 1) * every);
  const inBase = new Set(slots.filter((_, k) => k % 2 === 0).slice(0, differ - half));
  const inTop = new Set(slots.filter((_, k) => k % 2 === 1));
  const deleted = Math.floor(every / 2);
  const mtime = 1_700_000_000;
  const name = (i: number): string => `usr/lib/python3/dist-packages/pkg${Math.floor(i / 1000).toString().padStart(4, '0')}/module_${i}.py`;
  const body = (i: number, changed: boolean): Buffer => {
    const size = 60 + ((i * 7919) % 840);
    const start = (i * 104729) % (pool.length - size);
    const b = Buffer.allocUnsafe(size);
    pool.copy(b, 0, start, start + size);
    b.write(`# ${i}\n`, 0, 'latin1');
    if (changed) b.write('CHANGED', Math.floor(size / 2), 'latin1');
    return b;
  };
  const shape: LayeredShape = { entries: 0, changed: [...inBase, ...inTop].map((i) => '/' + name(i)).sort(), deleted: '/' + name(deleted) };
  const out = { a: join(dir, 'layered-a'), b: join(dir, 'layered-b') };
  for (const side of [0, 1] as const) {
    const root = side === 0 ? out.a : out.b;
    mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
    const layers: string[] = [];
    const layer = (write: (t: TarFile) => void): void => {
      const path = join(root, `layer-${layers.length}.tar`);
      const t = new TarFile(path);
      write(t);
      t.close();
      layers.push(path);
    };
    const range = (from: number, to: number) => (t: TarFile): void => {
      for (const d of ['usr', 'usr/lib', 'usr/lib/python3', 'usr/lib/python3/dist-packages']) t.member({ name: Buffer.from(d + '/'), type: 'directory', mode: 0o755, mtime, size: 0 });
      for (let i = from; i < to; i++) {
        if (i % 1000 === 0 || i === from) t.member({ name: Buffer.from(name(i).slice(0, name(i).lastIndexOf('/') + 1)), type: 'directory', mode: 0o755, mtime, size: 0 });
        const b = body(i, side === 1 && inBase.has(i));
        t.member({ name: Buffer.from(name(i)), type: 'file', mtime, size: b.length }, b);
      }
    };
    layer(range(0, baseFiles));
    layer(range(baseFiles, files));
    if (side === 1) {
      layer((t) => {
        for (const i of [...inTop].sort((x, y) => x - y)) {
          const b = body(i, true);
          t.member({ name: Buffer.from(name(i)), type: 'file', mtime, size: b.length }, b);
        }
        const gone = name(deleted);
        t.member({ name: Buffer.from(gone.slice(0, gone.lastIndexOf('/') + 1) + '.wh.' + gone.slice(gone.lastIndexOf('/') + 1)), type: 'file', mtime, size: 0 });
      });
    }
    await writeLayout(root, layers);
  }
  shape.entries = files;
  return { ...out, shape };
}

/** An OCI layout in `root` (blobs/sha256 made) of the given uncompressed layer tars (moved into the blobs). */
async function writeLayout(root: string, layerTars: string[]): Promise<void> {
  const { renameSync, statSync } = await import('node:fs');
  const layers: { digest: string; size: number }[] = [];
  for (const tmp of layerTars) {
    const digest = await sha256File(tmp);
    const size = statSync(tmp).size;
    renameSync(tmp, join(root, 'blobs', 'sha256', digest.slice(7)));
    layers.push({ digest, size });
  }
  const config = writeJson(root, {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'bench' })),
  });
  const manifest = writeJson(root, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
  });
  writeFileSync(join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) h.update(c);
  return 'sha256:' + h.digest('hex');
}

function writeJson(dir: string, doc: unknown): { digest: string; size: number } {
  const data = Buffer.from(JSON.stringify(doc));
  const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

/**
 * Two OCI layout directories, one uncompressed layer each: `totalGiB` in `bigFiles` files (sparse: holes
 * read as zeros) plus a few small ones; B's last big file differs in one byte in its middle.
 */
export async function bigLayerPair(dir: string, totalGiB: number, bigFiles = 4): Promise<{ a: string; b: string; bytes: number; changed: string }> {
  const each = Math.floor((totalGiB * 2 ** 30) / bigFiles / BLOCK) * BLOCK;
  const changed = `/data/blob${bigFiles - 1}.bin`;
  const out = { a: join(dir, 'big-a'), b: join(dir, 'big-b') };
  for (const side of [0, 1] as const) {
    const root = side === 0 ? out.a : out.b;
    mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
    const layerTmp = join(root, 'layer.tar');
    const t = new TarFile(layerTmp);
    const mtime = 1_700_000_000;
    t.member({ name: Buffer.from('data/'), type: 'directory', mode: 0o755, mtime, size: 0 });
    for (let i = 0; i < bigFiles; i++) {
      t.member({ name: Buffer.from(`data/blob${i}.bin`), type: 'file', mtime, size: each });
      // a few real bytes at the start and the end; the rest is a hole
      const head = Buffer.from(`blob ${i}\n`);
      t.write(head);
      t.skip(each / 2 - head.length);
      t.write(Buffer.from(side === 1 && i === bigFiles - 1 ? 'B' : 'A'));
      t.skip(each / 2 - 1 - 4);
      t.write(Buffer.from('end\n'));
    }
    for (let i = 0; i < 100; i++) t.member({ name: Buffer.from(`etc/conf${i}`), type: 'file', mtime, size: 6 }, Buffer.from(`conf${i}\n`));
    t.close();
    await writeLayout(root, [layerTmp]);
  }
  return { ...out, bytes: bigFiles * each, changed };
}
