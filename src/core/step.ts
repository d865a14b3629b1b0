// Which build step created or last changed a file no package owns: data carried on findings and on the
// package view, and the one place it becomes words (stepText).

/**
 * What a step did. dpkg steps: `unpack` (dpkg's install/upgrade stage), `configure` (postinst configure),
 * `trigger` (trigger processing), `remove`, `purge`, `disappear`; debootstrap's own `extract` (ar + tar
 * before dpkg runs). `dpkg` and `apt`: the tool's own database, caches and logs, which it rewrites
 * throughout. `apt-get`: apt's own work outside dpkg runs (update, download, clean). `command` and `files`:
 * a phase's `run` command or `files` step. `base`: the base tool (debootstrap, mmdebstrap) outside any
 * package step.
 */
export type StepAction =
  | 'unpack'
  | 'configure'
  | 'trigger'
  | 'remove'
  | 'purge'
  | 'disappear'
  | 'extract'
  | 'dpkg'
  | 'apt'
  | 'apt-get'
  | 'command'
  | 'files'
  | 'base';

/** How the step was found. */
export type StepMethod =
  /** The file's change time lies in the step's interval of the phase's timeline (dpkg status lines, commands). */
  | 'change-time'
  /** The path is the tool's own database, cache or log (dpkg's admin directory, apt's state/cache/log). */
  | 'own-file';

export interface BuildStep {
  /** The phase (layer) name: "base", "packages", ... */
  phase: string;
  action: StepAction;
  /** The package of a dpkg step (architecture qualifier dropped), or the database entry's package. */
  package?: string;
  /** The command or files destination of a `command`/`files` step, or apt-get's subcommand. */
  detail?: string;
  method: StepMethod;
  /**
   * Set when the change time lies within the timing uncertainty of the next step's start (status lines are
   * timed as they arrive; the kernel dates changes one clock tick late at most): the change may belong to
   * that step instead. A heuristic placement, said so in every report.
   */
  orNext?: Omit<BuildStep, 'phase' | 'method' | 'orNext'>;
}

function actionText(s: Pick<BuildStep, 'action' | 'package' | 'detail'>): string {
  const pkg = s.package ?? '?';
  switch (s.action) {
    case 'unpack':
    case 'configure':
    case 'remove':
    case 'purge':
    case 'disappear':
    case 'extract':
      return `${pkg} (${s.action})`;
    case 'trigger':
      return `${pkg} (trigger)`;
    case 'dpkg':
      return s.package ? `dpkg itself (database entry of ${s.package})` : 'dpkg itself (its database and log)';
    case 'apt':
      return 'apt itself (its state, caches and logs)';
    case 'apt-get':
      return `apt-get ${s.detail ?? ''}`.trim();
    case 'command':
      return `run: ${s.detail ?? ''}`;
    case 'files':
      return `files: ${s.detail ?? ''}`;
    case 'base':
      return s.detail ?? 'the base tool';
  }
}

/** One line: "systemd (configure), phase packages" or "... — by change time, may be <next>". */
export function stepText(s: BuildStep): string {
  const text = `${actionText(s)}, phase ${s.phase}`;
  return s.orNext ? `${text} (heuristic: changed just before ${actionText(s.orNext)} began, may belong to it)` : text;
}
