/**
 * `npm run bench:converge`: how fast a local 3-node lab (1 manager, 2 workers) runs a new service of 30
 * `traefik/whoami` replicas, and what it costs in memory. Prints one JSON line last:
 * - `convergeMs`: median over 3 runs, from the `POST /services/create` request to the last of the 30 tasks
 *   reporting `running` (its status timestamp, written by the agent that started it); `runsMs`: every run;
 *   `phasesPolledMs`: for the median run, when a poll of the leader (every 50 ms, answered late when it is
 *   busy: upper bounds) first saw every task at least pending (allocated), assigned (scheduled), starting.
 * - `replaceMs`: kill -9 of a task's container to its replacement running (restart delay 0).
 * - `swarmdIdleRssMB`: the largest swarmd RSS with no service; `swarmdRssMB`: the largest with 30 tasks (max
 *   over the 3 nodes, not the mean; the leader is usually the largest).
 * - `taskRssMB`: the largest RSS of a task container's whole process tree (bubblewrap and the container's
 *   node), `taskRssMeanMB` the mean; `taskPssMB` the mean proportional share (what a task really adds).
 * Targets: convergeMs <= 3000 (Kubernetes' pod-start SLO is p99 <= 5 s), swarmdIdleRssMB <= 80, taskRssMB <= 50.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle } from '../labs/provider.js';
import { processTree, pssOf, rssOf } from '../orchestrator/agent/executor/proc-info.js';
import { engineRequest } from '../orchestrator/api/client.js';
import type { Task, TaskState } from '../orchestrator/api/engine-types.js';
import { taskStates } from '../orchestrator/store/task-states.js';
import { log, mb, sleep } from './support.js';

const replicas = Number(process.env.BENCH_REPLICAS ?? 30);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const targets = { convergeMs: 3000, swarmdIdleRssMB: 80, taskRssMB: 50 };

async function tasksOf(host: string, service: string): Promise<Task[]> {
  const filters = encodeURIComponent(JSON.stringify({ service: [service] }));
  return (await engineRequest<Task[]>(host, 'GET', `/tasks?filters=${filters}`)).body;
}

const phases = ['pending', 'assigned', 'starting'] as const;
// Ranks up to running; a task that ended ranks nowhere.
const liveStates = taskStates.slice(0, taskStates.indexOf('running') + 1);
const rank = (state: string | undefined) => liveStates.indexOf((state ?? '') as TaskState);

/**
 * Creates the service, waits for every replica to run; returns the ms from the request to the last `running`,
 * and when (polled every 50 ms, so within 50 ms) every task had reached each phase.
 */
async function converge(
  handle: LabHandle,
  name: string,
): Promise<{ ms: number; tasks: Task[]; phasesMs: Record<string, number> }> {
  const host = handle.lab.nodes[0].dockerHost;
  const requested = Date.now();
  await engineRequest(host, 'POST', '/services/create', {
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: 'traefik/whoami' } },
    Mode: { Replicated: { Replicas: replicas } },
  });
  const phasesMs: Record<string, number> = {};
  const deadline = Date.now() + 120_000;
  for (;;) {
    const tasks = await tasksOf(host, name);
    const current = tasks.filter((t) => t.DesiredState === 'running');
    for (const phase of phases) {
      if (phasesMs[phase] === undefined && current.length === replicas) {
        if (current.every((t) => rank(t.Status?.State) >= rank(phase)))
          phasesMs[phase] = Date.now() - requested;
      }
    }
    const running = current.filter((t) => t.Status?.State === 'running');
    if (running.length === replicas) {
      const last = Math.max(...running.map((t) => Date.parse(t.Status?.Timestamp ?? '')));
      const failed = tasks.length - running.length;
      if (failed > 0) log(`${name}: ${failed} tasks were replaced on the way (failed or restarted)`);
      return { ms: last - requested, tasks: running, phasesMs };
    }
    if (Date.now() > deadline) throw new Error(`${name}: ${running.length}/${replicas} running after 120 s`);
    await sleep(50);
  }
}

/**
 * kill -9 of one task's container to its replacement running, for a service whose restart policy has no
 * delay (Docker's default waits 5 s more): how fast the swarm notices and heals.
 */
