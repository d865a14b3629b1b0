// Typed errors. Only src/cli/run.ts turns them into messages and exit codes, so every command fails the
// same way (one line, exit 2) and library code never prints or exits.

/** A problem with what the user gave us (input file, option, rule file, manifest): exit 2, one line. */
export class ReproError extends Error {
  /** The input the problem is about (a file path, "rules.yml:12", a blob digest), printed first. */
  readonly where: string | undefined;
  constructor(message: string, where?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReproError';
    this.where = where;
  }
}

/** Wrong command-line usage: exit 2. */
export class UsageError extends ReproError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One line for the user: "where: message". */
export function formatError(err: unknown): string {
  if (err instanceof ReproError) return err.where ? `${err.where}: ${err.message}` : err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const path = (err as NodeJS.ErrnoException).path;
    if (code && path) return `${path}: ${describeErrno(code)}`;
    return err.message.split('\n')[0] ?? String(err);
  }
  return String(err);
}

function describeErrno(code: string): string {
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'not a directory';
    case 'ENOSPC': return 'no space left on device';
    default: return code;
  }
}
