import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../api/engine-types.js';
import type { TaskObject } from '../../store/objects.js';
import type { ReadTx } from '../../store/transaction.js';
import { createService, updateService } from '../controlapi/services.js';
import { startManagerLoops } from '../loops.js';
import {
  addNode,
  localStore,
  type NodeOptions,
  setNode,
  simulateAgents,
  waitFor,
} from '../orchestrator/test-helpers.js';

const gib = 1024 ** 3;

function spec(
  name: string,
  replicas: number,
  template: ServiceSpec['TaskTemplate'] = {},
  extra: Partial<ServiceSpec> = {},
) {
  return {
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: 'nginx:latest' }, ...template },
    Mode: { Replicated: { Replicas: replicas } },
    ...extra,
  };
}

async function cluster(nodes: NodeOptions[]) {
  const store = localStore();
  const ids: string[] = [];
  for (const options of nodes) ids.push((await addNode(store, options)).ID);
  const abort = new AbortController();
  const loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  simulateAgents(store, abort.signal);
  return {
    store,
    nodes: ids,
    async stop() {
      abort.abort();
      await loops;
    },
  };
}

const assigned = (tx: ReadTx, serviceId: string) =>
  tx.tasksByService(serviceId).filter((t) => t.NodeID && t.DesiredState === 'running');
const pending = (tx: ReadTx, serviceId: string) =>
  tx.tasksByService(serviceId).filter((t) => t.Status.State === 'pending' && t.Status.Err);

function perNode(tasks: TaskObject[]): number[] {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.NodeID!, (counts.get(t.NodeID!) ?? 0) + 1);
  return [...counts.values()].sort();
}

test('tasks spread by fewest tasks of the service, then fewest tasks overall', async () => {
  const c = await cluster([{}, {}, {}]);
  try {
    const a = await createService(c.store, spec('a', 6));
    const six = await waitFor(
      c.store,
      (tx) => assigned(tx, a.ID).length === 6 && assigned(tx, a.ID),
      '6 placed',
    );
    assert.deepEqual(perNode(six), [2, 2, 2]);
    const b = await createService(c.store, spec('b', 1));
    await waitFor(c.store, (tx) => assigned(tx, b.ID).length === 1, 'b placed');
    const c2 = await createService(c.store, spec('c', 2));
    const cTasks = await waitFor(
      c.store,
      (tx) => assigned(tx, c2.ID).length === 2 && assigned(tx, c2.ID),
      'c placed',
    );
    const bNode = c.store.view((tx) => assigned(tx, b.ID)[0].NodeID);
    assert.ok(!cTasks.some((t) => t.NodeID === bNode), 'c avoids the node that has more tasks overall');
  } finally {
    await c.stop();
  }
});

test("reservations count against node resources; what does not fit waits with Swarm's message", async () => {
  const c = await cluster([{ nanoCPUs: 1e9 }, { nanoCPUs: 1e9 }, { nanoCPUs: 1e9 }]);
  try {
    const { ID } = await createService(
      c.store,
      spec('cpu', 8, { Resources: { Reservations: { NanoCPUs: 5e8 } } }),
    );
    const waiting = await waitFor(
      c.store,
      (tx) => pending(tx, ID).length === 2 && pending(tx, ID),
      '2 pending',
    );
    assert.equal(c.store.view((tx) => assigned(tx, ID)).length, 6);
    assert.deepEqual(
      waiting.map((t) => t.Status.Err),
      [
        'no suitable node (insufficient resources on 3 nodes)',
        'no suitable node (insufficient resources on 3 nodes)',
      ],
    );
    // A new node makes room: the waiting tasks are retried.
    await addNode(c.store, { nanoCPUs: 2e9 });
    await waitFor(c.store, (tx) => assigned(tx, ID).length === 8, 'all 8 placed');
  } finally {
    await c.stop();
  }
});

