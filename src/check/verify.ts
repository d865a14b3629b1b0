// `repro verify MANIFEST --against REF`: independent rebuild verification (the rebuilderd / `guix challenge`
// idea, for images). Rebuild the manifest once and compare the result with the published image. With
// rules, the published image is rewritten through the same rules (manifest's `normalize:` plus --rules) and
// compared again: what that second comparison no longer shows is what the rules explain.
import { join } from 'node:path';
import { buildManifest, loadManifest, type BuildOptions } from '../builder/index.js';
import { ruleFileRef } from '../builder/rule-ref.js';
import { compareInputs, type CompareOptions } from '../compare/engine.js';
import type { Finding, Report } from '../core/finding.js';
import { tempDir } from '../core/temp.js';
import { loadRules } from '../rules/load.js';
import { normalizeImage } from '../rules/normalize-image.js';
import type { RuleSet } from '../rules/types.js';
import type { Compression } from '../core/image.js';

export interface VerifyOptions {
  /** Rule files added to the manifest's own, for the rebuild and the published image alike. */
  rules: string[];
  compare: CompareOptions;
  build: Pick<BuildOptions, 'onProgress' | 'warn' | 'onOutput' | 'cacheDir' | 'workDir'>;
}

export interface VerifySection {
  manifest: string;
  against: string;
  rebuiltDigest: string;
  /** The published image's manifest digest, as its source serves it. */
  publishedDigest: string | undefined;
  /** The rebuild is the published image, byte for byte (same manifest digest). */
  bitIdentical: boolean;
  /** The rule files applied to both sides (the manifest's normalize list, then --rules). */
  rules: string[];
  /** The published image was rewritten through `rules` before the report's comparison. */
  normalizedPublished: boolean;
  /** Findings of the raw comparison that the normalized comparison no longer has: what the rules explain. */
  explained: Finding[];
}

export interface VerifyResult {
  /** The comparison that decides: the raw one, or with rules the one against the normalized published image. */
  report: Report;
  verify: VerifySection;
}

/** What one difference is, independent of the report it is in. */
function key(f: Finding): string {
  return JSON.stringify([f.path, f.inner ?? '', f.layer ?? -1, f.category, f.code]);
}

/** `image` rewritten through `rules` into the verify work dir (format and compression of the manifest). */
async function normalized(image: string, out: string, rules: RuleSet, epoch: number, compression: Compression, opts: VerifyOptions): Promise<string> {
  await normalizeImage(image, rules, {
    epoch,
    format: 'oci',
    out,
    compression,
    ...(opts.compare.platform ? { platform: opts.compare.platform } : {}),
    ...(opts.compare.fetch ? { fetch: opts.compare.fetch } : {}),
    ...(opts.build.warn ? { warn: opts.build.warn } : {}),
  });
  return out;
}

export async function verifyManifest(manifestPath: string, against: string, opts: VerifyOptions): Promise<VerifyResult> {
  const manifest = await loadManifest(manifestPath);
  const work = await tempDir('verify-');
  // one rebuild, with the manifest's own rules as any build of it: that is what the publisher claims to have run
  // the base image may live in the same registry as the published one
  const built = await buildManifest(manifestPath, { ...opts.build, ...(opts.compare.fetch ? { fetch: opts.compare.fetch } : {}), out: join(work, 'rebuilt.tar'), format: 'oci' });
  const raw = await compareInputs(built.out, against, opts.compare);
  const publishedDigest = raw.inputs[1]?.digest;
  const rules = [...manifest.normalize, ...opts.rules.map((f) => ruleFileRef(f, process.cwd()))];
  // as the user wrote them (the manifest's are already resolved against its directory)
  const section: VerifySection = {
    manifest: manifestPath,
    against,
    rebuiltDigest: built.manifestDigest,
    publishedDigest,
    bitIdentical: publishedDigest === built.manifestDigest,
    rules: [...manifest.normalize, ...opts.rules],
    normalizedPublished: false,
    explained: [],
  };
  const named = (r: Report, suffix = ''): Report['inputs'] => r.inputs.map((i, n) => ({ ...i, path: (n === 0 ? `rebuild of ${manifestPath}` : against) + suffix }));
  // Without --rules the verdict is the raw comparison.
  if (raw.identical || opts.rules.length === 0) return { report: { ...raw, inputs: named(raw), verify: section }, verify: section };
  // With --rules both sides go through the same rules (the manifest's again, idempotent, then the given
  // ones), so the rebuild is not favoured: the two results are compared as any two images.
  const ruleSet = await loadRules(rules);
  const compression = manifest.output.compression;
  const [a, b] = await Promise.all([
    normalized(built.out, join(work, 'rebuilt-normalized.tar'), ruleSet, built.epoch, compression, opts),
    normalized(against, join(work, 'published-normalized.tar'), ruleSet, built.epoch, compression, opts),
  ]);
  const after = await compareInputs(a, b, opts.compare);
  const remaining = new Set<string>();
  for (const f of after.findings) remaining.add(key(f));
  section.normalizedPublished = true;
  for (const f of raw.findings) if (!remaining.has(key(f))) section.explained.push(f);
  return { report: { ...after, inputs: named(after, ' (normalized by the rules)'), verify: section }, verify: section };
}
