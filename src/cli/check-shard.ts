// `repro check --shard I/N LIST --reports DIR`: check this machine's share of a list of manifests, one after
// the other, each report written to DIR named after its manifest (src/check/shard.ts says which and how).
// A manifest whose check fails leaves an error record under the same name, so that `repro report merge`
// shows it, and the next manifest is checked. Exit: 0 all reproducible, 1 any differs, 2 any error.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeOutput } from '../core/atomic.js';
import { formatError, UsageError } from '../core/errors.js';
import { printable } from '../core/printable.js';
import { tempDir } from '../core/temp.js';
import { listManifests, parseShard, pickShard, reportPathFor } from '../check/shard.js';
import { runCheck } from '../check/run-check.js';
import { jsonChunks } from '../report/json.js';
import { CHECK_ERROR_SCHEMA } from '../report/read-report.js';
import { style } from '../report/style.js';
import { checkOptions } from './check-run.js';
import type { CheckFlags } from './check.js';
import { EXIT_DIFFERENT, EXIT_ERROR, EXIT_SAME, setExitCode } from './run.js';

/** Options that name one output file or directory: with a list there is one per manifest, in --reports. */
function refuseSingleOutputs(flags: CheckFlags): void {
  const single: [string, unknown][] = [['--json', flags.json], ['--markdown', flags.markdown], ['--html', flags.html], ['--emit-rules', flags.emitRules], ['--keep', flags.keep], ['--fix', flags.fix]];
  const given = single.filter(([, v]) => v !== undefined && v !== false).map(([n]) => n);
  if (given.length) throw new UsageError(`${given.join(', ')}: not with --shard (each manifest's JSON report goes to --reports; merge them with \`repro report merge\`)`);
}

export async function runShardCommand(list: string, flags: CheckFlags): Promise<void> {
  refuseSingleOutputs(flags);
  const shard = parseShard(flags.shard ?? '');
  const log = flags.quiet ? undefined : (line: string): void => void process.stderr.write(style.dim(`repro: ${line}`) + '\n');
  const opts = checkOptions(flags, log);
  const all = await listManifests(list);
  if (all.length === 0) throw new UsageError(`${list}: names no manifest`);
  const mine = pickShard(all, shard);
  const say = (s: string): void => void (flags.quiet || process.stdout.write(s + '\n'));
  say(`shard ${shard.index}/${shard.count}: ${mine.length} of ${all.length} manifest${all.length === 1 ? '' : 's'}`);
  let worst = EXIT_SAME;
  for (const m of mine) {
    const out = join(flags.reports, reportPathFor(m.key));
    await mkdir(dirname(out), { recursive: true });
    const date = new Date().toISOString();
    // each check's builds go when it is done: a list of a hundred Debian images would fill the disk
    const workRoot = await tempDir('shard-');
    try {
      const report = await runCheck(m.path, { ...opts, workRoot });
      // named as the list names it: the same on every machine that checks a share of the list
      report.manifest = m.key;
      await writeOutput(out, jsonChunks(report));
      worst = Math.max(worst, report.reproducible ? EXIT_SAME : EXIT_DIFFERENT);
      say(`${report.reproducible ? style.green('reproducible    ') : style.red('NOT reproducible')}  ${printable(m.key)}  ${report.findings.length} findings → ${printable(out)}`);
    } catch (err) {
      const error = formatError(err);
      await writeOutput(out, JSON.stringify({ schema: CHECK_ERROR_SCHEMA, date, manifest: m.key, error }, null, 2) + '\n');
      worst = EXIT_ERROR;
      say(`${style.red('error           ')}  ${printable(m.key)}  ${printable(error)} → ${printable(out)}`);
    } finally {
      await rm(workRoot, { recursive: true, force: true });
    }
  }
  setExitCode(worst);
}
