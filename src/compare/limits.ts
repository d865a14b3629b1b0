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

/** Entries cost ~250 bytes each in the index, on disk above REPRO_INDEX_SPILL_ENTRIES (entry-index.ts), not
 * memory: ten million is 2.5 GB of temp space per side, and a tar of empty files that large is a bomb. */
export const DEFAULT_MAX_ENTRIES = 10_000_000;
