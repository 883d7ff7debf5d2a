import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskObject } from '../../store/objects.js';
import { createService } from '../controlapi/services.js';
import { newTask } from './new-task.js';
import { RestartSupervisor } from './restart.js';
import { addNode, localStore } from './test-helpers.js';

test('a failed task whose slot already has a task of the current spec is shut down, not replaced', async () => {
  const store = localStore();
  const node = await addNode(store);
  const { ID } = await createService(store, {
    Name: 'web',
    TaskTemplate: { ContainerSpec: { Image: 'app:1' } },
    Mode: { Replicated: { Replicas: 2 } },
  });
  const service = store.view((tx) => tx.get('services', ID))!;
  const failedTask = (slot: number, specVersion: number | undefined): TaskObject => ({
    ...newTask(service, slot, node.ID),
    _specVersion: specVersion,
    Spec:
      specVersion === service._specVersion
        ? service.Spec.TaskTemplate
        : { ContainerSpec: { Image: 'app:0' } },
    Status: {
      State: 'failed',
      Timestamp: new Date().toISOString(),
      Message: 'started',
      Err: 'task: non-zero exit (2)',
    },
  });
  // Slot 1: a rolling update already gave it a task of the current spec. Slot 2: only a task of an older spec.
  const failed1 = failedTask(1, -1);
  const updated1 = { ...newTask(service, 1), DesiredState: 'ready' as const };
  const failed2 = failedTask(2, -1);
  const old2 = { ...newTask(service, 2, node.ID), _specVersion: -1, Spec: failed2.Spec };
  await store.update((tx) => {
    for (const task of [failed1, updated1, failed2, old2]) tx.create('tasks', task);
  });
  const restarts = new RestartSupervisor(store, { log: () => {} });
  try {
    await store.update((tx) => {
      restarts.restart(tx, service, tx.get('tasks', failed1.ID)!);
      restarts.restart(tx, service, tx.get('tasks', failed2.ID)!);
    });
    const tasks = store.view((tx) => tx.tasksByService(ID));
    const slot = (n: number) => tasks.filter((t) => t.Slot === n);
    assert.deepEqual(
      new Map(slot(1).map((t) => [t.ID, t.DesiredState])),
      new Map([
        [failed1.ID, 'shutdown'],
        [updated1.ID, 'ready'],
      ]),
    );
    assert.equal(slot(2).length, 3, 'a task of an older spec does not stand in for the replacement');
  } finally {
    restarts.stop();
  }
});
