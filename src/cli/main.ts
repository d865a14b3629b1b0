#!/usr/bin/env node
// Entry point of the `repro` binary.
import { main } from './run.js';

void main(process.argv);
