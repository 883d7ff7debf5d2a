import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../api/engine-types.js';
import type { Store } from '../../store/store.js';
import { createService, removeService, updateService } from '../controlapi/services.js';
import { startManagerLoops } from '../loops.js';
import {
  type AgentBehaviour,
  addNode,
  localStore,
  runningTasks,
  setNode,
  simulateAgents,
  waitFor,
} from './test-helpers.js';

const ms = 1_000_000; // nanoseconds

function spec(name: string, replicas: number, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    Name: name,
    TaskTemplate: {
      ContainerSpec: { Image: 'nginx:latest' },
      RestartPolicy: { Condition: 'any', Delay: 50 * ms },
    },
    Mode: { Replicated: { Replicas: replicas } },
    ...extra,
  };
}

async function cluster(nodes: number, behaviour: AgentBehaviour = {}) {
  const store = localStore();
  const ids: string[] = [];
  for (let i = 0; i < nodes; i++) ids.push((await addNode(store, { hostname: `node-${i + 1}` })).ID);
  const abort = new AbortController();
  const loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  simulateAgents(store, abort.signal, behaviour);
  return {
    store,
    nodes: ids,
    async stop() {
      abort.abort();
      await loops;
    },
  };
}

async function scale(store: Store, id: string, replicas: number) {
  const service = store.view((tx) => tx.get('services', id))!;
  await updateService(
    store,
    id,
    { ...service.Spec, Mode: { Replicated: { Replicas: replicas } } },
    {
      version: String(service.Version.Index),
    },
  );
}

test('a replicated service gets slots 1..N, named like docker shows them, spread over the nodes', async () => {
  const c = await cluster(3);
  try {
    const { ID } = await createService(c.store, spec('web', 3));
    const tasks = await waitFor(
      c.store,
      (tx) => runningTasks(tx, ID).length === 3 && runningTasks(tx, ID),
      '3 running',
    );
    assert.deepEqual(tasks.map((t) => t.Slot).sort(), [1, 2, 3]);
    assert.deepEqual(tasks.map((t) => t.Name).sort(), ['web.1', 'web.2', 'web.3']);
    assert.equal(new Set(tasks.map((t) => t.NodeID)).size, 3, 'one task per node');
    assert.ok(tasks.every((t) => t._specVersion === 0));
  } finally {
    await c.stop();
  }
});

test('scaling up adds the missing slots; scaling down removes the highest, and the reaper deletes them', async () => {
  const c = await cluster(2);
  try {
    const { ID } = await createService(c.store, spec('web', 2));
    await waitFor(c.store, (tx) => runningTasks(tx, ID).length === 2, '2 running');
    await scale(c.store, ID, 5);
    const five = await waitFor(
      c.store,
      (tx) => runningTasks(tx, ID).length === 5 && runningTasks(tx, ID),
      '5 running',
    );
    assert.deepEqual(five.map((t) => t.Slot).sort(), [1, 2, 3, 4, 5]);

    await scale(c.store, ID, 2);
    await waitFor(c.store, (tx) => tx.tasksByService(ID).length === 2, 'the removed tasks deleted');
    const left = c.store.view((tx) => tx.tasksByService(ID));
    assert.equal(left.length, 2);
    assert.ok(left.every((t) => t.DesiredState === 'running' && t.Status.State === 'running'));
    // Balanced: one per node stays.
    assert.equal(new Set(left.map((t) => t.NodeID)).size, 2);
  } finally {
    await c.stop();
  }
});

