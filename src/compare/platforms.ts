// --all-platforms: two multi-platform indexes compared platform by platform. Platforms are paired by
// name (os/arch[/variant]); each pair is one ordinary comparison whose findings carry the platform, and a
// platform only one side has is a finding of its own (added or removed).
import { ReproError } from '../core/errors.js';
import type { Finding, Report, ReportInput } from '../core/finding.js';
import { Findings } from '../core/findings.js';
import { buildReport } from '../core/report.js';
import { imagePlatforms } from '../image/open.js';
import { compareInputs, type CompareOptions } from './engine.js';

/** The platforms of one side; an input that is a single image cannot be paired by platform. */
async function platformsOf(input: string, opts: CompareOptions, warnings: string[]): Promise<string[]> {
  const all = await imagePlatforms(input, opts.fetch ? { fetch: opts.fetch } : {});
  if (!all.some((p) => p !== 'unspecified')) throw new ReproError('--all-platforms: not a multi-platform index (compare it without --all-platforms)', input);
  const named = all.filter((p) => p !== 'unspecified');
  if (named.length < all.length) warnings.push(`${input}: ${all.length - named.length} index entries without a platform are not compared`);
  const seen = new Set<string>();
  for (const p of named) {
    if (seen.has(p)) throw new ReproError(`--all-platforms: the index lists ${p} twice: cannot pair by platform`, input);
    seen.add(p);
  }
  return named;
}

function onlyIn(side: 'a' | 'b', platform: string): Finding {
  return {
    path: '',
    platform,
    category: side === 'a' ? 'removed' : 'added',
    code: 'only-in',
    facts: [{ only: side, what: `platform ${platform}` }],
    detail: '',
  };
}

export async function compareAllPlatforms(a: string, b: string, opts: CompareOptions = {}): Promise<Report> {
  // one copy of each reference with every platform in it, opened once per platform
  // the indexes themselves are not compared field by field per platform: the pairing is their comparison
  const each: CompareOptions = { ...opts, fetch: { ...opts.fetch, allPlatforms: true }, compareIndex: false };
  const warnings: string[] = [];
  const [pa, pb] = await Promise.all([platformsOf(a, each, warnings), platformsOf(b, each, warnings)]);
  // a store, not an array: each platform may bring 100,000+ findings (core/findings.ts spills them)
  const findings = new Findings();
  let inputs: ReportInput[] = [{ path: a, kind: 'index' }, { path: b, kind: 'index' }];
  for (const platform of [...pa, ...pb.filter((p) => !pa.includes(p))]) {
    if (!pb.includes(platform)) findings.add(onlyIn('a', platform));
    else if (!pa.includes(platform)) findings.add(onlyIn('b', platform));
    else {
      const r = await compareInputs(a, b, { ...each, platform });
      inputs = r.inputs.map((i) => ({ path: i.path, kind: i.kind }));
      for (const f of r.findings) findings.add({ ...f, platform });
      warnings.push(...r.warnings.map((w) => `${platform}: ${w}`));
    }
  }
  return buildReport({ inputs, findings, ignored: opts.ignore ?? [], warnings });
}
