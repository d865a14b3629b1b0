// Extended attributes of a tree on disk (the build tree: security.capability set by a postinst's setcap,
// user.*, trusted.*, ACLs), read and written with Debian's attr tools, since node has no xattr API. Values
// are bytes throughout (getfattr/setfattr in hex), never decoded as text; names of files are decoded the way
// Entry paths are (name-bytes.ts).
import { spawn } from 'node:child_process';
import { ReproError } from './errors.js';
import { nameBytes, nameFromBytes } from './name-bytes.js';

/** name → value bytes of one entry (the shape of Entry.xattrs). */
export type XattrMap = Record<string, Buffer>;

const TOOLS = 'getfattr/setfattr (Debian package attr)';

/** The attr tools are not installed: callers that can still work without xattrs say so and go on. */
export class XattrToolMissing extends ReproError {}

function run(argv: string[], opts: { cwd?: string; input?: Buffer } = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new XattrToolMissing(`${argv[0]} is not installed: ${TOOLS} reads and writes xattrs`, 'build') : e);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err.trim() }));
    child.stdin?.end(opts.input);
  });
}

/** The attr tools' quoting, used for everything but plain printable ASCII: `\ooo` per byte. */
function quote(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b > 0x20 && b < 0x7f && b !== 0x5c && b !== 0x3d ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0');
  return out;
}

/** getfattr writes a byte of a name as \ooo when it would break its line format (newline, "=", "\"). */
function unquote(bytes: Buffer): string {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x5c && i + 3 < bytes.length && /^[0-7]{3}$/.test(bytes.subarray(i + 1, i + 4).toString('latin1'))) {
      out.push(parseInt(bytes.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else out.push(c);
  }
  return nameFromBytes(Buffer.from(out));
}

/** `getfattr --dump` output (hex values) → path → xattrs. Exported for its test. */
export function parseDump(dump: Buffer): Map<string, XattrMap> {
  const byPath = new Map<string, XattrMap>();
  let current: XattrMap | undefined;
  let start = 0;
  while (start < dump.length) {
    let end = dump.indexOf(0x0a, start);
    if (end < 0) end = dump.length;
    const line = dump.subarray(start, end);
    start = end + 1;
    if (line.length === 0) {
      current = undefined;
      continue;
    }
    const FILE = '# file: ';
    if (line.subarray(0, FILE.length).toString('latin1') === FILE) {
      const path = unquote(line.subarray(FILE.length)).replace(/^\.\//, '');
      current = {};
      byPath.set(path, current);
      continue;
    }
    const eq = line.indexOf(0x3d);
    if (!current || eq < 0) continue;
    const value = line.subarray(eq + 1).toString('latin1');
    if (!/^0x([0-9a-f]{2})*$/i.test(value)) throw new ReproError(`unexpected getfattr output: ${line.toString('latin1').slice(0, 80)}`, 'build');
    current[unquote(line.subarray(0, eq))] = Buffer.from(value.slice(2), 'hex');
  }
  return byPath;
}

/**
 * Every xattr of every entry under `root` (all namespaces: `-m -`), by path relative to the root; entries
 * without any are absent. One getfattr walk that follows no symlink (-P) and reads the attributes of
 * symlinks themselves (-h).
 */
export async function readTreeXattrs(root: string): Promise<Map<string, XattrMap>> {
  const r = await run(['getfattr', '--recursive', '--physical', '--no-dereference', '--dump', '--match=-', '--encoding=hex', '.'], { cwd: root });
  if (r.code !== 0) throw new ReproError(`getfattr failed (exit ${r.code}): ${r.stderr.split('\n').slice(-2).join(' / ')}`, root);
  const byPath = parseDump(r.stdout);
  byPath.delete('.');
  return byPath;
}

/**
 * Set `xattrs` on `path` (never following a symlink there). The path and names go through setfattr's
 * restore format on stdin, quoted byte by byte, since a command-line argument cannot carry a name that is
 * not UTF-8.
 */
export async function setXattrs(path: string, xattrs: XattrMap): Promise<void> {
  const names = Object.keys(xattrs);
  if (names.length === 0) return;
  const lines = [`# file: ${quote(nameBytes(path))}`, ...names.map((n) => `${quote(Buffer.from(n))}=0x${xattrs[n]!.toString('hex')}`), ''];
  const r = await run(['setfattr', '--no-dereference', '--restore=-'], { input: Buffer.from(lines.join('\n') + '\n') });
  if (r.code !== 0) throw new ReproError(`cannot set xattrs ${names.join(', ')}: ${r.stderr.split('\n').slice(-1).join('')}`, path);
}