async function replace(handle: LabHandle): Promise<number> {
  const host = handle.lab.nodes[0].dockerHost;
  await engineRequest(host, 'POST', '/services/create', {
    Name: 'heal',
    TaskTemplate: {
      ContainerSpec: { Image: 'traefik/whoami' },
      RestartPolicy: { Condition: 'any', Delay: 0 },
    },
    Mode: { Replicated: { Replicas: 3 } },
  });
  let victim: Task | undefined;
  while (!victim) {
    const running = (await tasksOf(host, 'heal')).filter((t) => t.Status?.State === 'running');
    if (running.length === 3) victim = running[0];
    else await sleep(50);
  }
  const killed = Date.now();
  process.kill(victim.Status?.ContainerStatus?.PID ?? 0, 'SIGKILL');
  for (let i = 0; i < 600; i++) {
    const replacement = (await tasksOf(host, 'heal')).find(
      (t) => t.Slot === victim.Slot && t.ID !== victim.ID && t.Status?.State === 'running',
    );
    if (replacement) {
      await remove(handle, 'heal');
      return Date.parse(replacement.Status?.Timestamp ?? '') - killed;
    }
    await sleep(50);
  }
  throw new Error('the killed task was not replaced within 30 s');
}

async function remove(handle: LabHandle, name: string): Promise<void> {
  const host = handle.lab.nodes[0].dockerHost;
  await engineRequest(host, 'DELETE', `/services/${name}`);
  // Wait for the containers to be gone from every node before the next run.
  for (const node of handle.lab.nodes) {
    for (let i = 0; i < 300; i++) {
      const filters = encodeURIComponent(
        JSON.stringify({ label: [`com.docker.swarm.service.name=${name}`] }),
      );
      const list = (
        await engineRequest<unknown[]>(node.dockerHost, 'GET', `/containers/json?filters=${filters}`)
      ).body;
      if (list.length === 0) break;
      await sleep(100);
    }
  }
}

async function main(): Promise<void> {
  const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-converge-'));
  let handle: LabHandle | undefined;
  try {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 3, managers: 1 });
    const nodes = handle.lab.nodes;
    // Warm-up: the first container of each node loads the runtime's code from disk.
    await converge(handle, 'warmup').then(() => remove(handle!, 'warmup'));
    await sleep(2000);
    const swarmdIdleRss = Math.max(...nodes.map((n) => rssOf(n.pid)));

    const times: number[] = [];
    const phaseRuns: Record<string, number>[] = [];
    let swarmdRss = 0;
    const taskRss: number[] = [];
    const taskPss: number[] = [];
    for (let run = 0; run < runs; run++) {
      const name = `whoami-${run}`;
      const { ms, tasks, phasesMs } = await converge(handle, name);
      times.push(ms);
      phaseRuns.push(phasesMs);
      log(
        `run ${run + 1}: ${replicas} replicas running ${ms} ms after the request (${JSON.stringify(phasesMs)})`,
      );
      if (run === runs - 1) {
        await sleep(1000);
        swarmdRss = Math.max(...nodes.map((n) => rssOf(n.pid)));
        for (const task of tasks) {
          const pid = task.Status?.ContainerStatus?.PID;
          if (!pid) continue;
          const tree = processTree(pid);
          taskRss.push(tree.reduce((sum, p) => sum + rssOf(p), 0));
          taskPss.push(tree.reduce((sum, p) => sum + pssOf(p), 0));
        }
      }
      await remove(handle, name);
    }
    const replaceMs = await replace(handle);
    log(`kill -9 of a task container -> replacement running in ${replaceMs} ms`);
    const sorted = [...times].sort((a, b) => a - b);
    const result = {
      benchmark: 'converge',
      nodes: 3,
      replicas,
      image: 'traefik/whoami',
      convergeMs: sorted[Math.floor(sorted.length / 2)],
      runsMs: times,
      phasesPolledMs: phaseRuns[times.indexOf(sorted[Math.floor(sorted.length / 2)])],
      replaceMs,
      swarmdIdleRssMB: mb(swarmdIdleRss),
      swarmdRssMB: mb(swarmdRss),
      swarmdRssIs: 'max over the nodes',
      taskRssMB: mb(Math.max(...taskRss)),
      taskRssMeanMB: mb(taskRss.reduce((a, b) => a + b, 0) / Math.max(1, taskRss.length)),
      taskPssMB: mb(taskPss.reduce((a, b) => a + b, 0) / Math.max(1, taskPss.length)),
      targets,
    };
    console.log(JSON.stringify(result));
  } finally {
    await handle?.destroy();
    rmSync(labsDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`bench:converge failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
});
