// End to end: a start-first rolling update of the demo app (1.0.0 -> 2.0.0) on a 3-node local lab, driven by
// the real docker CLI, while clients hit the routing mesh of every node without pause: some with a new
// connection per request, some keeping their connection alive. None of their requests may fail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import { docker, realDocker } from './support/docker.js';
import { hostnameAnswer, httpGet, runningTasksOf } from './support/swarm.js';

const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-zero-downtime-test-'));
let handle: LabHandle;
let nodes: LabNode[];

const v2Answer = '{"version":"2.0.0","status":"OK"}';

/** Clients hitting `GET /health` on the nodes' published port 8080 until stopped. */
function load(targets: LabNode[], clients: { newConnection: number; keepAlive: number }) {
  const result = { ok: 0, failed: 0, errors: [] as string[], v1: 0, v2: 0, last: [] as string[] };
  let running = true;
  const agents: Agent[] = [];
  const loop = async (index: number, agent: Agent | false) => {
    let turn = index;
    while (running) {
      // Fresh-connection clients go round the nodes; a keep-alive client stays on its node.
      const node = targets[(agent ? index : turn++) % targets.length];
      try {
        const answer = await httpGet(node.addr, 8080, '/health', agent);
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.body}`);
        if (answer.body === v2Answer) result.v2++;
        else if (hostnameAnswer.test(answer.body)) result.v1++;
        else throw new Error(`unexpected answer ${answer.body}`);
        result.ok++;
        result.last.push(answer.body);
        if (result.last.length > 20) result.last.shift();
      } catch (error) {
        result.failed++;
        result.errors.push(
          `${agent ? 'keep-alive' : 'new connection'} to ${node.name}: ${(error as Error).message}`,
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const loops = [
    ...Array.from({ length: clients.newConnection }, (_, i) => loop(i, false)),
    ...Array.from({ length: clients.keepAlive }, (_, i) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      return loop(i, agent);
    }),
  ];
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      return result;
    },
  };
}

describe('zero-downtime rolling update through the routing mesh', {
  skip: realDocker ? false : 'docker CLI not installed',
}, () => {
  before(async () => {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 3, managers: 1 });
    nodes = handle.lab.nodes;
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(labsDir, { recursive: true, force: true });
  });

  test('start-first update 1.0.0 -> 2.0.0 under load: no failed request, new and kept-alive connections', async () => {
    const manager = nodes[0];
    const create = await docker(
      manager,
      [
        'service',
        'create',
        '--name',
        'docker-routing-mesh',
        '--replicas',
        '3',
        '--publish',
        '8080:8080',
        'albertogviana/docker-routing-mesh:1.0.0',
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(create.code, 0, create.stderr);
    assert.equal((await runningTasksOf(manager, 'docker-routing-mesh')).length, 3);

    const traffic = load(nodes, { newConnection: 2, keepAlive: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const update = await docker(
      manager,
      [
        'service',
        'update',
        '--update-order',
        'start-first',
        '--image',
        'albertogviana/docker-routing-mesh:2.0.0',
        'docker-routing-mesh',
      ],
      { timeoutMs: 180_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const result = await traffic.stop();
    process.stdout.write(
      `# ${result.ok} requests (${result.v1} to 1.0.0, ${result.v2} to 2.0.0), ${result.failed} failed\n`,
    );
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stdout, /verify: Service docker-routing-mesh converged/);
    assert.deepEqual(result.errors.slice(0, 10), []);
    assert.equal(result.failed, 0);
    assert.ok(result.v1 > 20 && result.v2 > 20, 'the load ran before, during and after the update');
    assert.deepEqual(new Set(result.last), new Set([v2Answer]), 'only 2.0.0 answers at the end');
    const running = await runningTasksOf(manager, 'docker-routing-mesh');
    assert.equal(running.length, 3);
    for (const task of running) assert.match(task.Spec?.ContainerSpec?.Image ?? '', /:2\.0\.0@sha256:/);
  });
});
