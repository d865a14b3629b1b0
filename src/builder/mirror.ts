// `mirror: auto`: the Debian mirror comes from the host's own apt sources, so nothing is hard-wired and a
// build uses whatever mirror (or proxy, or snapshot) the machine is already set up for.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ReproError } from '../core/errors.js';

interface Source {
  uris: string[];
  suites: string[];
  types: string[];
}

/** One-line format: `deb [options] URI SUITE COMPONENT...`. */
export function parseOneLine(text: string): Source[] {
  const out: Source[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const withoutOptions = line.replace(/\[[^\]]*\]/, ' ');
    const [type, uri, suite] = withoutOptions.split(/\s+/);
    if (!type || !uri || !suite) continue;
    out.push({ types: [type], uris: [uri], suites: [suite] });
  }
  return out;
}

/** deb822 format (`*.sources`): paragraphs of `Field: value`, continuation lines start with a space. */
export function parseDeb822(text: string): Source[] {
  const out: Source[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of para.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) {
        last = m[1]!.toLowerCase();
        fields[last] = m[2]!;
      } else if (/^\s/.test(line) && last) fields[last] += ' ' + line.trim();
    }
    if (fields.enabled?.trim() === 'no') continue;
    const list = (k: string): string[] => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    if (list('uris').length) out.push({ types: list('types'), uris: list('uris'), suites: list('suites') });
  }
  return out;
}

/** Every `deb` source of the host, in apt's reading order (sources.list first, then sources.list.d sorted). */
export async function hostSources(etcApt = '/etc/apt'): Promise<Source[]> {
  const sources: Source[] = [];
  const main = await readFile(join(etcApt, 'sources.list'), 'utf8').catch(() => '');
  sources.push(...parseOneLine(main));
  const names = (await readdir(join(etcApt, 'sources.list.d')).catch(() => [] as string[])).sort();
  for (const name of names) {
    const path = join(etcApt, 'sources.list.d', name);
    if (name.endsWith('.list')) sources.push(...parseOneLine(await readFile(path, 'utf8')));
    else if (name.endsWith('.sources')) sources.push(...parseDeb822(await readFile(path, 'utf8')));
  }
  return sources.filter((s) => s.types.includes('deb'));
}

/** The mirror to bootstrap `suite` from: the first host source carrying that suite. */
export async function resolveMirror(mirror: string, suite: string, etcApt = '/etc/apt'): Promise<string> {
  if (mirror !== 'auto') return mirror;
  for (const s of await hostSources(etcApt)) {
    if (s.suites.includes(suite) && s.uris[0]) return s.uris[0];
  }
  throw new ReproError(
    `mirror: auto found no apt source for suite "${suite}" in ${etcApt}/sources.list{,.d}; set base.*.mirror in the manifest`,
    'manifest',
  );
}
