/**
 * `npm run bench:swarmd`: how fast nodes and labs start, through the real `swarmlab` CLI and real swarmd
 * processes, and what an idle swarmd costs. Over BENCH_RUNS runs (default 5), medians. Prints one JSON line last:
 * - `cliVersionMs`: `swarmlab --version`, spawn to exit (what every CLI call pays to start).
 * - `labUp3Ms`: `swarmlab lab up --nodes 3` (no swarm), spawn to exit: every node answers its Engine API.
 * - `labUp3SwarmMs`: `swarmlab lab up --nodes 3 --managers 1`, spawn to exit: init and two worker joins too.
 * - `initMs`: `POST /swarm/init` on a fresh node, request to answer (the node is the leader, its agent connected).
 * - `joinMs`: `POST /swarm/join` as a worker; `joinManagerMs`: as a manager (it is a Raft voter when answered).
 * - `swarmdIdleRssMB`: the largest VmRSS of the swarmd processes of a 1-manager, 2-worker lab idle for
 *   BENCH_IDLE_MS (default 3000); `swarmdIdleRssMeanMB`: their mean.
 * Labs live under a temporary SWARMLAB_HOME, taken down with `swarmlab lab down` (processes end by pid).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../labs/provider.js';
import { rssOf } from '../orchestrator/agent/executor/proc-info.js';
import { engineRequest } from '../orchestrator/api/client.js';
import type { Swarm } from '../orchestrator/api/engine-types.js';
import { log, mb, median, sleep } from './support.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 3000);
const swarmlabBin = new URL('../../bin/swarmlab.js', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'swarmlab-bench-swarmd-'));

/** Runs `swarmlab <args>` with the bench's SWARMLAB_HOME; resolves with its stdout and spawn-to-exit time. */
function swarmlab(args: string[]): Promise<{ stdout: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [swarmlabBin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWARMLAB_HOME: home },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ stdout, ms });
      else reject(new Error(`swarmlab ${args.join(' ')} exited with code ${code}: ${stderr.trim()}`));
    });
  });
}

async function labUp(args: string[]): Promise<{ lab: Lab; ms: number }> {
  const { stdout, ms } = await swarmlab(['lab', 'up', '--json', ...args]);
  return { lab: JSON.parse(stdout) as Lab, ms };
}

const labDown = (lab: Lab) => swarmlab(['lab', 'down', lab.id]);

async function timed<T>(run: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** On a fresh 3-node lab: init on swarm-1, swarm-2 joins as a manager, swarm-3 as a worker. */
async function swarmCalls(lab: Lab): Promise<{ initMs: number; joinManagerMs: number; joinMs: number }> {
  const [first, second, third] = lab.nodes;
  const initMs = await timed(() =>
    engineRequest(first.dockerHost, 'POST', '/swarm/init', {
      ListenAddr: first.clusterAddr,
      AdvertiseAddr: first.clusterAddr,
      Spec: {},
    }),
  );
  const { body: swarm } = await engineRequest<Swarm>(first.dockerHost, 'GET', '/swarm');
  const join = (node: Lab['nodes'][number], token: string | undefined) =>
    timed(() =>
      engineRequest(node.dockerHost, 'POST', '/swarm/join', {
        ListenAddr: node.clusterAddr,
        AdvertiseAddr: node.clusterAddr,
        RemoteAddrs: [first.clusterAddr],
        JoinToken: token ?? '',
      }),
    );
  const joinManagerMs = await join(second, swarm.JoinTokens?.Manager);
  const joinMs = await join(third, swarm.JoinTokens?.Worker);
  return { initMs, joinManagerMs, joinMs };
}

async function main(): Promise<void> {
  await swarmlab(['--version']); // warm-up: the first spawns read the code from disk
  const version: number[] = [];
  for (let run = 0; run < runs; run++) version.push((await swarmlab(['--version'])).ms);

  await labDown((await labUp(['--nodes', '3'])).lab); // warm-up
  const labUp3: number[] = [];
  const init: number[] = [];
  const joinManager: number[] = [];
  const joinWorker: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { lab, ms } = await labUp(['--nodes', '3']);
    try {
      const calls = await swarmCalls(lab);
      labUp3.push(ms);
      init.push(calls.initMs);
      joinManager.push(calls.joinManagerMs);
      joinWorker.push(calls.joinMs);
      log(
        `run ${run + 1}: lab up ${Math.round(ms)} ms, init ${Math.round(calls.initMs)} ms, manager join ${Math.round(calls.joinManagerMs)} ms, worker join ${Math.round(calls.joinMs)} ms`,
      );
    } finally {
      await labDown(lab);
    }
  }

  const labUp3Swarm: number[] = [];
  let idleRss: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { lab, ms } = await labUp(['--nodes', '3', '--managers', '1']);
    try {
      labUp3Swarm.push(ms);
      log(`run ${run + 1}: lab up --managers 1 ${Math.round(ms)} ms`);
      if (run === runs - 1) {
        await sleep(idleMs);
        idleRss = lab.nodes.map((node) => rssOf(node.pid));
        if (idleRss.some((rss) => rss === 0)) throw new Error('a swarmd process of the lab is gone');
      }
    } finally {
      await labDown(lab);
    }
  }

  const result = {
    benchmark: 'swarmd',
    runs,
    cliVersionMs: Math.round(median(version)),
    labUp3Ms: Math.round(median(labUp3)),
    labUp3SwarmMs: Math.round(median(labUp3Swarm)),
    initMs: Math.round(median(init)),
    joinMs: Math.round(median(joinWorker)),
    joinManagerMs: Math.round(median(joinManager)),
    swarmdIdleRssMB: mb(Math.max(...idleRss)),
    swarmdIdleRssMeanMB: mb(idleRss.reduce((a, b) => a + b, 0) / idleRss.length),
    runsMs: {
      labUp3: labUp3.map(Math.round),
      labUp3Swarm: labUp3Swarm.map(Math.round),
      init: init.map(Math.round),
      join: joinWorker.map(Math.round),
      joinManager: joinManager.map(Math.round),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .catch((error) => {
    log(`bench:swarmd failed: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    // Labs a failed run left behind: their supervisors stop their nodes (by pid, from the lab records).
    await swarmlab(['lab', 'down', '--all']).catch(() => {});
    rmSync(home, { recursive: true, force: true });
  });
