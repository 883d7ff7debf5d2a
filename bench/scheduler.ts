/**
 * `npm run bench:scheduler`: the manager pipeline in one process (store, LocalProposer, every manager loop)
 * placing 10 services x 1,000 replicas on 1,000 simulated nodes (node objects only, no processes).
 *
 * The services are created one after the other, each once the previous one is fully placed, so every thousand
 * tasks goes through the whole pipeline (controlapi, orchestrator, allocator, scheduler) on a cluster that
 * fills up: `firstThousandPerSec` is the rate of the first service, `lastThousandPerSec` of the last, with
 * 9,000 tasks already placed. Prints one JSON line last.
 */
import { newObjectId } from '../orchestrator/common/ids.js';
import { createService } from '../orchestrator/manager/controlapi/services.js';
import { startManagerLoops } from '../orchestrator/manager/loops.js';
import { LocalProposer } from '../orchestrator/store/proposer.js';
import { Store } from '../orchestrator/store/store.js';

const nodeCount = Number(process.env.BENCH_NODES ?? 1000);
const serviceCount = Number(process.env.BENCH_SERVICES ?? 10);
const replicas = Number(process.env.BENCH_REPLICAS ?? 1000);
const targetPerSec = 5000;

async function main(): Promise<void> {
  const store = new Store();
  store.setProposer(new LocalProposer(store));

  await store.batch((batch) => {
    for (let i = 0; i < nodeCount; i++) {
      batch.update((tx) => {
        const id = newObjectId();
        tx.create('nodes', {
          ID: id,
          Spec: {
            Role: i < 3 ? 'manager' : 'worker',
            Availability: 'active',
            Labels: { rack: `r${i % 20}` },
          },
          Status: { State: 'ready', Addr: `10.1.${i >> 8}.${i & 255}` },
          Description: {
            Hostname: `node-${i}`,
            Platform: { OS: 'linux', Architecture: 'x86_64' },
            Resources: { NanoCPUs: 16e9, MemoryBytes: 64 * 1024 ** 3 },
            Engine: { EngineVersion: '28.2.2' },
          },
          _clusterAddr: `10.1.${i >> 8}.${i & 255}:2377`,
        });
      });
    }
  });

  const abort = new AbortController();
  const warnings: string[] = [];
  const loops = startManagerLoops(store, abort.signal, { log: (message) => warnings.push(message) });

  // Placement times, per service, as the scheduler's writes are applied.
  const placedAt = new Map<string, number[]>();
  let onPlaced: (() => void) | undefined;
  store.subscribe((change) => {
    for (const event of change.events) {
      if (event.table !== 'tasks' || event.action !== 'update') continue;
      if (event.object.Status.State !== 'assigned' || event.previous?.Status.State === 'assigned') continue;
      const times = placedAt.get(event.object.ServiceID);
      if (times) times.push(performance.now());
    }
    onPlaced?.();
  });

  const perService: { startedAt: number; doneAt: number }[] = [];
  const start = performance.now();
  for (let s = 0; s < serviceCount; s++) {
    const startedAt = performance.now();
    const times: number[] = [];
    const placed = new Promise<void>((resolve) => {
      onPlaced = () => {
        if (times.length >= replicas) resolve();
      };
    });
    const { ID } = await createService(store, {
      Name: `bench-${s}`,
      TaskTemplate: {
        ContainerSpec: { Image: 'nginx:latest' },
        Resources: { Reservations: { NanoCPUs: 1e7, MemoryBytes: 16 * 1024 ** 2 } },
      },
      Mode: { Replicated: { Replicas: replicas } },
    });
    placedAt.set(ID, times);
    await placed;
    perService.push({ startedAt, doneAt: times[replicas - 1] });
  }
  const totalMs = performance.now() - start;
  abort.abort();
  await loops;

  const rate = (entry: { startedAt: number; doneAt: number }) =>
    (replicas / (entry.doneAt - entry.startedAt)) * 1000;
  const tasks = serviceCount * replicas;
  const result = {
    benchmark: 'scheduler',
    nodes: nodeCount,
    tasks,
    totalMs: Math.round(totalMs),
    placementsPerSec: Math.round((tasks / totalMs) * 1000),
    firstThousandPerSec: Math.round(rate(perService[0])),
    lastThousandPerSec: Math.round(rate(perService[perService.length - 1])),
    targetPerSec,
    warnings: warnings.length,
  };
  console.log(JSON.stringify(result));
}

await main();
