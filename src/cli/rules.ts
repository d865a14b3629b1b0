// `repro rules REPORT.json -o FILE`: the rule file that removes what a `repro diff --json` report found.
// The same report always gives the same bytes; "-" (the default) writes to stdout.
import type { Command } from 'commander';
import { EXIT_SAME, setExitCode } from './run.js';

interface RulesFlags {
  output: string;
}

async function runRules(reportPath: string, flags: RulesFlags): Promise<void> {
  const [{ readReport }, { generateRules }, { writeOutput }] = await Promise.all([
    import('../report/read-report.js'),
    import('../rules/generate.js'),
    import('../core/atomic.js'),
  ]);
  const report = await readReport(reportPath);
  await writeOutput(flags.output, generateRules(report));
  setExitCode(EXIT_SAME);
}

export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('generate normalization rules from a report (repro diff --json): the smallest rule per finding')
    .argument('<report>', 'a repro-report/1 JSON file')
    .option('-o, --output <file>', 'where to write the rule file ("-" = stdout)', '-')
    .action((report: string, flags: RulesFlags) => runRules(report, flags));
}
