// Renderers in a name → function record (knip's reporters/index.ts): a command picks one by name and
// `writeRendered` puts its output where the user asked ("-" = stdout), atomically for files.
import { writeFileAtomic } from '../core/atomic.js';
import type { Report } from '../core/finding.js';
import { renderJson } from './json.js';
import { renderTerminal } from './terminal.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

export interface RenderOptions {
  /** Detail lines per finding in views meant for reading (0 = all). */
  maxDiffLines?: number;
}

export type Renderer = (report: Report, opts: RenderOptions) => string;

export const RENDERERS: Record<string, Renderer> = {
  terminal: (report, opts) => renderTerminal(report, opts),
  json: (report) => renderJson(report),
  html: (report) => renderHtml(report),
  markdown: (report) => renderMarkdown(report),
};

export function render(name: string, report: Report, opts: RenderOptions = {}): string {
  const renderer = RENDERERS[name];
  if (!renderer) throw new Error(`no renderer named ${name}`);
  return renderer(report, opts);
}

/** Render and write to `dest`: "-" is stdout, anything else a file that appears whole or not at all. */
export async function writeRendered(name: string, report: Report, dest: string, opts: RenderOptions = {}): Promise<void> {
  const text = render(name, report, opts);
  if (dest === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  await writeFileAtomic(dest, text);
}
