// Bounded decompression: every decoded byte is charged to the run's budget, payloads above the member
// limit are hashed instead of buffered, and a bomb stops at the budget with a note (never an OOM).
import type { Fact } from '../../core/finding.js';
import { createHash } from 'node:crypto';
import { blobFromBuffer } from '../blob.js';
import { compareContent, nested, type ContentContext, type ContentFinding } from '../content.js';

export interface Payload {
  /** The decoded bytes, when they fit under ctx.limits.maxMemberBytes. */
  data?: Buffer;
  /** sha256 hex of what was decoded (complete unless `stopped`). */
  digest: string;
  size: number;
  /** Why the payload is incomplete (budget exhausted); undefined when it was decoded to the end. */
  stopped?: string;
}

/** Receives decoded bytes synchronously; `write` returns false once the budget is gone (stop decoding). */
export class BoundedSink {
  private readonly hash = createHash('sha256');
  private parts: Buffer[] = [];
  private buffering = true;
  private size = 0;
  private stopped: string | undefined;
  constructor(private readonly ctx: ContentContext) {}

  write(chunk: Uint8Array): boolean {
    if (this.stopped) return false;
    if (chunk.byteLength > this.ctx.budget.bytes) {
      this.ctx.budget.bytes = 0;
      this.stopped = `decompression budget of ${this.ctx.limits.maxTotalBytes} bytes exhausted after ${this.size} bytes of payload`;
      this.parts = [];
      return false;
    }
    this.ctx.budget.bytes -= chunk.byteLength;
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    if (this.buffering) {
      if (this.size > this.ctx.limits.maxMemberBytes) {
        this.buffering = false;
        this.parts = [];
      } else this.parts.push(Buffer.from(chunk)); // copy: decoders may reuse their output buffers
    }
    return true;
  }

  result(): Payload {
    const base = { digest: this.hash.digest('hex'), size: this.size };
    if (this.stopped) return { ...base, stopped: this.stopped };
    return this.buffering ? { ...base, data: Buffer.concat(this.parts) } : base;
  }
}

/** Drain decoded chunks under the limits. Leaving the loop early lets the source clean up (destroy/kill). */
export async function collectBounded(chunks: AsyncIterable<Uint8Array>, ctx: ContentContext): Promise<Payload> {
  const sink = new BoundedSink(ctx);
  for await (const chunk of chunks) if (!sink.write(chunk)) break;
  return sink.result();
}

/**
 * Compare two decoded payloads: recurse into them when both were buffered, else compare digests.
 * Findings are relative to the payload (inner "" is the payload itself).
 */
export async function comparePayloads(
  a: Payload,
  b: Payload,
  name: string,
  ctx: ContentContext,
): Promise<{ equal: boolean; findings: ContentFinding[] }> {
  const stopped = a.stopped ?? b.stopped;
  if (stopped) {
    return {
      equal: false,
      findings: [{ inner: '', category: 'binary', code: 'payload', facts: [{ note: 'not fully decoded' }], detail: '', warning: stopped }],
    };
  }
  if (a.data && b.data) {
    if (a.data.equals(b.data)) return { equal: true, findings: [] };
    const findings = await compareContent(blobFromBuffer(name, a.data), blobFromBuffer(name, b.data), nested(ctx));
    return { equal: findings.length === 0, findings };
  }
  if (a.digest === b.digest) return { equal: true, findings: [] };
  return {
    equal: false,
    findings: [
      {
        inner: '',
        category: 'binary',
        code: 'payload',
        facts: [{ field: 'digest', a: a.digest.slice(0, 12), b: b.digest.slice(0, 12) }, { field: 'size', a: String(a.size), b: String(b.size) }],
        detail: '',
        warning: `member larger than ${ctx.limits.maxMemberBytes} bytes: compared by digest only`,
      },
    ],
  };
}

/** The usual result of a compression wrapper: header finding when payloads are equal, payload findings else. */
export function wrapperFindings(
  code: 'gzip-header' | 'xz-header' | 'zstd-header',
  headerDiffs: Fact[],
  payload: { equal: boolean; findings: ContentFinding[] },
): ContentFinding[] {
  const header: ContentFinding = {
    inner: '',
    category: 'compression-metadata',
    code,
    facts: headerDiffs.length ? headerDiffs : [{ note: 'stream encoded differently (compression settings), payload equal' }],
    detail: headerDiffs.map((d) => ('field' in d ? `${d.field}: ${d.a} → ${d.b}` : '')).join('\n'),
  };
  if (payload.equal) return [header];
  return headerDiffs.length ? [header, ...payload.findings] : payload.findings;
}
