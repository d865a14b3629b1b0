// What buildah itself offers against the differences a Containerfile check found, as data for the report
// (the words are in src/report/buildah-text.ts): `--timestamp EPOCH` (manifest `builder.timestamp: true`) sets every file
// time committed to the layers and the created times of config and history to the epoch, so it removes
// exactly the mtime-only findings and the created-time image-metadata findings of this check (the test
// test/cli/check-containerfile.test.ts builds with and without it and compares). SOURCE_DATE_EPOCH reaches
// RUN steps as a build argument only where the Containerfile declares `ARG SOURCE_DATE_EPOCH` (buildah 1.28
// has no predefined one); which times it removes depends on the tools honouring it, so it is not counted.
// The variations buildah gets as --env miss a RUN that comes first after its FROM (runsBeforeEnv): said too.
import { readFile } from 'node:fs/promises';
import { buildahFeatures, declaresEpochArg, runsBeforeEnv } from '../builder/containerfile.js';
import type { ContainerfileBuilder } from '../builder/manifest-types.js';
import type { Finding } from '../core/finding.js';
import type { BuildahOffer, BuildahReport } from '../report/buildah-text.js';

export type { BuildahReport };

/** The variations buildah gets as `--env` (src/builder/containerfile.ts). */
const THROUGH_ENV = ['time', 'timezone', 'locale', 'environment', 'home'];

const createdField = (f: Finding): boolean => f.facts.some((x) => 'field' in x && /(^|\.)created$/.test(x.field));

export async function buildahOffers(b: ContainerfileBuilder, epoch: number, findings: Iterable<Finding>, applied: string[]): Promise<BuildahReport | undefined> {
  const features = await buildahFeatures();
  if (!features) return undefined;
  const offers: BuildahOffer[] = [];
  if (features.timestamp) {
    if (b.timestamp) offers.push({ name: 'timestamp', state: 'on' });
    else {
      const removes = { mtime: 0, 'image-metadata': 0 };
      for (const f of findings) {
        if (f.category === 'mtime') removes.mtime++;
        else if (f.category === 'image-metadata' && createdField(f)) removes['image-metadata']++;
      }
      offers.push({ name: 'timestamp', state: 'offered', removes });
    }
  } else offers.push({ name: 'timestamp', state: 'unsupported' });
  const text = await readFile(b.containerfile, 'utf8').catch(() => '');
  const declared = declaresEpochArg(text);
  offers.push({ name: 'source-date-epoch', state: declared ? 'on' : 'offered' });
  if (!features.sourceDateEpoch) offers.push({ name: 'buildah --source-date-epoch', state: 'unsupported' });
  if (!features.rewriteTimestamp) offers.push({ name: 'buildah --rewrite-timestamp', state: 'unsupported' });
  const variations = applied.filter((v) => THROUGH_ENV.includes(v));
  const lines = runsBeforeEnv(text);
  return { version: features.version, epoch, offers, ...(variations.length && lines.length ? { envMissed: { variations, lines } } : {}) };
}
