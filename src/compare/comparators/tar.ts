// tar members inside a file (a .tar.gz payload, a .deb's data.tar): compared as entries (metadata via
// compareEntryMeta) plus content (recursing), with member order and added/removed members reported.
import type { Entry } from '../../core/entry.js';
import { entryFromHeader } from '../../image/tar-entry.js';
import { parseTar } from '../../image/tar-parse.js';
import { blobFromBuffer } from '../blob.js';
import { compareContent, nested, type Comparator, type ContentContext, type ContentFinding } from '../content.js';
import { compareEntryMeta } from '../entry-meta.js';
import { nameOrderingFact } from '../../classify/index.js';
import { listSome } from './shared.js';
import type { ContentBlob } from '../blob.js';
import { isTarHeader } from '../../image/tar-index.js';

interface Member {
  entry: Entry;
  data: Buffer;
}

export async function readTarMembers(blob: ContentBlob): Promise<Member[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of blob.stream()) chunks.push(chunk as Buffer);
  return parseTar(chunks).map((m) => ({ entry: entryFromHeader(m.header, { whiteouts: false }), data: m.data }));
}

export async function compareMemberLists(
  ma: Member[],
  mb: Member[],
  ctx: ContentContext,
): Promise<ContentFinding[]> {
  const findings: ContentFinding[] = [];
  const byA = new Map(ma.map((m) => [m.entry.path, m]));
  const byB = new Map(mb.map((m) => [m.entry.path, m]));
  const order = nameOrderingFact([...byA.keys()], [...byB.keys()], 'members');
  if (order) findings.push({ inner: '', category: 'ordering', code: 'member-order', facts: [order], detail: orderDetail([...byA.keys()], [...byB.keys()]) });
  for (const [path, a] of byA) {
    const b = byB.get(path);
    if (!b) {
      findings.push({ inner: path, category: 'removed', code: 'only-in', facts: [{ only: 'a', what: a.entry.type }], detail: '' });
      continue;
    }
    for (const d of compareEntryMeta(a.entry, b.entry)) findings.push({ inner: path, ...d, code: 'member-fields' });
    if (a.entry.type === 'file' && b.entry.type === 'file' && !a.data.equals(b.data)) {
      const inner = await compareContent(blobFromBuffer(path, a.data), blobFromBuffer(path, b.data), nested(ctx));
      findings.push(...inner.map((f) => ({ ...f, inner: f.inner ? `${path}/${f.inner}` : path })));
    }
  }
  for (const [path, b] of byB) {
    if (!byA.has(path)) findings.push({ inner: path, category: 'added', code: 'only-in', facts: [{ only: 'b', what: b.entry.type }], detail: '' });
  }
  return findings;
}

function orderDetail(a: string[], b: string[]): string {
  const moved = a.filter((p, i) => p !== b[i]);
  return `members at other positions: ${listSome(moved, 10)}`;
}

export const tarComparator: Comparator = {
  name: 'tar',
  recognizes: (head) => isTarHeader(head),
  async compare(a, b, ctx) {
    return compareMemberLists(await readTarMembers(a), await readTarMembers(b), ctx);
  },
};