test('a failed task is replaced in its slot, and the replacement starts only after the restart delay', async () => {
  let failures = 0;
  const c = await cluster(2, {
    onRunning: (task) => (task.Slot === 1 && failures++ === 0 ? 'failed' : undefined),
  });
  try {
    const base = spec('web', 2);
    base.TaskTemplate!.RestartPolicy = { Condition: 'any', Delay: 400 * ms };
    const { ID } = await createService(c.store, base);
    const replacement = await waitFor(
      c.store,
      (tx) => tx.tasksByService(ID).find((t) => t.Slot === 1 && t.DesiredState === 'ready'),
      'a delayed replacement in slot 1',
    );
    const failed = c.store.view((tx) => tx.tasksByService(ID).find((t) => t.Status.State === 'failed'))!;
    assert.equal(failed.Slot, 1);
    assert.equal(failed.DesiredState, 'shutdown');
    const createdAt = Date.parse(replacement.CreatedAt);
    const started = await waitFor(
      c.store,
      (tx) => {
        const t = tx.get('tasks', replacement.ID);
        return t?.Status.State === 'running' && t;
      },
      'the replacement running',
    );
    assert.ok(Date.parse(started.Status.Timestamp) - createdAt >= 350, 'started after the delay');
    assert.equal(started.Slot, 1);
  } finally {
    await c.stop();
  }
});

test('MaxAttempts bounds the restarts of a slot; the slot then stays as it is', async () => {
  const c = await cluster(1, { onRunning: () => 'failed' });
  try {
    const base = spec('crash', 1);
    base.TaskTemplate!.RestartPolicy = { Condition: 'on-failure', Delay: 10 * ms, MaxAttempts: 2 };
    const { ID } = await createService(c.store, base);
    await waitFor(
      c.store,
      (tx) => tx.tasksByService(ID).filter((t) => t.Status.State === 'failed').length === 3,
      '3 failures',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tasks = c.store.view((tx) => tx.tasksByService(ID));
    assert.equal(tasks.length, 3, 'the first task and 2 restarts');
    assert.ok(tasks.every((t) => t.DesiredState === 'shutdown'));
  } finally {
    await c.stop();
  }
});

test('restart conditions: none never restarts, on-failure does not restart a task that completed', async () => {
  const c = await cluster(1, { onRunning: (task) => (task.ServiceID === failingId ? 'failed' : 'complete') });
  let failingId = '';
  try {
    const none = spec('once', 1);
    none.TaskTemplate!.RestartPolicy = { Condition: 'none' };
    const onFailure = spec('job', 1);
    onFailure.TaskTemplate!.RestartPolicy = { Condition: 'on-failure', Delay: 10 * ms };
    const a = await createService(c.store, none);
    const b = await createService(c.store, onFailure);
    await waitFor(
      c.store,
      (tx) => tx.tasksByService(a.ID).some((t) => t.Status.State === 'complete'),
      'a completed',
    );
    await waitFor(
      c.store,
      (tx) => tx.tasksByService(b.ID).some((t) => t.Status.State === 'complete'),
      'b completed',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(c.store.view((tx) => tx.tasksByService(a.ID)).length, 1);
    assert.equal(c.store.view((tx) => tx.tasksByService(b.ID)).length, 1);

    const failing = spec('flaky', 1);
    failing.TaskTemplate!.RestartPolicy = { Condition: 'on-failure', Delay: 10 * ms, MaxAttempts: 1 };
    failingId = 'pending';
    const f = await createService(c.store, failing);
    failingId = f.ID;
    await waitFor(
      c.store,
      (tx) => tx.tasksByService(f.ID).filter((t) => t.Status.State === 'failed').length >= 1,
      'a failure',
    );
    await waitFor(c.store, (tx) => tx.tasksByService(f.ID).length === 2, 'a restart after the failure');
  } finally {
    await c.stop();
  }
});

test('tasks of a node that goes down or is drained move to the other nodes', async () => {
  const c = await cluster(3);
  try {
    const { ID } = await createService(c.store, spec('web', 6));
    await waitFor(c.store, (tx) => runningTasks(tx, ID).length === 6, '6 running');
    const [first, second] = c.nodes;

    await setNode(c.store, first, { state: 'down' });
    await waitFor(
      c.store,
      (tx) => runningTasks(tx, ID).filter((t) => t.NodeID !== first).length === 6,
      '6 running off the down node',
    );
    const stale = c.store.view((tx) => tx.tasksByNode(first).filter((t) => t.ServiceID === ID));
    assert.ok(
      stale.every((t) => t.DesiredState === 'shutdown'),
      "the down node's tasks are to shut down",
    );

    await setNode(c.store, second, { availability: 'drain' });
    const moved = await waitFor(
      c.store,
      (tx) => {
        const running = runningTasks(tx, ID);
        return (
          running.length === 6 && running.every((t) => t.NodeID !== first && t.NodeID !== second) && running
        );
      },
      '6 running on the last node',
    );
    assert.deepEqual([...new Set(moved.map((t) => t.Slot))].sort(), [1, 2, 3, 4, 5, 6]);
    await waitFor(
      c.store,
      (tx) => tx.tasksByNode(second).every((t) => t.Status.State === 'shutdown'),
      "the drained node's tasks shut down",
    );
  } finally {
    await c.stop();
  }
});

test('the task history of a slot is pruned to TaskHistoryRetentionLimit', async () => {
  let crashing = true;
  const c = await cluster(1, { onRunning: () => (crashing ? 'failed' : undefined) });
  try {
    await c.store.update((tx) =>
      tx.create('clusters', {
        ID: 'cluster0000000000000000000',
        Spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 3 } },
        TLSInfo: {},
        RootRotationInProgress: false,
        DefaultAddrPool: ['10.0.0.0/8'],
        SubnetSize: 24,
        DataPathPort: 4789,
        JoinTokens: { Worker: '', Manager: '' },
        _rootCA: { certPem: '', keyPem: '' },
        _dataKey: '',
      }),
    );
    let created = 0;
    c.store.subscribe((change) => {
      for (const e of change.events)
        if (e.table === 'tasks' && e.action === 'create' && e.object.Name === 'crash.1') created++;
    });
    const base = spec('crash', 1);
    base.TaskTemplate!.RestartPolicy = { Condition: 'any', Delay: 20 * ms };
    const { ID } = await createService(c.store, base);
    await waitFor(c.store, () => created >= 6, '6 tasks created', 20_000);
    crashing = false;
    const tasks = await waitFor(
      c.store,
      (tx) => {
        const all = tx.tasksByService(ID);
        return all.length === 3 && all.some((t) => t.Status.State === 'running') && all;
      },
      'the slot pruned to 3 tasks',
    );
    assert.equal(
      tasks.filter((t) => t.Status.State === 'failed').length,
      2,
      'the 2 most recent failures are kept',
    );
  } finally {
    await c.stop();
  }
});

