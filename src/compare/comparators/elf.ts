// ELF: which sections differ (each section's bytes hashed, from our own parse of the section header table —
// no tool needed) and the GNU build-id note, which changes whenever any linked input did. Category binary:
// the bytes are code and data, not text we can mask.
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../../core/temp.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { hexdumpDiff } from './binary.js';
import { boundLines, listSome } from './shared.js';
import { startsWith } from './sniff.js';
import { unifiedDiff } from './text.js';

interface Section {
  name: string;
  type: number;
  size: number;
  hash: string;
}

interface Elf {
  sections: Section[];
  buildId?: string;
}

const SHT_NOBITS = 8;

export function parseElf(buf: Buffer): Elf {
  const is64 = buf[4] === 2;
  const le = buf[5] !== 2;
  const u16 = (at: number): number => (le ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const word = (at: number): number => (is64 ? Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at)) : u32(at));
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0 || shnum === 0) return { sections: [] };
  if (shoff + shnum * shentsize > buf.length) throw new Error('section header table past end of file');
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      nameOff: u32(at),
      type: u32(at + 4),
      offset: word(at + (is64 ? 24 : 16)),
      size: word(at + (is64 ? 32 : 20)),
    };
  });
  const strtab = raw[shstrndx];
  const nameOf = (off: number): string => {
    if (!strtab) return `#${off}`;
    const start = strtab.offset + off;
    const end = buf.indexOf(0, start);
    return buf.subarray(start, end < 0 ? start : end).toString('latin1');
  };
  const seen = new Map<string, number>();
  const elf: Elf = { sections: [] };
  for (const s of raw) {
    let name = nameOf(s.nameOff) || '(null)';
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    if (n > 0) name = `${name}#${n + 1}`;
    const bytes = s.type === SHT_NOBITS ? Buffer.alloc(0) : buf.subarray(s.offset, s.offset + s.size);
    elf.sections.push({ name, type: s.type, size: s.size, hash: createHash('sha256').update(bytes).digest('hex') });
    if (name === '.note.gnu.build-id' && bytes.length >= 16) {
      const namesz = le ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
      const descsz = le ? bytes.readUInt32LE(4) : bytes.readUInt32BE(4);
      const descAt = 12 + Math.ceil(namesz / 4) * 4;
      elf.buildId = bytes.subarray(descAt, descAt + descsz).toString('hex');
    }
  }
  return elf;
}

function short(id: string | undefined): string {
  return id ? `${id.slice(0, 8)}..` : '(none)';
}

let readelfAvailable: Promise<boolean> | undefined;

/** readelf (binutils) is optional: our own parse gives the evidence, readelf only enriches the detail. */
function hasReadelf(): Promise<boolean> {
  // execa is loaded on first use: most comparisons never run a tool, and its import costs start-up time
  readelfAvailable ??= import('execa')
    .then(({ execa }) => execa('readelf', ['--version'], { reject: false }))
    .then((r) => r.exitCode === 0, () => false);
  return readelfAvailable;
}

/** Diff of readelf's section table and notes for both sides, or null when readelf is missing or fails. */
async function readelfDiff(a: Buffer, b: Buffer, ctx: ContentContext): Promise<string[] | null> {
  if (!(await hasReadelf())) return null;
  const { execa } = await import('execa');
  const dir = await tempDir('elf-');
  try {
    const run = async (buf: Buffer, side: string): Promise<string | null> => {
      const path = join(dir, side);
      await writeFile(path, buf);
      const r = await execa('readelf', ['--wide', '--section-headers', '--notes', path], { reject: false, timeout: 10_000 });
      return r.exitCode === 0 ? String(r.stdout) : null;
    };
    const [ra, rb] = await Promise.all([run(a, 'a'), run(b, 'b')]);
    if (ra === null || rb === null || ra === rb) return null;
    return unifiedDiff(ra, rb, 'readelf', ctx).split('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function compareElf(a: Buffer, b: Buffer, ctx: ContentContext): Promise<ContentFinding[]> {
  const ea = parseElf(a);
  const eb = parseElf(b);
  const byB = new Map(eb.sections.map((s) => [s.name, s]));
  const differing: string[] = [];
  const lines: string[] = [];
  for (const s of ea.sections) {
    const t = byB.get(s.name);
    if (!t) lines.push(`section ${s.name} only in a`);
    else if (t.hash !== s.hash) {
      differing.push(s.name);
      lines.push(`section ${s.name}: ${s.size} vs ${t.size} bytes, sha256 ${s.hash.slice(0, 12)} vs ${t.hash.slice(0, 12)}`);
    }
  }
  const inA = new Set(ea.sections.map((s) => s.name));
  for (const t of eb.sections) if (!inA.has(t.name)) lines.push(`section ${t.name} only in b`);
  const parts: string[] = [];
  parts.push(differing.length ? `sections ${listSome(differing, 6)} differ` : lines.length ? 'section sets differ' : 'ELF headers differ, sections equal');
  if (ea.buildId !== eb.buildId) parts.push(`build-id ${short(ea.buildId)} vs ${short(eb.buildId)}`);
  const readelf = await readelfDiff(a, b, ctx);
  const detail = boundLines([...lines, ...(readelf ? ['readelf --wide --section-headers --notes:', ...readelf] : []), ...hexdumpDiff(a, b, ctx).split('\n')], ctx);
  return [{ inner: '', category: 'binary', code: 'elf', facts: parts.map((note) => ({ note })), detail }];
}

export const elfComparator: Comparator = {
  name: 'elf',
  recognizes: (head) => startsWith(head, [0x7f, 0x45, 0x4c, 0x46]) && head.length >= 0x40,
  async compare(a, b, ctx) {
    return await compareElf(await a.bytes(), await b.bytes(), ctx);
  },
};
