// Renderers in a name → function record: a command picks one by name and
// `writeRendered` puts its output where the user asked ("-" = stdout), atomically for files.
import { writeOutput } from '../core/atomic.js';
import type { Report } from '../core/finding.js';

export interface RenderOptions {
  /** Detail lines per finding in views meant for reading (0 = all). */
  maxDiffLines?: number;
  /** The terminal view lists every finding (mtime-only ones are otherwise summarised per directory). */
  verbose?: boolean;
}

export type Renderer = (report: Report, opts: RenderOptions) => string;

/** Each renderer is loaded when asked for: the HTML one alone costs more start-up than the whole diff needs. */
export const RENDERERS: Record<string, () => Promise<Renderer>> = {
  terminal: async () => (await import('./terminal.js')).renderTerminal,
  json: async () => {
    const { renderJson } = await import('./json.js');
    return (report) => renderJson(report);
  },
  html: async () => {
    const { renderHtml } = await import('./html.js');
    return (report) => renderHtml(report);
  },
  markdown: async () => {
    const { renderMarkdown } = await import('./markdown.js');
    return (report) => renderMarkdown(report);
  },
};

export async function render(name: string, report: Report, opts: RenderOptions = {}): Promise<string> {
  const load = RENDERERS[name];
  if (!load) throw new Error(`no renderer named ${name}`);
  return (await load())(report, opts);
}

/** Render and write to `dest`: "-" is stdout, anything else a file that appears whole or not at all. */
export async function writeRendered(name: string, report: Report, dest: string, opts: RenderOptions = {}): Promise<void> {
  await writeOutput(dest, await render(name, report, opts));
}
