// A node:test reporter that ends the run with one line: "N passed, N failed, N skipped (N files, Ns)".
export default async function* summaryReporter(source) {
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const files = new Set();
  const failures = [];
  for await (const event of source) {
    const data = event.data ?? {};
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (data.file) files.add(data.file);
    if (data.details?.type === 'suite') continue;
    if (data.skip || data.todo) skipped++;
    else if (event.type === 'test:pass') passed++;
    else {
      failed++;
      failures.push(`${data.file ?? ''} > ${data.name}`);
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length > 0) yield `\nFailed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`;
  yield `\n${passed} passed, ${failed} failed, ${skipped} skipped (${files.size} files, ${seconds}s)\n`;
}
