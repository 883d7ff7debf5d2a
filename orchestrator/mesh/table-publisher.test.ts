import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshTable } from './mesh-table.js';
import { MeshTablePublisher } from './table-publisher.js';
import { eventually } from './testing/clients.js';
import { SwarmFixture } from './testing/swarm-fixture.js';

test('the publisher sends one table per burst of routing changes, and nothing for changes that route nothing', async (t) => {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const sent: MeshTable[] = [];
  const publisher = new MeshTablePublisher(swarm.store, (table) => sent.push(table), 20);
  publisher.start();
  t.after(() => publisher.stop());
  const web = await swarm.service('web');
  const task = await swarm.task(web, { nodeId: node, state: 'starting' });
  await swarm.updateTask(task.ID, { state: 'running' });
  await eventually(() => assert.equal(sent.length, 1));
  assert.equal(sent[0]?.services[0]?.tasks.length, 1);
  assert.equal(publisher.current.version, sent[0]?.version);

  await swarm.store.update((tx) =>
    tx.create('secrets', { ID: 's1', Spec: { Name: 'db-pass', Labels: {} }, _sealedData: 'x' }),
  );
  await swarm.updateTask(task.ID, { health: 'healthy' }); // healthy: still routable, same table
  await sleep(100);
  assert.equal(sent.length, 1);

  await swarm.updateTask(task.ID, { desired: 'shutdown' });
  await eventually(() => assert.equal(sent.length, 2));
  assert.deepEqual(sent[1]?.services[0]?.tasks, []);
});
