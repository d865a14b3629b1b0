// zip/jar: member order → ordering; DOS times, extended-timestamp and other extra fields, flags and
// compression settings with equal payloads → compression-metadata (one finding for the archive, listing the
// members); unix mode bits → metadata; payload differences recurse into the member.
import { nameOrderingFact } from '../../classify/index.js';
import { blobFromBuffer } from '../blob.js';
import { compareContent, nested, within, type Comparator, type ContentContext, type ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { startsWith } from './sniff.js';
import { dosDateTime, extraFields, memberData, readZip, type ZipMember } from './zip-format.js';

function mapDiffs(where: string, a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) out.push(`${where} ${k} ${a.get(k) ?? '(none)'} vs ${b.get(k) ?? '(none)'}`);
  }
  return out;
}

/** Wrapper differences of one member (everything but the payload and the unix mode). */
function wrapperDiffs(a: ZipMember, b: ZipMember): string[] {
  const out: string[] = [];
  const ta = dosDateTime(a.dosDate, a.dosTime);
  const tb = dosDateTime(b.dosDate, b.dosTime);
  if (ta !== tb) out.push(`DOS time ${ta} vs ${tb}`);
  out.push(...mapDiffs('extra', extraFields(a.centralExtra), extraFields(b.centralExtra)));
  out.push(...mapDiffs('local extra', extraFields(a.localExtra), extraFields(b.localExtra)));
  if (a.method !== b.method) out.push(`method ${a.method} vs ${b.method}`);
  if (a.flags !== b.flags) out.push(`flags 0x${a.flags.toString(16)} vs 0x${b.flags.toString(16)}`);
  if (a.madeBy !== b.madeBy) out.push(`made by 0x${a.madeBy.toString(16)} vs 0x${b.madeBy.toString(16)}`);
  if (a.comment !== b.comment) out.push(`comment ${JSON.stringify(a.comment)} vs ${JSON.stringify(b.comment)}`);
  return out;
}

async function comparePayload(a: ZipMember, b: ZipMember, ctx: ContentContext): Promise<{ recoded: boolean; findings: ContentFinding[] }> {
  if (a.method === b.method && a.compressed.equals(b.compressed)) return { recoded: false, findings: [] };
  const da = memberData(a, ctx);
  const db = memberData(b, ctx);
  if (da.equals(db)) return { recoded: true, findings: [] };
  return { recoded: false, findings: within(a.name, await compareContent(blobFromBuffer(a.name, da), blobFromBuffer(b.name, db), nested(ctx))) };
}

export const zipComparator: Comparator = {
  name: 'zip',
  recognizes: (head) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]),
  async compare(a, b, ctx) {
    const za = readZip(await a.bytes());
    const zb = readZip(await b.bytes());
    const findings: ContentFinding[] = [];
    const wrapper: string[] = [];
    const names = (z: typeof za): string[] => z.members.map((m) => m.name);
    const order = nameOrderingFact(names(za), names(zb), 'zip entries');
    if (order) findings.push({ inner: '', category: 'ordering', code: 'member-order', facts: [order], detail: '' });
    if (za.comment !== zb.comment) wrapper.push(`archive comment ${JSON.stringify(za.comment)} vs ${JSON.stringify(zb.comment)}`);
    const byB = new Map(zb.members.map((m) => [m.name, m]));
    const inA = new Set(names(za));
    for (const ma of za.members) {
      const mb = byB.get(ma.name);
      if (!mb) {
        findings.push({ inner: ma.name, category: 'removed', code: 'only-in', facts: [{ only: 'a', what: 'zip entry' }], detail: '' });
        continue;
      }
      const diffs = wrapperDiffs(ma, mb);
      const modeA = (ma.externalAttr >>> 16) & 0o7777;
      const modeB = (mb.externalAttr >>> 16) & 0o7777;
      if (modeA !== modeB) {
        findings.push({ inner: ma.name, category: 'metadata', code: 'member-fields', facts: [{ field: 'mode', a: `0${modeA.toString(8)}`, b: `0${modeB.toString(8)}` }], detail: '' });
      }
      const payload = await comparePayload(ma, mb, ctx);
      if (payload.recoded) diffs.push('payload compressed differently, content equal');
      findings.push(...payload.findings);
      wrapper.push(...diffs.map((d) => `${ma.name}: ${d}`));
    }
    for (const mb of zb.members) {
      if (!inA.has(mb.name)) findings.push({ inner: mb.name, category: 'added', code: 'only-in', facts: [{ only: 'b', what: 'zip entry' }], detail: '' });
    }
    if (wrapper.length > 0) {
      findings.unshift({
        inner: '',
        category: 'compression-metadata',
        code: 'zip-metadata',
        facts: wrapper.map((note) => ({ note })),
        detail: boundLines(wrapper, ctx),
      });
    }
    return findings;
  },
};
