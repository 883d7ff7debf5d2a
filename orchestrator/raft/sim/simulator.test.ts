// The deterministic simulation, in CI: 500 seeds of faults (crashes with torn writes, partitions, drops,
// duplicates, reordering, leadership transfers) under a key-value workload. A failure names its seed:
// `npm run sim -- --seed S --trace` replays it exactly.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { runSeeds } from './main.js';
import { simulate } from './simulator.js';

const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? 500);

test(`simulation: ${SEEDS} seeds keep every safety property and a linearizable history`, {
  timeout: 600_000,
}, async () => {
  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  const results = await runSeeds(seeds, Math.min(2, availableParallelism()));
  const failures = results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.error}`);
  assert.deepEqual(failures, []);
  const commits = results.reduce((n, r) => n + r.stats.commits, 0);
  const crashes = results.reduce((n, r) => n + r.stats.crashes, 0);
  assert.ok(commits > SEEDS * 100, `the workload committed too little (${commits})`);
  assert.ok(crashes > SEEDS, `too few crashes were injected (${crashes})`);
});

test('simulation: a seed replays identically', () => {
  const a = simulate({ seed: 7 });
  const b = simulate({ seed: 7 });
  assert.deepEqual(a, b);
});
