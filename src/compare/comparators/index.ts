// The comparator registry: first one that recognises BOTH sides wins (diffoscope's order: specific
// magic numbers first, then containers, structured text, plain text, and the hexdump last).
import type { Comparator } from '../content.js';
import { arDebComparator } from './ar-deb.js';
import { binaryComparator } from './binary.js';
import { elfComparator } from './elf.js';
import { gzipComparator } from './gzip.js';
import { jsonComparator } from './json.js';
import { pngComparator } from './png.js';
import { tarComparator } from './tar.js';
import { textComparator } from './text.js';
import { xzComparator } from './xz.js';
import { zipComparator } from './zip.js';
import { zstdComparator } from './zstd.js';

export const COMPARATORS: Comparator[] = [
  elfComparator,
  pngComparator,
  zipComparator,
  arDebComparator,
  gzipComparator,
  zstdComparator,
  xzComparator,
  tarComparator,
  jsonComparator,
  textComparator,
  binaryComparator,
];

/** What the engine uses when no comparator fits or one failed (text for text, hexdump otherwise). */
export const FALLBACK_TEXT: Comparator = textComparator;
export const FALLBACK_BINARY: Comparator = binaryComparator;
