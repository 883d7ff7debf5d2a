// The workshop's ClusterWatcher against a real lab: changes made through the Engine API reach onChange through
// the nodes' /events streams (the backstop poll is set to a minute so it cannot be what saw them), the streams
// survive a node restart, and stop() leaves nothing open.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle } from '../labs/provider.js';
import type { ClusterSnapshot, LabTarget } from '../lessons/checks/cluster-snapshot.js';
import { ClusterWatcher } from '../server/cluster/cluster-watcher.js';
import { docker, eventually } from './support/docker.js';

const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-watcher-'));
const provider = new LocalProvider({ labsDir: join(scratch, 'nodes') });
/** Long enough that only events (or a poke) can explain a reading within a test. */
const backstopMs = 60_000;
let handle: LabHandle;
let target: LabTarget;

before(async () => {
  handle = await provider.create({ nodes: 3, managers: 1 });
  target = {
    nodes: handle.lab.nodes.map((n) => ({ name: n.name, addr: n.addr, dockerHost: n.dockerHost })),
  };
});

after(async () => {
  await handle?.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first snapshot onChange reports (from now on) that satisfies `wanted`. */
function changeWhere(
  watcher: ClusterWatcher,
  what: string,
  wanted: (snapshot: ClusterSnapshot) => boolean,
  timeoutMs = 15_000,
): Promise<ClusterSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`onChange did not report ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = watcher.onChange((snapshot) => {
      if (!wanted(snapshot)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(snapshot);
    });
  });
}

async function ok(node: number, args: string[]): Promise<string> {
  const result = await docker(handle.lab.nodes[node], args);
  assert.equal(result.code, 0, `docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const running = (snapshot: ClusterSnapshot, service: string) => {
  const id = snapshot.services.find((s) => s.Spec?.Name === service)?.ID;
  return snapshot.tasks.filter((t) => t.ServiceID === id && t.Status?.State === 'running').length;
};
const availability = (snapshot: ClusterSnapshot, node: string) =>
  snapshot.swarmNodes.find((n) => n.Description?.Hostname === node)?.Spec?.Availability;

test('API changes reach onChange through the event streams, not the backstop poll', async () => {
  const watcher = new ClusterWatcher(target, backstopMs);
  const first = changeWhere(watcher, 'the first reading', () => true);
  watcher.start();
  try {
    assert.equal((await first).manager, 'swarm-1');
    await eventually(async () => (watcher.openStreams === 3 ? true : undefined), 10_000, 'three streams');

    // Quiet: with the backstop a minute away, an idle lab costs no reads at all.
    await sleep(300);
    const quietFrom = watcher.requests;
    await sleep(1_500);
    assert.equal(watcher.requests, quietFrom, 'requests while the lab is idle');

    const created = changeWhere(watcher, 'web with 2 running tasks', (s) => running(s, 'web') === 2);
    await ok(0, ['service', 'create', '--detach', '--name', 'web', '--replicas', '2', 'nginx']);
    await created;

    const scaled = changeWhere(watcher, 'web with 3 running tasks', (s) => running(s, 'web') === 3);
    await ok(0, ['service', 'scale', '--detach', 'web=3']);
    await scaled;

    const drained = changeWhere(watcher, 'swarm-2 drained', (s) => availability(s, 'swarm-2') === 'drain');
    await ok(0, ['node', 'update', '--availability', 'drain', 'swarm-2']);
    await drained;
    assert.equal(watcher.openStreams, 3);
  } finally {
    watcher.stop();
  }
});

test('the streams follow a node through a restart', async () => {
  const watcher = new ClusterWatcher(target, backstopMs);
  watcher.start();
  try {
    await eventually(async () => (watcher.openStreams === 3 ? true : undefined), 10_000, 'three streams');
    // swarm-1 is the only manager: after it restarts, node events come from its new stream or not at all.
    const back = changeWhere(
      watcher,
      'the restarted manager answering with swarm-2 still drained',
      (s) => s.manager === 'swarm-1' && availability(s, 'swarm-2') === 'drain',
      30_000,
    );
    await handle.restartNode('swarm-1');
    await eventually(async () => (watcher.openStreams === 3 ? true : undefined), 15_000, 'three streams');
    await back;

    const active = changeWhere(
      watcher,
      'swarm-2 active again',
      (s) => availability(s, 'swarm-2') === 'active',
    );
    await eventually(
      async () => ((await docker(handle.lab.nodes[0], ['node', 'ls'])).code === 0 ? true : undefined),
      15_000,
      'the restarted manager to answer node ls',
    );
    await ok(0, ['node', 'update', '--availability', 'active', 'swarm-2']);
    await active;
  } finally {
    watcher.stop();
  }
});

test('stop() ends the streams, the reading in flight and every timer', async () => {
  const resources = () => {
    const counts = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return counts;
  };
  await sleep(50);
  const idle = resources();
  const watcher = new ClusterWatcher(target, 200);
  watcher.start();
  await eventually(async () => (watcher.openStreams === 3 ? true : undefined), 10_000, 'three streams');
  const watching = resources();
  assert.ok(
    (watching.get('PipeWrap') ?? 0) >= (idle.get('PipeWrap') ?? 0) + 3,
    `the three streams hold sockets: ${JSON.stringify([...watching])}`,
  );
  watcher.poke();
  watcher.stop();
  assert.equal(watcher.openStreams, 0);
  await sleep(100);
  const stopped = resources();
  for (const kind of ['PipeWrap', 'Timeout']) {
    assert.equal(
      stopped.get(kind) ?? 0,
      idle.get(kind) ?? 0,
      `${kind} after stop(): ${JSON.stringify([...stopped])}, before start(): ${JSON.stringify([...idle])}`,
    );
  }
  const requests = watcher.requests;
  await sleep(500);
  assert.equal(watcher.requests, requests, 'no request after stop()');
});