test('removing a service shuts its tasks down, then deletes them', async () => {
  const c = await cluster(2);
  try {
    const { ID } = await createService(c.store, spec('web', 3));
    await waitFor(c.store, (tx) => runningTasks(tx, ID).length === 3, '3 running');
    await removeService(c.store, 'web');
    await waitFor(c.store, (tx) => tx.tasksByService(ID).length === 0, 'tasks deleted');
  } finally {
    await c.stop();
  }
});

test('tasks leave a node that stops satisfying their constraints, without the restart delay', async () => {
  const c = await cluster(2);
  try {
    const [a, b] = c.nodes;
    await setNode(c.store, a, { labels: { zone: 'a' } });
    const base = spec('zonal', 2);
    base.TaskTemplate!.Placement = { Constraints: ['node.labels.zone==a'] };
    base.TaskTemplate!.RestartPolicy = { Condition: 'any', Delay: 60_000 * ms };
    const { ID } = await createService(c.store, base);
    await waitFor(c.store, (tx) => runningTasks(tx, ID).filter((t) => t.NodeID === a).length === 2, '2 on a');
    await setNode(c.store, b, { labels: { zone: 'a' } });
    await setNode(c.store, a, { labels: {} });
    await waitFor(
      c.store,
      (tx) => runningTasks(tx, ID).filter((t) => t.NodeID === b).length === 2,
      '2 moved to b',
      10_000,
    );
  } finally {
    await c.stop();
  }
});
