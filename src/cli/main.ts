#!/usr/bin/env -S node --initial-heap-size=64
// Entry point of the `repro` binary. The heap starts at 64 MB instead of V8's few MB: a comparison streams
// hundreds of MB through short-lived buffers and stream objects, and from a small heap V8 runs a full
// mark-compact every few MB (13-20 per `repro diff` of two 100 MB images, ~10% of its CPU time).
// `env -S` (coreutils 8.30+) passes the flag; `node dist/src/cli/main.js` runs without it, only slower.
//
// The heap may then grow to 1.7× what survived the last full collection (V8 lets it reach up to 4× when
// collections are cheap). What repro keeps alive is bounded (packed indexes, spill thresholds), but its
// garbage is not: on a 1,000,000-entry pair the live heap stays under 130 MB while the default factor let
// the heap reach 320 MB between collections. Measured there (peak RSS, CPU): default 496-507 MiB, 44.4 s;
// 2.0× 366 MiB, 43.7 s; 1.7× 332-341 MiB, 44-47 s; 1.5× 308-318 MiB, 49-51 s. Set at run time, so every
// way of starting the CLI gets it.
import { setFlagsFromString } from 'node:v8';
import { main } from './run.js';

setFlagsFromString('--heap-growing-percent=70');
void main(process.argv);
