// The one place a test asks for a real tool, root or an opt-in: each helper returns node:test's `skip`
// value — false when the test can run, else one sentence naming what is missing and the Debian package that
// provides it. scripts/run-tests.mjs counts the skips and lists their reasons; with REPRO_REQUIRE_ALL=1
// (set by .ci/run) a skip fails the run, so CI proves every test. scripts/install-system-deps.sh installs
// every package named here.
import { existsSync } from 'node:fs';
import { findCommand } from '../../src/core/find-command.js';

/** `command` (from Debian package `pkg`) on PATH, or why the test is skipped. */
export function requireTool(command: string, pkg: string): string | false {
  return findCommand(command) ? false : `needs ${command}: apt-get install ${pkg} (or run scripts/install-system-deps.sh)`;
}

/** Several tools: the first missing one decides, as [command, Debian package] pairs. */
export function requireTools(...tools: [command: string, pkg: string][]): string | false {
  for (const [command, pkg] of tools) {
    const missing = requireTool(command, pkg);
    if (missing) return missing;
  }
  return false;
}

/** A file a Debian package installs outside PATH (a library, a browser at a fixed path). */
export function requireFile(file: string, pkg: string): string | false {
  return existsSync(file) ? false : `needs ${file}: apt-get install ${pkg} (or run scripts/install-system-deps.sh)`;
}

/** Tests that need root (mounts, chroot, debootstrap). */
export function requireRoot(what: string): string | false {
  return process.getuid?.() === 0 ? false : `needs root: ${what}`;
}

/** Several conditions: the first that is not met decides. */
export function firstSkip(...reasons: (string | false)[]): string | false {
  return reasons.find((r) => r !== false) ?? false;
}
