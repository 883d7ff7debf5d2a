import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../../api/engine-types.js';
import type { ServiceObject, TaskObject } from '../../../store/objects.js';
import type { Store } from '../../../store/store.js';
import { createService, updateService } from '../../controlapi/services.js';
import { startManagerLoops } from '../../loops.js';
import { addNode, localStore, simulateAgents, waitFor } from '../test-helpers.js';

const ms = 1_000_000;
const image = (task: TaskObject) => task.Spec.ContainerSpec?.Image;

function spec(replicas: number, update: ServiceSpec['UpdateConfig'] = {}): ServiceSpec {
  return {
    Name: 'web',
    TaskTemplate: {
      ContainerSpec: { Image: 'app:1' },
      RestartPolicy: { Condition: 'any', Delay: 10 * ms },
    },
    Mode: { Replicated: { Replicas: replicas } },
    UpdateConfig: {
      Parallelism: 1,
      Delay: 0,
      FailureAction: 'pause',
      Monitor: 200 * ms,
      MaxFailureRatio: 0,
      Order: 'stop-first',
      ...update,
    },
    RollbackConfig: { Parallelism: 0, Monitor: 200 * ms, FailureAction: 'pause' },
  };
}

async function cluster(nodes = 3) {
  const store = localStore();
  for (let i = 0; i < nodes; i++) await addNode(store, { hostname: `n${i}` });
  const abort = new AbortController();
  const loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  // Image app:bad crashes as soon as it runs.
  simulateAgents(store, abort.signal, { onRunning: (t) => (image(t) === 'app:bad' ? 'failed' : undefined) });
  const statuses: string[] = [];
  store.subscribe((change) => {
    for (const e of change.events) {
      if (e.table !== 'services' || e.action === 'delete') continue;
      const status = e.object.UpdateStatus;
      const line = status ? `${status.State}: ${status.Message}` : '';
      if (status && statuses.at(-1) !== line) statuses.push(line);
    }
  });
  return {
    store,
    statuses,
    async stop() {
      abort.abort();
      await loops;
    },
  };
}

function running(store: Store, id: string): TaskObject[] {
  return store.view((tx) =>
    tx.tasksByService(id).filter((t) => t.DesiredState === 'running' && t.Status.State === 'running'),
  );
}

async function update(store: Store, id: string, change: (spec: ServiceObject['Spec']) => ServiceSpec) {
  const service = store.view((tx) => tx.get('services', id))!;
  await updateService(store, id, change(service.Spec), { version: String(service.Version.Index) });
}

const withImage =
  (name: string) =>
  (s: ServiceObject['Spec']): ServiceSpec => ({
    ...s,
    TaskTemplate: { ...s.TaskTemplate, ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Image: name } },
  });

test('a rolling update replaces one slot at a time, keeps the previous spec and completes', async () => {
  const c = await cluster();
  try {
    const { ID } = await createService(c.store, spec(3, { Parallelism: 1, Delay: 100 * ms }));
    await waitFor(c.store, () => running(c.store, ID).length === 3, '3 running');
    let maxReplacing = 0;
    c.store.subscribe(() => {
      const replacing = c.store.view((tx) =>
        tx
          .tasksByService(ID)
          .filter(
            (t) => image(t) === 'app:2' && t.DesiredState !== 'shutdown' && t.Status.State !== 'running',
          ),
      ).length;
      maxReplacing = Math.max(maxReplacing, replacing);
    });
    await update(c.store, ID, withImage('app:2'));
    await waitFor(
      c.store,
      () => c.statuses.includes('completed: update completed'),
      'the update completed',
      30_000,
    );
    assert.deepEqual(c.statuses, ['updating: update in progress', 'completed: update completed']);
    assert.equal(maxReplacing, 1, 'parallelism 1');
    const tasks = running(c.store, ID);
    assert.equal(tasks.length, 3);
    assert.ok(tasks.every((t) => image(t) === 'app:2'));
    const service = c.store.view((tx) => tx.get('services', ID))!;
    assert.equal(service.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image, 'app:1');
    assert.ok(service.UpdateStatus?.StartedAt && service.UpdateStatus.CompletedAt);
    const old = c.store.view((tx) => tx.tasksByService(ID).filter((t) => image(t) === 'app:1'));
    assert.ok(
      old.every((t) => t.DesiredState === 'shutdown'),
      'the old tasks are shut down and kept as history',
    );
  } finally {
    await c.stop();
  }
});

