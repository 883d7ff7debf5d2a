/**
 * @module `npm run sim -- --seeds N | --seed S [--trace] [--jobs J]`: runs seeded simulations and reports
 * failures with the seed that replays them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type SimResult, simulate } from './simulator.js';

interface Args {
  seeds: number;
  first: number;
  seed?: number;
  trace: boolean;
  jobs: number;
  duration?: number;
}

const usage = `Usage: npm run sim -- [--seeds N] [--from S0] [--seed S [--trace]] [--jobs J] [--duration MS]
  --seeds N     run seeds S0 .. S0+N-1 (default 100, S0 = --from, default 1)
  --seed S      run only seed S (replays a failure exactly); --trace prints every event
  --jobs J      worker threads (default: the number of CPUs)
  --duration MS virtual milliseconds of faulty workload per seed (default: drawn from the seed)`;

function parse(argv: string[]): Args {
  const args: Args = { seeds: 100, first: 1, trace: false, jobs: availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer\n${usage}`);
      return v;
    };
    if (a === '--seeds') args.seeds = num();
    else if (a === '--from') args.first = num();
    else if (a === '--seed') args.seed = num();
    else if (a === '--jobs') args.jobs = Math.max(1, num());
    else if (a === '--duration') args.duration = num();
    else if (a === '--trace') args.trace = true;
    else if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${usage}`);
  }
  return args;
}

/** Runs `seeds` across `jobs` worker threads; resolves with every result. */
export async function runSeeds(
  seeds: number[],
  jobs: number,
  durationMs?: number,
  onResult?: (r: SimResult) => void,
): Promise<SimResult[]> {
  const results: SimResult[] = [];
  const workers = Math.min(jobs, seeds.length);
  if (workers <= 1) {
    for (const seed of seeds) {
      const r = simulate({ seed, durationMs });
      results.push(r);
      onResult?.(r);
    }
    return results;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { durationMs } });
      try {
        while (next < seeds.length) {
          const seed = seeds[next++]!;
          const r = await new Promise<SimResult>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage(seed);
          });
          worker.removeAllListeners('error');
          results.push(r);
          onResult?.(r);
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  return results.sort((a, b) => a.seed - b.seed);
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (args.seed !== undefined) {
    const r = simulate({
      seed: args.seed,
      durationMs: args.duration,
      trace: args.trace ? (l) => console.log(l) : undefined,
    });
    console.log(JSON.stringify({ seed: r.seed, ok: r.ok, ...r.stats }));
    if (!r.ok) {
      console.error(`FAIL seed ${r.seed}: ${r.error}`);
      process.exit(1);
    }
    return;
  }
  const started = Date.now();
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.first + i);
  let done = 0;
  const failures: SimResult[] = [];
  await runSeeds(seeds, args.jobs, args.duration, (r) => {
    done++;
    if (!r.ok) {
      failures.push(r);
      console.error(`FAIL seed ${r.seed}: ${r.error}\n  replay: npm run sim -- --seed ${r.seed} --trace`);
    }
    if (done % 500 === 0)
      console.error(
        `${done}/${seeds.length} seeds, ${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(
    JSON.stringify({
      seeds: seeds.length,
      failed: failures.length,
      failedSeeds: failures.map((f) => f.seed),
      seconds: Number(seconds.toFixed(1)),
    }),
  );
  if (failures.length > 0) process.exit(1);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(2);
  });
}
