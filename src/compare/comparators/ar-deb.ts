// ar archives and .deb packages (deb(5): an ar of debian-binary, control.tar.*, data.tar.*). Member header
// fields (mtime, uid, gid, mode) are archiver metadata → compression-metadata; member payloads recurse, so
// data.tar.xz/usr/bin/x is reached through the xz and tar comparators.
import type { Fact } from '../../core/finding.js';
import { nameOrderingFact } from '../../classify/index.js';
import { blobFromBuffer } from '../blob.js';
import { compareContent, nested, within, type Comparator, type ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { startsWith } from './sniff.js';

const MAGIC = Buffer.from('!<arch>\n', 'latin1');

interface ArMember {
  name: string;
  mtime: string;
  uid: string;
  gid: string;
  mode: string;
  data: Buffer;
}

export function readAr(buf: Buffer): ArMember[] {
  if (!buf.subarray(0, 8).equals(MAGIC)) throw new Error('not an ar archive');
  const members: ArMember[] = [];
  let longNames = '';
  for (let at = 8; at + 60 <= buf.length; ) {
    const field = (from: number, len: number): string => buf.subarray(at + from, at + from + len).toString('latin1').trim();
    if (buf.subarray(at + 58, at + 60).toString('latin1') !== '`\n') throw new Error(`bad ar member header at ${at}`);
    let name = field(0, 16);
    const size = Number.parseInt(field(48, 10), 10);
    if (!Number.isFinite(size) || at + 60 + size > buf.length) throw new Error(`bad ar member size at ${at}`);
    let data = buf.subarray(at + 60, at + 60 + size);
    if (name === '//') longNames = data.toString('latin1'); // GNU long-name table
    if (/^#1\/\d+$/.test(name)) {
      // BSD: the name is stored at the start of the data
      const len = Number(name.slice(3));
      name = data.subarray(0, len).toString('utf8').replace(/\0+$/, '');
      data = data.subarray(len);
    } else if (/^\/\d+$/.test(name)) {
      const from = Number(name.slice(1));
      name = longNames.slice(from, longNames.indexOf('\n', from)).replace(/\/$/, '');
    } else if (name !== '/' && name !== '//') name = name.replace(/\/$/, '');
    if (name !== '/' && name !== '//' && name !== '__.SYMDEF') {
      members.push({ name, mtime: field(16, 12), uid: field(28, 6), gid: field(34, 6), mode: field(40, 8), data });
    }
    at += 60 + size + (size % 2); // members are 2-byte aligned
  }
  return members;
}

export const arDebComparator: Comparator = {
  name: 'ar',
  recognizes: (head) => startsWith(head, [...MAGIC]),
  async compare(a, b, ctx) {
    const ma = readAr(await a.bytes());
    const mb = readAr(await b.bytes());
    const findings: ContentFinding[] = [];
    const wrapper: Fact[] = [];
    const order = nameOrderingFact(ma.map((m) => m.name), mb.map((m) => m.name), 'ar members');
    if (order) findings.push({ inner: '', category: 'ordering', code: 'member-order', facts: [order], detail: '' });
    const byB = new Map(mb.map((m) => [m.name, m]));
    for (const x of ma) {
      const y = byB.get(x.name);
      if (!y) {
        findings.push({ inner: x.name, category: 'removed', code: 'only-in', facts: [{ only: 'a', what: 'ar member' }], detail: '' });
        continue;
      }
      for (const field of ['mtime', 'uid', 'gid', 'mode'] as const) {
        if (x[field] !== y[field]) wrapper.push({ field: `${x.name}: ${field}`, a: String(x[field]), b: String(y[field]) });
      }
      if (!x.data.equals(y.data)) {
        const inner = await compareContent(blobFromBuffer(x.name, x.data), blobFromBuffer(y.name, y.data), nested(ctx));
        findings.push(...within(x.name, inner));
      }
    }
    const inA = new Set(ma.map((m) => m.name));
    for (const y of mb) if (!inA.has(y.name)) findings.push({ inner: y.name, category: 'added', code: 'only-in', facts: [{ only: 'b', what: 'ar member' }], detail: '' });
    if (wrapper.length > 0) {
      findings.unshift({
        inner: '',
        category: 'compression-metadata',
        code: 'ar-header',
        facts: wrapper,
        detail: boundLines(wrapper.map((w) => ('field' in w ? `${w.field} ${w.a} vs ${w.b}` : '')), ctx),
      });
    }
    return findings;
  },
};
