// Progress for long work (builds, comparing big images) on stderr. On a TTY: one line redrawn in place
// (phase, entries, bytes, elapsed), throttled so a fast loop does not spend its time writing escapes.
// Not a TTY (CI logs, pipes): one plain line per phase and no redraws, which would be noise in a log.
// --quiet: nothing. Colour follows NO_COLOR / FORCE_COLOR through src/report/style.ts.
import { Chalk } from 'chalk';
import { useColor } from './style.js';

export interface ProgressCounts {
  /** Entries done so far in the current phase (a running total, not an increment). */
  entries?: number;
  /** Bytes done so far in the current phase (a running total). */
  bytes?: number;
}

export interface Progress {
  /** Start a phase ("building A", "comparing layer 2"); ends the previous one. */
  phase(name: string): void;
  update(counts: ProgressCounts): void;
  /** End the last phase and leave the terminal on a fresh line. */
  done(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Minimum milliseconds between redraws on a TTY (default 100). */
  interval?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

const SILENT: Progress = { phase() {}, update() {}, done() {} };

export function createProgress(opts: ProgressOptions = {}): Progress {
  if (opts.quiet) return SILENT;
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const color = new Chalk({ level: useColor(stream as NodeJS.WriteStream) ? 1 : 0 });
  if (!stream.isTTY) {
    return {
      phase(name) {
        stream.write(`repro: ${name}\n`);
      },
      update() {},
      done() {},
    };
  }
  const interval = opts.interval ?? 100;
  let name: string | undefined;
  let entries = 0;
  let bytes = 0;
  let started = 0;
  let lastDraw = -Infinity;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;

  const line = (mark: string, paint: (s: string) => string): string => {
    const stats = [`${entries.toLocaleString('en-US')} entries`, formatBytes(bytes), formatElapsed(now() - started)].join(' · ');
    const text = `${name ?? ''}  ${stats}`;
    // a pty without a size reports 0 columns; cut before colouring so escapes never count as width
    const width = (stream.columns || 80) - 3;
    const cut = text.length > width ? text.slice(0, Math.max(width - 1, 1)) + '…' : text;
    const at = cut.indexOf('  ');
    const body = at < 0 ? color.bold(cut) : color.bold(cut.slice(0, at)) + color.dim(cut.slice(at));
    return `${paint(mark)} ${body}`;
  };
  const draw = (): void => {
    if (name === undefined) return;
    lastDraw = now();
    frame = (frame + 1) % FRAMES.length;
    stream.write(`\r\x1b[2K${line(FRAMES[frame]!, color.cyan)}`);
  };
  const finish = (): void => {
    if (name === undefined) return;
    stream.write(`\r\x1b[2K${line('✓', color.green)}\n`);
    name = undefined;
  };
  const stopTimer = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return {
    phase(next) {
      finish();
      name = next;
      entries = 0;
      bytes = 0;
      started = now();
      draw();
      // keep the elapsed time moving while a slow step reports nothing; unref so it never holds the process
      if (!timer) {
        timer = setInterval(draw, Math.max(interval, 250));
        timer.unref();
      }
    },
    update(counts) {
      if (counts.entries !== undefined) entries = counts.entries;
      if (counts.bytes !== undefined) bytes = counts.bytes;
      if (now() - lastDraw >= interval) draw();
    },
    done() {
      stopTimer();
      finish();
    },
  };
}

/** What the comparison engine reports while scanning (src/compare/side-scan.ts ScanProgress). */
export interface ScanCounts {
  side: 0 | 1;
  layer: number;
  entries: number;
  bytes: number;
}

/** Adapter for `compareInputs(a, b, { onProgress })`: one phase per side and layer. */
export function scanProgress(progress: Progress): (p: ScanCounts) => void {
  let current = '';
  return (p) => {
    const name = `reading ${p.side === 0 ? 'A' : 'B'}, layer ${p.layer}`;
    if (name !== current) {
      current = name;
      progress.phase(name);
    }
    progress.update({ entries: p.entries, bytes: p.bytes });
  };
}

/** What the builder reports (src/build/options.ts ProgressEvent), read structurally. */
export interface BuildEventLike {
  kind: string;
  phase?: string;
  index?: number;
  total?: number;
  entries?: number;
  size?: number;
}

/** Adapter for `buildManifest(..., { onProgress })`: one phase per build phase, its layer's size when done. */
export function buildProgress(progress: Progress, label = 'building'): (e: BuildEventLike) => void {
  return (e) => {
    if (e.kind === 'phase-start') {
      const of = e.total !== undefined && e.index !== undefined ? ` (${e.index + 1}/${e.total})` : '';
      progress.phase(`${label}: ${e.phase ?? ''}${of}`);
    } else if (e.kind === 'phase-done') {
      const counts: ProgressCounts = {};
      if (e.entries !== undefined) counts.entries = e.entries;
      if (e.size !== undefined) counts.bytes = e.size;
      progress.update(counts);
    }
  };
}