test('constraints select nodes; the messages count each reason, most frequent first', async () => {
  const c = await cluster([
    { hostname: 'a', labels: { zone: 'east' } },
    { hostname: 'b' },
    { hostname: 'c' },
  ]);
  try {
    const east = await createService(
      c.store,
      spec('east', 2, { Placement: { Constraints: ['node.labels.zone==east'] } }),
    );
    const placed = await waitFor(
      c.store,
      (tx) => assigned(tx, east.ID).length === 2 && assigned(tx, east.ID),
      'east placed',
    );
    assert.deepEqual(perNode(placed), [2]);

    const byHost = await createService(
      c.store,
      spec('not-a', 2, { Placement: { Constraints: ['node.hostname!=a'] } }),
    );
    const spread = await waitFor(
      c.store,
      (tx) => assigned(tx, byHost.ID).length === 2 && assigned(tx, byHost.ID),
      'not-a placed',
    );
    assert.ok(!spread.some((t) => t.NodeID === c.nodes[0]));

    await setNode(c.store, c.nodes[1], { availability: 'drain' });
    const west = await createService(
      c.store,
      spec('west', 1, { Placement: { Constraints: ['node.labels.zone==west'] } }),
    );
    const [stuck] = await waitFor(
      c.store,
      (tx) => pending(tx, west.ID).length === 1 && pending(tx, west.ID),
      'west pending',
    );
    assert.equal(
      stuck.Status.Err,
      'no suitable node (scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks)',
    );
    await setNode(c.store, c.nodes[2], { labels: { zone: 'west' } });
    await waitFor(
      c.store,
      (tx) => assigned(tx, west.ID).length === 1,
      'west placed once a node has the label',
    );

    const managers = await createService(
      c.store,
      spec('viz', 1, { Placement: { Constraints: ['node.role==manager'] } }),
    );
    const [none] = await waitFor(
      c.store,
      (tx) => pending(tx, managers.ID).length === 1 && pending(tx, managers.ID),
      'viz pending',
    );
    assert.equal(
      none.Status.Err,
      'no suitable node (scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks)',
    );
  } finally {
    await c.stop();
  }
});

test('no ready node: every node is "not available for new tasks"', async () => {
  const c = await cluster([{ state: 'down' }, { availability: 'pause' }, { availability: 'drain' }]);
  try {
    const { ID } = await createService(c.store, spec('web', 1));
    const [task] = await waitFor(c.store, (tx) => pending(tx, ID).length === 1 && pending(tx, ID), 'pending');
    assert.equal(task.Status.Err, 'no suitable node (3 nodes not available for new tasks)');
  } finally {
    await c.stop();
  }
});

test('host-mode ports and MaxReplicas limit how many tasks a node takes', async () => {
  const c = await cluster([{}, {}, {}]);
  try {
    const host = await createService(
      c.store,
      spec(
        'host',
        4,
        {},
        { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }] } },
      ),
    );
    const [blocked] = await waitFor(
      c.store,
      (tx) => pending(tx, host.ID).length === 1 && pending(tx, host.ID),
      '1 pending',
    );
    assert.equal(blocked.Status.Err, 'no suitable node (host-mode port already in use on 3 nodes)');
    assert.deepEqual(perNode(c.store.view((tx) => assigned(tx, host.ID))), [1, 1, 1]);

    const max = await createService(c.store, spec('max', 5, { Placement: { MaxReplicas: 1 } }));
    const waiting = await waitFor(
      c.store,
      (tx) => pending(tx, max.ID).length === 2 && pending(tx, max.ID),
      '2 pending',
    );
    assert.equal(waiting[0].Status.Err, 'no suitable node (max replicas per node limit exceed)');
  } finally {
    await c.stop();
  }
});

test('memory reservations: a service too big for any node waits; an update that fits places it', async () => {
  const c = await cluster([{ memoryBytes: gib }, { memoryBytes: gib }, { memoryBytes: gib }]);
  try {
    const big = spec('big', 1, { Resources: { Reservations: { MemoryBytes: 2 * gib } } });
    const { ID } = await createService(c.store, big);
    const [task] = await waitFor(c.store, (tx) => pending(tx, ID).length === 1 && pending(tx, ID), 'pending');
    assert.equal(task.Status.Err, 'no suitable node (insufficient resources on 3 nodes)');
    const service = c.store.view((tx) => tx.get('services', ID))!;
    await updateService(
      c.store,
      ID,
      {
        ...service.Spec,
        TaskTemplate: {
          ...service.Spec.TaskTemplate,
          Resources: { Reservations: { MemoryBytes: 20 * 1024 ** 2 } },
        },
      },
      { version: String(service.Version.Index) },
    );
    await waitFor(
      c.store,
      (tx) => tx.tasksByService(ID).some((t) => t.Status.State === 'running' && t.DesiredState === 'running'),
      'the updated task running',
    );
  } finally {
    await c.stop();
  }
});
