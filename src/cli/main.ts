#!/usr/bin/env -S node --initial-heap-size=64
// Entry point of the `repro` binary. The heap starts at 64 MB instead of V8's few MB: a comparison streams
// hundreds of MB through short-lived buffers and stream objects, and from a small heap V8 runs a full
// mark-compact every few MB (13-20 per `repro diff` of two 100 MB images, ~10% of its CPU time).
// `env -S` (coreutils 8.30+) passes the flag; `node dist/src/cli/main.js` runs without it, only slower.
import { main } from './run.js';

void main(process.argv);
