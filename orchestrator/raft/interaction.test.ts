// Scenario tests: each testdata/*.txt script drives a MemoryCluster and compares the trace with the golden
// output below each command. `UPDATE=1 npm test -- interaction` rewrites the outputs (review the diff).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { runScript } from './testing/datadriven.js';
import { InteractionEnv } from './testing/interaction.js';

const dir = new URL('../../../orchestrator/raft/testdata/', import.meta.url).pathname;

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()) {
  test(`scenario ${file}`, () => {
    const env = new InteractionEnv();
    const mismatches = runScript(`${dir}${file}`, (c) => env.run(c));
    for (const m of mismatches) {
      assert.equal(m.actual, m.expected, `${file}:${m.line}: ${m.command}`);
    }
  });
}
