// `npm run bench:lab`: how fast a learner gets a lab, how snappy its terminal is, and what a flood costs the
// server. Prints one JSON line: lab3Ms, lab9Ms (start request to every shell ready and every node answering
// /_ping), echoP50Ms, echoP99Ms (keystroke to its echo, through socket.io and the shell), floodRssGrowthMB
// (server memory growth while a terminal prints 50 MB); also floodMBps, visualizerMs (swarm init to the
// browser's cluster view showing the node; null until swarmd serves swarm init), and for the workshop's
// ClusterWatcher on a 3-node swarm running a service: idleReadsPerLabPerSec (HTTP requests it makes per second
// while nothing happens) and changeToPushMs (p50, a node update through the API to onChange showing it).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { ClusterSnapshot } from '../lessons/checks/cluster-snapshot.js';
import { rssOf } from '../orchestrator/agent/executor/proc-info.js';
import { engineRequest } from '../orchestrator/api/client.js';
import type { Node } from '../orchestrator/api/engine-types.js';
import { ClusterWatcher } from '../server/cluster/cluster-watcher.js';
import { defaultConfig } from '../server/config.js';
import { WorkshopClient } from '../server/testing/workshop-client.js';
import { log, median, sleep } from './support.js';

const root = new URL('../../', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-lab-'));

const server = spawn(
  process.execPath,
  [`${root}bin/swarmlab.js`, 'start', '--port', '0', '--data-dir', dataDir],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);

/** The Engine API sockets of the server's labs' nodes (its run folder: run/<pid>/nodes/<lab>/<node>/docker.sock). */
function nodeSockets(nodeCount: number): string[] {
  const labs = join(dataDir, 'run', String(server.pid), 'nodes');
  const sockets: string[] = [];
  for (const lab of existsSync(labs) ? readdirSync(labs) : []) {
    for (let i = 1; i <= nodeCount; i++) {
      const socket = join(labs, lab, `swarm-${i}`, 'docker.sock');
      if (existsSync(socket)) sockets.push(socket);
    }
  }
  return sockets;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const round = (n: number) => Math.round(n * 10) / 10;

/** Start request to: lab ready (every shell printed its prompt) and every node answering /_ping. */
async function timeLab(client: WorkshopClient, nodes: number): Promise<number> {
  const started = performance.now();
  await client.startLab(nodes);
  const sockets = nodeSockets(nodes);
  if (sockets.length !== nodes) throw new Error(`found ${sockets.length} node sockets, not ${nodes}`);
  await Promise.all(sockets.map((socket) => engineRequest(`unix://${socket}`, 'GET', '/_ping')));
  const ms = performance.now() - started;
  client.socket.emit('lab:destroy');
  await client.until('the lab to be gone', () => client.lab === null);
  return ms;
}

/** From `swarm init` on the node to the browser's cluster view showing it (undefined: init is not served yet). */
async function timeVisualizer(client: WorkshopClient): Promise<number | undefined> {
  const [socket] = nodeSockets(1);
  await client.until('the first cluster view', () => client.cluster?.swarm === 'inactive');
  const started = performance.now();
  try {
    const addr = client.lab?.nodes[0].addr;
    await engineRequest(`unix://${socket}`, 'POST', '/swarm/init', {
      ListenAddr: addr,
      AdvertiseAddr: addr,
      Spec: {},
    });
  } catch (error) {
    log(`visualizerMs: not measured (${(error as Error).message})`);
    return undefined;
  }
  await client.until('the visualizer to show the node', () => client.cluster?.nodes.length === 1, 10_000);
  return performance.now() - started;
}

/** Resolves with the time of the first onChange whose snapshot satisfies `wanted`. */
function changeSeen(
  watcher: ClusterWatcher,
  wanted: (snapshot: ClusterSnapshot) => boolean,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('onChange did not show the change within 10 s')), 10_000);
    const unsubscribe = watcher.onChange((snapshot) => {
      if (!wanted(snapshot)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(performance.now());
    });
  });
}

