// The comparison's default limits, in a module of their own: the CLI shows them in --help without loading
// the engine (start-up time is part of every `repro diff`).

export interface ContentLimits {
  /** Nesting depth of containers (gzip in tar in deb...) before comparing bytes only. */
  maxDepth: number;
  /** Lines of detail per finding before "... N more lines". */
  maxDiffLines: number;
  /** Larger members (or decompressed payloads) are compared by streamed digest, never buffered. */
  maxMemberBytes: number;
  /** Decompressed bytes allowed over one whole comparison (a gzip bomb stops here). */
  maxTotalBytes: number;
}

export const DEFAULT_LIMITS: ContentLimits = {
  maxDepth: 8,
  maxDiffLines: 200,
  // A member's payload is held in memory to compare it (both sides): 64 MiB keeps a decompression bomb,
  // or two big differing binaries, inside the 300 MB peak-memory budget; larger ones are compared by digest.
  maxMemberBytes: 64 * 1024 * 1024,
  // Nested decompression over the whole comparison (layers have their own limit): a bomb costs seconds.
  maxTotalBytes: 1024 * 1024 * 1024,
};

/** ~1.7 KiB of memory per entry at peak (a million: 1.8 GB); real images hold tens of thousands. */
export const DEFAULT_MAX_ENTRIES = 500_000;