test("a failing update pauses with Swarm's message; a manual rollback brings the old image back", async () => {
  const c = await cluster();
  try {
    const { ID } = await createService(c.store, spec(3));
    await waitFor(c.store, () => running(c.store, ID).length === 3, '3 running');
    await update(c.store, ID, withImage('app:bad'));
    await waitFor(c.store, () => c.statuses.some((s) => s.startsWith('paused')), 'the update paused', 30_000);
    const paused = c.statuses.find((s) => s.startsWith('paused'))!;
    assert.match(paused, /^paused: update paused due to failure or early termination of task [0-9a-z]{25}$/);
    const oldKept = () =>
      c.store.view((tx) =>
        tx.tasksByService(ID).filter((t) => image(t) === 'app:1' && t.DesiredState === 'running'),
      ).length;
    const keptAtPause = oldKept();
    assert.ok(keptAtPause >= 1, 'the update stopped before replacing every slot');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(oldKept(), keptAtPause, 'a paused update replaces nothing more');

    const service = c.store.view((tx) => tx.get('services', ID))!;
    await updateService(c.store, ID, service.Spec, {
      version: String(service.Version.Index),
      rollback: 'previous',
    });
    await waitFor(
      c.store,
      () => c.statuses.includes('rollback_completed: rollback completed'),
      'the rollback completed',
      30_000,
    );
    assert.ok(c.statuses.includes('rollback_started: manually requested rollback'));
    await waitFor(
      c.store,
      () => running(c.store, ID).length === 3 && running(c.store, ID).every((t) => image(t) === 'app:1'),
      '3 on app:1',
    );
  } finally {
    await c.stop();
  }
});

test('FailureAction rollback: failures beyond the ratio roll the service back automatically', async () => {
  const c = await cluster();
  try {
    const { ID } = await createService(c.store, spec(3, { FailureAction: 'rollback', MaxFailureRatio: 0 }));
    await waitFor(c.store, () => running(c.store, ID).length === 3, '3 running');
    await update(c.store, ID, withImage('app:bad'));
    await waitFor(
      c.store,
      () => c.statuses.includes('rollback_completed: rollback completed'),
      'the automatic rollback',
      30_000,
    );
    assert.match(
      c.statuses.find((s) => s.startsWith('rollback_started'))!,
      /^rollback_started: update rolled back due to failure or early termination of task [0-9a-z]{25}$/,
    );
    const service = c.store.view((tx) => tx.get('services', ID))!;
    assert.equal(service.Spec.TaskTemplate.ContainerSpec?.Image, 'app:1');
    assert.equal(service.PreviousSpec, undefined, 'an automatic rollback consumes the previous spec');
    await waitFor(
      c.store,
      () => running(c.store, ID).length === 3 && running(c.store, ID).every((t) => image(t) === 'app:1'),
      '3 on app:1',
    );
    // The restarts of the failed tasks raced the rollback: still, every slot has one task meant to run.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const meantToRun = c.store.view((tx) =>
      tx.tasksByService(ID).filter((t) => t.DesiredState === 'running'),
    );
    assert.deepEqual(meantToRun.map((t) => t.Slot).sort(), [1, 2, 3]);
  } finally {
    await c.stop();
  }
});

test('FailureAction continue goes on through failures; start-first starts the new task before stopping the old', async () => {
  const c = await cluster();
  try {
    const { ID } = await createService(c.store, spec(2, { FailureAction: 'continue', Parallelism: 0 }));
    await waitFor(c.store, () => running(c.store, ID).length === 2, '2 running');
    await update(c.store, ID, withImage('app:bad'));
    await waitFor(
      c.store,
      () => c.statuses.includes('completed: update completed'),
      'the update completed anyway',
      30_000,
    );

    const other = await createService(c.store, { ...spec(1, { Order: 'start-first' }), Name: 'other' });
    await waitFor(c.store, () => running(c.store, other.ID).length === 1, 'other running');
    const [old] = running(c.store, other.ID);
    let newRunningWhenOldStopped: boolean | undefined;
    c.store.subscribe((change) => {
      for (const e of change.events) {
        if (
          e.table === 'tasks' &&
          e.object.ID === old.ID &&
          e.object.DesiredState === 'shutdown' &&
          newRunningWhenOldStopped === undefined
        ) {
          newRunningWhenOldStopped = c.store.view((tx) =>
            tx.tasksByService(other.ID).some((t) => image(t) === 'app:2' && t.Status.State === 'running'),
          );
        }
      }
    });
    await update(c.store, other.ID, withImage('app:2'));
    await waitFor(c.store, () => newRunningWhenOldStopped !== undefined, 'the old task shut down');
    assert.equal(newRunningWhenOldStopped, true);
  } finally {
    await c.stop();
  }
});

test('--force (ForceUpdate) replaces every task even when nothing else changed', async () => {
  const c = await cluster(2);
  try {
    const { ID } = await createService(c.store, spec(2, { Parallelism: 2 }));
    const before = await waitFor(
      c.store,
      () => running(c.store, ID).length === 2 && running(c.store, ID),
      '2 running',
    );
    await update(c.store, ID, (s) => ({ ...s, TaskTemplate: { ...s.TaskTemplate, ForceUpdate: 1 } }));
    await waitFor(
      c.store,
      () => c.statuses.includes('completed: update completed'),
      'the forced update completed',
      30_000,
    );
    const after = running(c.store, ID);
    assert.equal(after.length, 2);
    assert.ok(
      after.every((t) => !before.some((b) => b.ID === t.ID)),
      'every task is new',
    );
  } finally {
    await c.stop();
  }
});
