// What the installed buildah offers against a Containerfile check's differences (src/check/buildah-offers.ts
// makes the data), in words: the one place the terminal, Markdown and HTML views take them from.

export interface BuildahOffer {
  /** timestamp: builder.timestamp / --timestamp; source-date-epoch: the build argument; the others: newer buildah options. */
  name: 'timestamp' | 'source-date-epoch' | 'buildah --source-date-epoch' | 'buildah --rewrite-timestamp';
  state: 'on' | 'offered' | 'unsupported';
  /** Findings of this check it removes, per category (offered, and countable from the findings). */
  removes?: { mtime: number; 'image-metadata': number };
}

export interface BuildahReport {
  version: string;
  epoch: number;
  offers: BuildahOffer[];
  /** Variations given through `--env` that some RUN steps do not get, and the Containerfile lines of those. */
  envMissed?: { variations: string[]; lines: number[] };
}

export interface BuildahLine {
  text: string;
  /** warn: something the check could not do; dim: an option this buildah lacks. */
  tone: 'plain' | 'warn' | 'dim';
}

/** A report's `buildah` key when it has the shape check writes (a report read back may come from elsewhere). */
export function asBuildahReport(v: unknown): BuildahReport | undefined {
  const b = v as Partial<BuildahReport> | undefined;
  return b && typeof b === 'object' && typeof b.version === 'string' && typeof b.epoch === 'number' && Array.isArray(b.offers) ? (b as BuildahReport) : undefined;
}

/** One line per offer worth saying, then the RUN steps the --env variations missed. */
export function buildahTexts(b: BuildahReport): BuildahLine[] {
  const out: BuildahLine[] = [];
  for (const o of b.offers) {
    if (o.name === 'timestamp' && o.state === 'on') out.push({ text: `builder.timestamp: on (--timestamp ${b.epoch}): file times and created times are the epoch`, tone: 'plain' });
    else if (o.name === 'timestamp' && o.state === 'offered') {
      const mtime = o.removes?.mtime ?? 0;
      const created = o.removes?.['image-metadata'] ?? 0;
      if (mtime + created) out.push({ text: `builder.timestamp: true (--timestamp ${b.epoch}) sets every file time and created time to the epoch: would remove ${mtime + created} of these findings (${mtime} mtime, ${created} image-metadata created times)`, tone: 'plain' });
    } else if (o.name === 'source-date-epoch' && o.state === 'on') out.push({ text: `ARG SOURCE_DATE_EPOCH: RUN steps get SOURCE_DATE_EPOCH=${b.epoch} (build argument)`, tone: 'plain' });
    else if (o.name === 'source-date-epoch') out.push({ text: 'declare ARG SOURCE_DATE_EPOCH in the Containerfile: RUN steps then get the epoch; it removes the times of tools that honour it (check again to see which)', tone: 'plain' });
    else if (o.state === 'unsupported') out.push({ text: `${o.name}: not in this buildah`, tone: 'dim' });
  }
  const missed = b.envMissed;
  if (missed) {
    const where = missed.lines.map((l) => `Containerfile:${l}`).join(', ');
    out.push({ text: `--env reaches a RUN step only after the stage's first committed step: ${where} (first after FROM) ran without the ${missed.variations.join(', ')} variation(s); an instruction before it (ARG, LABEL) lets them reach it`, tone: 'warn' });
  }
  return out;
}
