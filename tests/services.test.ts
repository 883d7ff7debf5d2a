// End to end, issue 5: services on a 3-node local lab, driven by the real docker CLI as Docker's docs and the
// talk do it: create with progress, scale, self-healing after kill -9, drain, logs, the helloworld tutorial,
// tasks that cannot be placed, unknown images and global services following the nodes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bootstrapSwarm } from '../labs/bootstrap.js';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import { docker, eventually, realDocker } from './support/docker.js';
import { containerNames, httpGet, nodesById, runningTasksOf, serviceOf, tasksOf } from './support/swarm.js';

const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-services-test-'));
let handle: LabHandle;
/** swarm-1 (manager), swarm-2, swarm-3 (workers); swarm-4 joins for the global service. */
let nodes: LabNode[];
let manager: LabNode;

const note = (line: string) => process.stdout.write(`# ${line}\n`);

/** Where each running task of a service runs: lab node name -> task count. */
async function placement(service: string): Promise<Map<string, number>> {
  const byId = await nodesById(manager, nodes);
  const counts = new Map<string, number>();
  for (const task of await runningTasksOf(manager, service)) {
    const name = byId.get(task.NodeID ?? '')?.name ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

async function ok(node: LabNode, args: string[], input?: string) {
  const result = await docker(node, args, { input, timeoutMs: 120_000 });
  assert.equal(result.code, 0, `docker ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return result;
}

describe('services on a local swarm, driven by the real docker CLI (issue 5)', {
  skip: realDocker ? false : 'docker CLI not installed',
}, () => {
  before(async () => {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 4 });
    nodes = handle.lab.nodes;
    manager = nodes[0];
    await bootstrapSwarm({ ...handle.lab, nodes: nodes.slice(0, 3) }, 1, () => {});
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(labsDir, { recursive: true, force: true });
  });

  test('service create without --detach shows progress and converges; ls shows 3/3, ps the tasks', async () => {
    const create = await ok(manager, [
      'service',
      'create',
      '--name',
      'web',
      '--replicas',
      '3',
      '-p',
      '8080:80',
      'nginx',
    ]);
    assert.match(create.stdout, /overall progress: \d+ out of 3 tasks/);
    assert.match(create.stdout, /verify: Service \S+ converged/);
    const ls = await ok(manager, ['service', 'ls']);
    assert.match(ls.stdout, /\bweb\s+replicated\s+3\/3\s+nginx:latest\s+\*:8080->80\/tcp/);
    const ps = await ok(manager, ['service', 'ps', 'web']);
    const rows = ps.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 3, ps.stdout);
    for (const row of rows) assert.match(row, /web\.[123]\s+nginx:latest\s+swarm-\d\s+Running\s+Running /);
    // The routing mesh publishes 8080 on every node.
    for (const node of nodes.slice(0, 3)) {
      const answer = await httpGet(node.addr, 8080);
      assert.equal(answer.status, 200);
      assert.match(answer.body, /Welcome to nginx!/);
    }
  });

  test('service scale web=6 runs 6 tasks spread over the 3 nodes', async () => {
    const scale = await ok(manager, ['service', 'scale', 'web=6']);
    assert.match(scale.stdout, /web scaled to 6/);
    assert.match(scale.stdout, /verify: Service web converged/);
    const spread = await placement('web');
    assert.equal(
      [...spread.values()].reduce((a, b) => a + b, 0),
      6,
    );
    assert.equal(spread.size, 3, `tasks on every node: ${JSON.stringify([...spread])}`);
    assert.match((await ok(manager, ['service', 'ls'])).stdout, /\bweb\s+replicated\s+6\/6/);
  });

  test('kill -9 of a task container: the task fails, a replacement runs, service ps keeps the failed one', async () => {
    const byId = await nodesById(manager, nodes);
    const [victim] = await runningTasksOf(manager, 'web');
    const node = byId.get(victim.NodeID ?? '')!;
    const containerId = victim.Status?.ContainerStatus?.ContainerID ?? '';
    const inspect = await ok(node, ['inspect', '--format', '{{.State.Pid}} {{.State.Status}}', containerId]);
    const [pidText, status] = inspect.stdout.trim().split(' ');
    assert.equal(status, 'running');
    assert.equal(Number(pidText), victim.Status?.ContainerStatus?.PID, 'docker inspect agrees with the task');
    const killedAt = Date.now();
    process.kill(Number(pidText), 'SIGKILL');

    const failed = await eventually(
      async () => {
        const task = (await tasksOf(manager, 'web')).find((t) => t.ID === victim.ID);
        return task?.Status?.State === 'failed' ? task : undefined;
      },
      30_000,
      'the killed task to fail',
    );
    note(`kill -9 -> task failed in ${Date.now() - killedAt} ms`);
    assert.match(failed.Status?.Err ?? '', /task: non-zero exit \(137\)/);
    const replacement = await eventually(
      async () =>
        (await runningTasksOf(manager, 'web')).find((t) => t.Slot === victim.Slot && t.ID !== victim.ID),
      60_000,
      'a replacement of the killed task to run',
    );
    // Docker's default restart policy waits 5 s (RestartPolicy.Delay) before starting the replacement.
    note(`kill -9 -> replacement running in ${Date.now() - killedAt} ms (restart delay 5 s included)`);
    assert.equal((await runningTasksOf(manager, 'web')).length, 6);
    const ps = await ok(manager, ['service', 'ps', 'web']);
    const history = ps.stdout.split('\n').find((line) => line.startsWith(victim.ID?.slice(0, 12) ?? '-'));
    assert.match(
      history ?? '',
      /\\_ web\.\d+\s+nginx:latest\s+swarm-\d\s+Shutdown\s+Failed .*"task: non-zero exit \(137\)"/,
    );
    assert.match(ps.stdout, new RegExp(`${replacement.ID?.slice(0, 12)}\\s+web\\.${victim.Slot}\\s`));
  });

  test('draining swarm-3 moves its tasks to the other nodes, and active lets it take new ones', async () => {
    await ok(manager, ['node', 'update', '--availability', 'drain', 'swarm-3']);
    await eventually(
      async () => {
        const spread = await placement('web');
        const total = [...spread.values()].reduce((a, b) => a + b, 0);
        return !spread.has('swarm-3') && total === 6 ? true : undefined;
      },
      60_000,
      'the 6 tasks to run on swarm-1 and swarm-2 only',
    );
    const ps = await ok(manager, [
      'service',
      'ps',
      'web',
      '--filter',
      'node=swarm-3',
      '--filter',
      'desired-state=running',
    ]);
    assert.equal(ps.stdout.trim().split('\n').length, 1, `no task should run on swarm-3:\n${ps.stdout}`);
    await eventually(
      async () => ((await containerNames(nodes[2])).some((n) => n.startsWith('web.')) ? undefined : true),
      30_000,
      'the web containers on swarm-3 to stop',
    );
    await ok(manager, ['node', 'update', '--availability', 'active', 'swarm-3']);
    assert.match((await ok(manager, ['node', 'ls'])).stdout, /swarm-3\s+Ready\s+Active/);
  });

  test('service logs shows every task, and docker ps on a node lists its containers', async () => {
    // As Docker does, what a task wrote to stderr (nginx's notices) comes out on the CLI's stderr.
    const logs = await ok(manager, ['service', 'logs', 'web']);
    const lines = `${logs.stdout}${logs.stderr}`.split('\n').filter(Boolean);
    assert.ok(lines.length > 0, 'service logs printed nothing');
    for (const line of lines) assert.match(line, /^web\.\d+\.[0-9a-z]{12}@swarm-\d\s+\| /, line);
    assert.match(logs.stderr, /\[notice\] 1#1: nginx\/\d+\.\d+\.\d+/);
    assert.match(logs.stdout, /"GET \/ HTTP\/1\.1" 200 /, 'the access log of the curl requests');
    const tail = await ok(manager, ['service', 'logs', '--tail', '1', '--no-task-ids', 'web']);
    const tailLines = `${tail.stdout}${tail.stderr}`.split('\n').filter(Boolean);
    assert.ok(tailLines.length >= 6, `one line per task at least:\n${tailLines.join('\n')}`);
    for (const line of tailLines) assert.match(line, /^web\.\d+@swarm-\d\s+\| [^|]*$/, line);

    const byId = await nodesById(manager, nodes);
    const running = await runningTasksOf(manager, 'web');
    for (const node of nodes.slice(0, 3)) {
      const expected = running
        .filter((t) => byId.get(t.NodeID ?? '') === node)
        .map((t) => `web.${t.Slot}.${t.ID}`)
        .sort();
      const names = (
        await containerNames(node, ['--filter', 'label=com.docker.swarm.service.name=web'])
      ).sort();
      assert.deepEqual(names, expected, `docker ps on ${node.name}`);
    }
  });

  test('the helloworld tutorial: alpine ping runs, and service rm removes it and its containers', async () => {
    const create = await ok(manager, [
      'service',
      'create',
      '--replicas',
      '1',
      '--name',
      'helloworld',
      'alpine',
      'ping',
      'docker.com',
    ]);
    assert.match(create.stdout, /verify: Service \S+ converged/);
    const [task] = await runningTasksOf(manager, 'helloworld');
    assert.ok(task, 'helloworld runs');
    const node = (await nodesById(manager, nodes)).get(task.NodeID ?? '')!;
    assert.deepEqual(await containerNames(node, ['--filter', 'name=helloworld']), [
      `helloworld.1.${task.ID}`,
    ]);
    const logs = await eventually(
      async () => {
        const result = await ok(manager, ['service', 'logs', 'helloworld']);
        const output = `${result.stdout}${result.stderr}`;
        return /ping/i.test(output) ? output : undefined;
      },
      20_000,
      'helloworld to log its pings',
    );
    assert.match(logs, /^helloworld\.1\.[0-9a-z]{12}@swarm-\d\s+\| /m);
    const pid = task.Status?.ContainerStatus?.PID ?? 0;

    const rm = await ok(manager, ['service', 'rm', 'helloworld']);
    assert.equal(rm.stdout.trim(), 'helloworld');
    const inspect = await docker(manager, ['service', 'inspect', 'helloworld']);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /no such service: helloworld/);
    for (const n of nodes.slice(0, 3)) {
      await eventually(
        async () =>
          (await containerNames(n, ['-a', '--filter', 'name=helloworld'])).length === 0 ? true : undefined,
        30_000,
        `the helloworld container to be removed from ${n.name}`,
      );
    }
    assert.throws(() => process.kill(pid, 0), 'the container process is gone');
  });

  test('a task no node can take stays pending with the scheduler reason', async () => {
    await ok(manager, [
      'service',
      'create',
      '--detach',
      '--name',
      'big',
      '--reserve-memory',
      '1000g',
      'nginx',
    ]);
    const ps = await eventually(
      async () => {
        const result = await ok(manager, ['service', 'ps', '--no-trunc', 'big']);
        return /no suitable node/.test(result.stdout) ? result.stdout : undefined;
      },
      30_000,
      'the scheduler to explain why big is pending',
    );
    assert.match(
      ps,
      /big\.1\s+nginx:latest@sha256:[0-9a-f]{64}\s+Running\s+Pending .*"no suitable node \(insufficient resources on 3 nodes\)"/,
    );
    assert.match((await ok(manager, ['service', 'ls'])).stdout, /\bbig\s+replicated\s+0\/1/);
    await ok(manager, ['service', 'rm', 'big']);
  });

  test('an unknown image is rejected on the node with "No such image"', async () => {
    const create = await ok(manager, ['service', 'create', '--detach', '--name', 'nope', 'nosuchimage:9']);
    assert.match(
      create.stderr,
      /image nosuchimage:9 could not be accessed on a registry to record\nits digest/,
    );
    const ps = await eventually(
      async () => {
        const result = await ok(manager, ['service', 'ps', '--no-trunc', 'nope']);
        return /Rejected/.test(result.stdout) ? result.stdout : undefined;
      },
      30_000,
      'the task of nope to be rejected',
    );
    assert.match(ps, /nope\.1\s+nosuchimage:9\s+swarm-\d\s+\w+\s+Rejected .*"No such image: nosuchimage:9"/);
    assert.equal((await runningTasksOf(manager, 'nope')).length, 0);
    await ok(manager, ['service', 'rm', 'nope']);
  });

  test('a global service runs one task per node and follows nodes that join, drain and leave', async () => {
    await ok(manager, [
      'service',
      'create',
      '--detach',
      '--name',
      'agent',
      '--mode',
      'global',
      'alpine',
      'sleep',
      '1d',
    ]);
    const onEveryNode = (count: number) => async () => {
      const spread = await placement('agent');
      return spread.size === count && [...spread.values()].every((n) => n === 1) ? spread : undefined;
    };
    await eventually(onEveryNode(3), 60_000, 'one agent task on each of the 3 nodes');
    assert.match((await ok(manager, ['service', 'ls'])).stdout, /\bagent\s+global\s+3\/3/);

    const token = (await ok(manager, ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    const join = await ok(nodes[3], [
      'swarm',
      'join',
      '--token',
      token,
      '--advertise-addr',
      nodes[3].addr,
      manager.clusterAddr,
    ]);
    assert.match(join.stdout, /This node joined a swarm as a worker\./);
    const spread = await eventually(onEveryNode(4), 60_000, 'an agent task on swarm-4 once it joined');
    assert.equal(spread.get('swarm-4'), 1);

    await ok(manager, ['node', 'update', '--availability', 'drain', 'swarm-4']);
    await eventually(onEveryNode(3), 60_000, 'the agent task of swarm-4 to stop once it is drained');
    assert.equal((await placement('agent')).has('swarm-4'), false);

    await ok(manager, ['node', 'update', '--availability', 'active', 'swarm-4']);
    await eventually(onEveryNode(4), 60_000, 'the agent task to come back to swarm-4');

    await ok(nodes[3], ['swarm', 'leave']);
    await eventually(
      async () => {
        const ls = await ok(manager, ['node', 'ls']);
        return /swarm-4\s+Down/.test(ls.stdout) ? true : undefined;
      },
      60_000,
      'swarm-4 to be down after it left',
    );
    await ok(manager, ['node', 'rm', 'swarm-4']);
    await eventually(onEveryNode(3), 60_000, 'the agent service back to the 3 nodes');
    const service = await serviceOf(manager, 'agent');
    assert.ok(service.Spec?.Mode?.Global, 'global mode');
    assert.match((await ok(manager, ['service', 'ls'])).stdout, /\bagent\s+global\s+3\/3/);
  });
});
