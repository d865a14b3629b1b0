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

/** The text whole, or in pieces to be written as they come (the JSON and HTML reports of 100k+ findings). */
export type Renderer = (report: Report, opts: RenderOptions) => string | Iterable<string>;

/** Each renderer is loaded when asked for: the HTML one alone costs more start-up than the whole diff needs. */
export const RENDERERS: Record<string, () => Promise<Renderer>> = {
  terminal: async () => (await import('./terminal.js')).renderTerminal,
  json: async () => {
    const { jsonChunks } = await import('./json.js');
    return (report) => jsonChunks(report);
  },
  html: async () => {
    const { htmlChunks } = await import('./html.js');
    return (report) => htmlChunks(report);
  },
  markdown: async () => {
    const { renderMarkdown } = await import('./markdown.js');
    return (report) => renderMarkdown(report);
  },
};

export async function render(name: string, report: Report, opts: RenderOptions = {}): Promise<string> {
  const load = RENDERERS[name];
  if (!load) throw new Error(`no renderer named ${name}`);
  const text = (await load())(report, opts);
  return typeof text === 'string' ? text : [...text].join('');
}

/** Render and write to `dest`: "-" is stdout, anything else a file that appears whole or not at all. */
export async function writeRendered(name: string, report: Report, dest: string, opts: RenderOptions = {}): Promise<void> {
  const load = RENDERERS[name];
  if (!load) throw new Error(`no renderer named ${name}`);
  await writeOutput(dest, (await load())(report, opts));
}
