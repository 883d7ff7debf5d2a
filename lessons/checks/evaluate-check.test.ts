import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, Service, Task } from '../../orchestrator/api/engine-types.js';
import { createCheckContext } from './check-context.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { evaluateCheck } from './evaluate-check.js';
import { parseCheck } from './parse-check.js';

// A cluster state in the shapes of the Engine API v1.47 definitions: three nodes, a service with one task
// that cannot be placed.
const lab = {
  nodes: [1, 2, 3].map((i) => ({
    name: `swarm-${i}`,
    addr: `127.0.9.${i}`,
    dockerHost: `unix:///nowhere/${i}.sock`,
  })),
};
const node = (i: number, role: 'manager' | 'worker', state: 'ready' | 'down' = 'ready'): Node => ({
  ID: `node${i}`,
  Spec: { Role: role, Availability: 'active' },
  Description: { Hostname: `swarm-${i}` },
  Status: { State: state, Addr: `127.0.9.${i}` },
  ...(role === 'manager'
    ? { ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: `127.0.9.${i}:2377` } }
    : {}),
});
const service: Service = {
  ID: 'svc1',
  Spec: { Name: 'docker-routing-mesh', Mode: { Replicated: { Replicas: 3 } } },
};
const task = (slot: number, state: Task['DesiredState'], nodeId?: string, err?: string): Task => ({
  ID: `task${slot}`,
  ServiceID: 'svc1',
  Slot: slot,
  NodeID: nodeId,
  DesiredState: 'running',
  Status: { State: state, Message: state, ...(err ? { Err: err } : {}) },
});
const snapshot: ClusterSnapshot = {
  takenAt: 0,
  nodes: lab.nodes.map((n) => ({ name: n.name, addr: n.addr, reachable: true })),
  manager: 'swarm-1',
  swarmNodes: [node(1, 'manager'), node(2, 'worker'), node(3, 'worker', 'down')],
  services: [service],
  tasks: [
    task(1, 'running', 'node1'),
    task(2, 'running', 'node2'),
    task(3, 'pending', undefined, 'no suitable node (insufficient resources on 3 nodes)'),
    { ...task(4, 'shutdown', 'node3'), DesiredState: 'shutdown' },
  ],
  networks: [],
  secrets: [],
  errors: [],
};

async function check(line: string) {
  return evaluateCheck(parseCheck(line), createCheckContext(lab, snapshot));
}

test('a missing replica is named, with why it is not running', async () => {
  assert.deepEqual(await check('running tasks of docker-routing-mesh: count == 3'), {
    ok: false,
    message:
      'expected 3 running tasks of docker-routing-mesh, found 2: docker-routing-mesh.3 is pending (no suitable node (insufficient resources on 3 nodes))',
  });
  assert.deepEqual(await check('running tasks of docker-routing-mesh: count >= 2'), {
    ok: true,
    message: '2 running tasks of docker-routing-mesh',
  });
  assert.deepEqual(await check('running tasks of docker-routing-mesh on managers: count == 1'), {
    ok: true,
    message: '1 running task of docker-routing-mesh on managers',
  });
  assert.deepEqual(await check('running tasks of docker-routing-mesh on swarm-3: count == 1'), {
    ok: false,
    message:
      'expected 1 running task of docker-routing-mesh on swarm-3, found 0: docker-routing-mesh.1 runs on swarm-1, a manager; docker-routing-mesh.2 runs on swarm-2, a worker; docker-routing-mesh.3 is pending (no suitable node (insufficient resources on 3 nodes))',
  });
  assert.deepEqual(await check('running tasks of web: count == 1'), {
    ok: false,
    message: 'service web does not exist yet',
  });
});

test('nodes that are not as asked for are named with their state', async () => {
  assert.deepEqual(await check('nodes where Status.State == ready: count == 3'), {
    ok: false,
    message: 'expected 3 nodes where Status.State == ready, found 2: swarm-3 is down',
  });
  assert.deepEqual(
    await check('nodes where ManagerStatus.Leader == true: count == 1, ManagerStatus.Addr == $SWARM_1:2377'),
    {
      ok: true,
      message: '1 node where ManagerStatus.Leader == true, with ManagerStatus.Addr == 127.0.9.1:2377',
    },
  );
  assert.deepEqual(await check('nodes where Spec.Role == worker: Status.State == ready'), {
    ok: false,
    message: 'swarm-3: expected Status.State == ready, found down',
  });
  assert.deepEqual(await check('node swarm-2: Spec.Role == manager'), {
    ok: false,
    message: 'node swarm-2: expected Spec.Role == manager, found worker',
  });
  assert.deepEqual(await check('node swarm-7: Spec.Role == manager'), {
    ok: false,
    message: 'swarm-7 is not a node of the swarm (docker node ls lists them)',
  });
});

test('services and their absence', async () => {
  assert.deepEqual(await check('service docker-routing-mesh: Spec.Mode.Replicated.Replicas == 3'), {
    ok: true,
    message: 'service docker-routing-mesh: Spec.Mode.Replicated.Replicas == 3',
  });
  assert.deepEqual(await check('no service docker-routing-mesh'), {
    ok: false,
    message: 'service docker-routing-mesh still exists (docker service rm docker-routing-mesh removes it)',
  });
  assert.deepEqual(await check('no service helloworld'), { ok: true, message: 'service helloworld is gone' });
  assert.deepEqual(await check('swarm: JoinTokens.Worker exists'), {
    ok: false,
    message: 'cannot read the swarm: no answer',
  });
});