/** The server's ClusterWatcher (its configured backstop) on a 3-node swarm with a 3-replica service. */
async function measureWatcher(): Promise<{ idleReadsPerLabPerSec: number; changeToPushMs: number }> {
  const handle = await new LocalProvider({ labsDir: join(dataDir, 'watcher-labs') }).create({
    nodes: 3,
    managers: 1,
  });
  const watcher = new ClusterWatcher(
    { nodes: handle.lab.nodes.map((n) => ({ name: n.name, addr: n.addr, dockerHost: n.dockerHost })) },
    defaultConfig().watchIntervalMs,
  );
  try {
    const manager = handle.lab.nodes[0].dockerHost;
    await engineRequest(manager, 'POST', '/services/create', {
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'nginx' } },
      Mode: { Replicated: { Replicas: 3 } },
    });
    watcher.start();
    const deadline = Date.now() + 30_000;
    while (watcher.latest?.tasks.filter((t) => t.Status?.State === 'running').length !== 3) {
      if (Date.now() > deadline) throw new Error('the service did not get 3 running tasks within 30 s');
      await sleep(100);
    }
    await sleep(2_000);
    const idleFrom = watcher.requests;
    const idleStarted = performance.now();
    await sleep(10_000);
    const idleReadsPerLabPerSec = (watcher.requests - idleFrom) / ((performance.now() - idleStarted) / 1000);

    const pushes: number[] = [];
    for (let i = 0; i < 15; i++) {
      await sleep(200 + Math.random() * 600); // no phase lock with the backstop
      const { body: node } = await engineRequest<Node>(manager, 'GET', '/nodes/swarm-3');
      const seen = changeSeen(
        watcher,
        (s) => s.swarmNodes.find((n) => n.ID === node.ID)?.Spec?.Labels?.bench === String(i),
      );
      const started = performance.now();
      await engineRequest(manager, 'POST', `/nodes/${node.ID}/update?version=${node.Version?.Index}`, {
        ...node.Spec,
        Labels: { ...node.Spec?.Labels, bench: String(i) },
      });
      pushes.push((await seen) - started);
    }
    log(`changeToPushMs runs: ${pushes.map(Math.round).join(', ')}`);
    return { idleReadsPerLabPerSec: round(idleReadsPerLabPerSec), changeToPushMs: round(median(pushes)) };
  } finally {
    watcher.stop();
    await handle.destroy();
  }
}

async function main(): Promise<void> {
  const [line] = (await once(server.stdout!, 'data')) as [Buffer];
  const origin = /http:\/\/\S+/.exec(line.toString())?.[0];
  if (!origin) throw new Error(`the server printed no URL: ${line}`);
  const client = await WorkshopClient.connect(origin);

  await timeLab(client, 3); // warm-up: first spawns load node's code from disk
  const lab3 = [await timeLab(client, 3), await timeLab(client, 3), await timeLab(client, 3)];
  const lab9 = [await timeLab(client, 9), await timeLab(client, 9)];
  log(`lab3Ms runs: ${lab3.map(Math.round).join(', ')}; lab9Ms runs: ${lab9.map(Math.round).join(', ')}`);

  await client.startLab(1);
  const visualizerMs = await timeVisualizer(client);
  const shell = client.terminalOf('swarm-1');
  await client.attach(shell);
  await client.waitForOutput(shell, /[#$] $/);
  const echoes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const before = client.output(shell).length;
    const started = performance.now();
    client.type(shell, 'x');
    await client.until('the echo', () => client.output(shell).length > before, 5_000);
    echoes.push(performance.now() - started);
    const erased = client.output(shell).length;
    client.type(shell, '\x7f');
    await client.until('the erase', () => client.output(shell).length > erased, 5_000);
  }
  const echo = echoes.slice(20);

  const pid = server.pid!;
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 20);
  const floodBytes = 50 * 1024 * 1024;
  const before = client.output(shell).length;
  const started = performance.now();
  client.type(
    shell,
    `yes 'swarmlab flood: the quick brown fox jumps over the lazy dog 0123456789' | head -c ${floodBytes}; echo flood-$((6*7))-done\r`,
  );
  await client.until(
    'the flood to end',
    () =>
      client.output(shell).length - before >= floodBytes &&
      /flood-42-done/.test(client.output(shell).slice(-200)),
    300_000,
  );
  const floodMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, rssOf(pid));
  client.outputs.get(shell)!.text = '';
  client.close();

  const { idleReadsPerLabPerSec, changeToPushMs } = await measureWatcher();

  const result = {
    lab3Ms: Math.round(median(lab3)),
    lab9Ms: Math.round(median(lab9)),
    echoP50Ms: round(percentile(echo, 50)),
    echoP99Ms: round(percentile(echo, 99)),
    floodRssGrowthMB: round((peak - baseline) / (1024 * 1024)),
    floodMBps: round(floodBytes / (1024 * 1024) / (floodMs / 1000)),
    visualizerMs: visualizerMs === undefined ? null : Math.round(visualizerMs),
    idleReadsPerLabPerSec,
    changeToPushMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .catch((error) => {
    log(`bench:lab failed: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    server.kill('SIGTERM');
    await once(server, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  });
