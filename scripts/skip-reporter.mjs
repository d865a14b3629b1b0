// A node:test reporter that writes one JSON line per skipped test (file, name, reason) for
// scripts/run-tests.mjs, which prints the count and the reasons after the run.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip) {
      const reason = typeof event.data.skip === 'string' ? event.data.skip : '(no reason given)';
      yield JSON.stringify({ file: event.data.file ?? '', name: event.data.name, reason }) + '\n';
    }
  }
}
