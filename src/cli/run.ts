// The only place that turns outcomes into exit codes: 0 identical/reproducible, 1 differences, 2 error.
// Known errors print one line (what, where); a stack only with --debug.
import { CommanderError } from 'commander';
import { ReproError, formatError } from '../core/errors.js';
import { runCleanup } from '../core/cleanup.js';
import { buildProgram } from './program.js';
import { printable } from '../core/printable.js';

export const EXIT_SAME = 0;
export const EXIT_DIFFERENT = 1;
export const EXIT_ERROR = 2;

/** Commands return their exit code; the program records it here. */
let exitCode = EXIT_SAME;
export function setExitCode(code: number): void {
  exitCode = code;
}

function debugEnabled(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.REPRO_DEBUG === '1';
}

let debug = false;

/** Every exit path runs the undos; one that fails is said under --debug (the others still run). */
function cleanup(): Promise<void> {
  return runCleanup((err) => {
    if (debug) process.stderr.write(`repro: cleanup failed: ${printable(formatError(err), { multiline: true })}\n`);
  });
}

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`repro: interrupted (${signal}), cleaning up\n`);
  void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

export async function main(argv: string[]): Promise<void> {
  debug = debugEnabled(argv);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // `repro ... | head`: a reader that went away is not an error worth a stack trace. Any other stdout error
  // is reported here, never thrown: a throw from an event handler would skip the cleanup.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    const code = err.code === 'EPIPE' ? (process.exitCode ?? EXIT_SAME) : reportError(err, debug);
    void cleanup().finally(() => process.exit(code));
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    process.exitCode = exitCode;
  } catch (err) {
    process.exitCode = reportError(err, debug);
  } finally {
    await cleanup();
  }
}

function isFileError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).path === 'string';
}

function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version are successes
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT_SAME;
    }
    return EXIT_ERROR;
  }
  process.stderr.write(`repro: ${printable(formatError(err), { multiline: true })}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  // an I/O error naming its file (ENOENT, ENOSPC on an output...) is already the one line the user needs
  else if (!(err instanceof ReproError) && !debug && !isFileError(err)) {
    process.stderr.write('repro: (unexpected error; run with --debug for the stack trace)\n');
  }
  return EXIT_ERROR;
}
