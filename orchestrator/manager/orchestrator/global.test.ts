import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../api/engine-types.js';
import type { ReadTx } from '../../store/transaction.js';
import { createService } from '../controlapi/services.js';
import { startManagerLoops } from '../loops.js';
import { addNode, localStore, setNode, simulateAgents, waitFor } from './test-helpers.js';

const globalSpec = (name: string, constraints: string[] = []): ServiceSpec => ({
  Name: name,
  TaskTemplate: {
    ContainerSpec: { Image: 'nginx:latest' },
    Placement: { Constraints: constraints },
    RestartPolicy: { Condition: 'any', Delay: 10_000_000 },
  },
  Mode: { Global: {} },
});

/** Node ids that run a task of the service (desired running, status running). */
function runningOn(tx: ReadTx, serviceId: string): string[] {
  return tx
    .tasksByService(serviceId)
    .filter((t) => t.DesiredState === 'running' && t.Status.State === 'running')
    .map((t) => t.NodeID!)
    .sort();
}

async function setup() {
  const store = localStore();
  const abort = new AbortController();
  const loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  simulateAgents(store, abort.signal);
  return {
    store,
    async stop() {
      abort.abort();
      await loops;
    },
  };
}

test('a global service runs one task per node and follows joins, drains, downs and removals', async () => {
  const c = await setup();
  try {
    const a = await addNode(c.store, { hostname: 'a' });
    const b = await addNode(c.store, { hostname: 'b' });
    const { ID } = await createService(c.store, globalSpec('agent'));
    await waitFor(
      c.store,
      (tx) => runningOn(tx, ID).join() === [a.ID, b.ID].sort().join(),
      'one task on a and b',
    );
    const first = c.store.view((tx) => tx.tasksByService(ID)[0]);
    assert.equal(first.Slot, undefined, 'global tasks have no slot');
    assert.equal(first.Name, `agent.${first.NodeID}`);

    const joined = await addNode(c.store, { hostname: 'c' });
    await waitFor(c.store, (tx) => runningOn(tx, ID).includes(joined.ID), 'a task on the new node');

    await setNode(c.store, b.ID, { availability: 'drain' });
    await waitFor(
      c.store,
      (tx) =>
        tx.tasksByNode(b.ID).every((t) => t.DesiredState === 'shutdown' && t.Status.State === 'shutdown'),
      "the drained node's task shut down",
    );
    await setNode(c.store, b.ID, { availability: 'active' });
    await waitFor(c.store, (tx) => runningOn(tx, ID).includes(b.ID), 'a new task once active again');

    await setNode(c.store, a.ID, { state: 'down' });
    await waitFor(
      c.store,
      (tx) => tx.tasksByNode(a.ID).every((t) => t.DesiredState === 'shutdown'),
      "the down node's task marked for shutdown",
    );
    await setNode(c.store, a.ID, { state: 'ready' });
    await waitFor(c.store, (tx) => runningOn(tx, ID).includes(a.ID), 'a task again once the node is back');

    await c.store.update((tx) => tx.delete('nodes', joined.ID));
    await waitFor(
      c.store,
      (tx) => tx.tasksByNode(joined.ID).length === 0,
      "the removed node's tasks deleted",
    );
    assert.deepEqual(
      c.store.view((tx) => runningOn(tx, ID)),
      [a.ID, b.ID].sort(),
    );
  } finally {
    await c.stop();
  }
});

test('a global service only runs on nodes that satisfy its constraints, following label changes', async () => {
  const c = await setup();
  try {
    const manager = await addNode(c.store, { hostname: 'm', role: 'manager' });
    const worker = await addNode(c.store, { hostname: 'w', labels: { zone: 'a' } });
    const { ID: onManagers } = await createService(c.store, globalSpec('viz', ['node.role==manager']));
    const { ID: inZone } = await createService(c.store, globalSpec('zonal', ['node.labels.zone==a']));
    await waitFor(
      c.store,
      (tx) => runningOn(tx, onManagers).join() === manager.ID,
      'viz on the manager only',
    );
    await waitFor(c.store, (tx) => runningOn(tx, inZone).join() === worker.ID, 'zonal on the worker only');

    await setNode(c.store, manager.ID, { labels: { zone: 'a' } });
    await waitFor(c.store, (tx) => runningOn(tx, inZone).length === 2, 'zonal follows the new label');
    await setNode(c.store, worker.ID, { labels: {} });
    await waitFor(
      c.store,
      (tx) => runningOn(tx, inZone).join() === manager.ID,
      'zonal leaves the node that lost the label',
    );
  } finally {
    await c.stop();
  }
});
