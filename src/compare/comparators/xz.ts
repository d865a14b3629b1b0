// xz (.xz file format §2.1.1): the stream header holds the integrity check type; block headers hold filter
// settings. There is no pure-JS decoder here, so the `xz` binary decodes (via execa, streamed, output capped
// by the budget); when it is missing the comparator throws and the engine falls back to bytes.
import type { Fact } from '../../core/finding.js';
import type { ContentBlob } from '../blob.js';
import type { Comparator, ContentContext } from '../content.js';
import { BoundedSink, comparePayloads, wrapperFindings, type Payload } from './budget-decompress.js';
import { startsWith } from './sniff.js';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const CHECKS: Record<number, string> = { 0: 'none', 1: 'CRC32', 4: 'CRC64', 10: 'SHA-256' };

function checkType(buf: Buffer): string {
  const id = (buf[7] ?? 0) & 0x0f;
  return CHECKS[id] ?? `check ${id}`;
}

async function unxz(blob: ContentBlob, ctx: ContentContext): Promise<Payload> {
  const { execa } = await import('execa'); // loaded on first use: it costs start-up time
  const proc = execa('xz', ['--decompress', '--stdout', '--quiet'], {
    stdin: 'pipe',
    buffer: { stdout: false, stderr: true },
    reject: false,
  });
  const input = blob.stream();
  input.on('error', () => proc.kill());
  proc.stdin.on('error', () => undefined); // EPIPE when we stop reading early
  input.pipe(proc.stdin);
  const sink = new BoundedSink(ctx);
  let stoppedEarly = false;
  for await (const chunk of proc.stdout) {
    if (!sink.write(chunk as Buffer)) {
      stoppedEarly = true;
      proc.kill();
      input.destroy();
      break;
    }
  }
  const result = await proc;
  if (!stoppedEarly && result.failed) {
    // shortMessage covers both a missing binary (ENOENT) and a corrupt stream (exit code + stderr).
    throw new Error(`${(result.shortMessage ?? 'xz failed').split('\n')[0]} ${String(result.stderr ?? '').trim()}`.trim());
  }
  return sink.result();
}

export const xzComparator: Comparator = {
  name: 'xz',
  recognizes: (head) => startsWith(head, MAGIC),
  async compare(a, b, ctx) {
    const [ba, bb] = [await a.bytes(), await b.bytes()];
    const diffs: Fact[] = [];
    if (checkType(ba) !== checkType(bb)) diffs.push({ field: 'check', a: String(checkType(ba)), b: String(checkType(bb)) });
    const pa = await unxz(a, ctx);
    const pb = await unxz(b, ctx);
    const payload = await comparePayloads(pa, pb, a.name.replace(/\.xz$/, ''), ctx);
    return wrapperFindings('xz-header', diffs, payload);
  },
};
