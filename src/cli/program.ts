// The commander program: global options and one register function per command (one file each).
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerInspect } from './inspect.js';
import { registerDiff } from './diff.js';
import { registerBuild } from './build.js';
import { registerRules } from './rules.js';
import { registerNormalize } from './normalize.js';
import { registerCheck } from './check.js';
import { registerVerify } from './verify.js';
import { registerReport } from './report.js';

const require = createRequire(import.meta.url);

function version(): string {
  // dist/src/cli → ../../../package.json; src/cli (tsx) → ../../package.json
  for (const p of ['../../../package.json', '../../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('repro')
    .description('Make OS and container images reproducible: find, classify and remove every difference.')
    .version(version(), '-V, --version')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInspect(program);
  registerDiff(program);
  registerBuild(program);
  registerRules(program);
  registerNormalize(program);
  registerCheck(program);
  registerVerify(program);
  registerReport(program);
  // Every subcommand exits through run.ts's error path too, so a usage error is exit 2.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}
