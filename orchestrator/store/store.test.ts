import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newObjectId } from '../common/ids.js';
import { NameConflictError, NotFoundError, SequenceConflictError } from './errors.js';
import type { SecretObject, TaskObject } from './objects.js';
import { LocalProposer, type Proposer } from './proposer.js';
import { Store } from './store.js';
import type { ChangeSet } from './watch.js';

function localStore(): Store {
  const store = new Store();
  store.setProposer(new LocalProposer(store));
  return store;
}

function secret(name: string) {
  return { ID: newObjectId(), Spec: { Name: name, Labels: {} }, _sealedData: 'x' };
}

function task(serviceId: string, nodeId?: string) {
  return {
    ID: newObjectId(),
    ServiceID: serviceId,
    NodeID: nodeId,
    Spec: {},
    DesiredState: 'running' as const,
    Status: { State: 'new' as const, Timestamp: new Date().toISOString() },
  };
}

test('a created object gets the Raft index as its version and timestamps', async () => {
  const store = localStore();
  const created = await store.update((tx) => tx.create('secrets', secret('s1')));
  const stored = store.view((tx) => tx.get('secrets', created.ID))!;
  assert.equal(stored.Version.Index, 1);
  assert.equal(stored.CreatedAt, stored.UpdatedAt);
  assert.equal(store.view((tx) => tx.byName('secrets', 'S1'))?.ID, created.ID);
});

test('stored objects are frozen, so an accidental mutation fails loudly', async () => {
  const store = localStore();
  const { ID } = await store.update((tx) => tx.create('secrets', secret('s1')));
  const stored = store.view((tx) => tx.get('secrets', ID))!;
  assert.throws(() => {
    (stored.Spec as { Name: string }).Name = 'changed';
  }, TypeError);
});

test('names are unique per table, case-insensitively', async () => {
  const store = localStore();
  await store.update((tx) => tx.create('secrets', secret('db-pass')));
  await assert.rejects(
    store.update((tx) => tx.create('secrets', secret('DB-PASS'))),
    NameConflictError,
  );
  assert.equal(store.view((tx) => tx.list('secrets')).length, 1);
});

test('an update based on an old version is refused', async () => {
  const store = localStore();
  const { ID } = await store.update((tx) => tx.create('secrets', secret('s1')));
  const v1 = store.view((tx) => tx.get('secrets', ID))!;
  await store.update((tx) => tx.update('secrets', { ...v1, Spec: { ...v1.Spec, Labels: { a: '1' } } }));
  await assert.rejects(
    store.update((tx) => tx.update('secrets', { ...v1, Spec: { ...v1.Spec, Labels: { b: '2' } } })),
    SequenceConflictError,
  );
  assert.deepEqual(store.view((tx) => tx.get('secrets', ID))?.Spec.Labels, { a: '1' });
});

test('a transaction sees its own writes and is all or nothing', async () => {
  const store = localStore();
  await assert.rejects(
    store.update((tx) => {
      const s = tx.create('secrets', secret('a'));
      assert.equal(tx.get('secrets', s.ID)?.Spec.Name, 'a');
      assert.equal(tx.byName('secrets', 'a')?.ID, s.ID);
      tx.delete('secrets', 'nope');
    }),
    NotFoundError,
  );
  assert.equal(store.view((tx) => tx.list('secrets')).length, 0);
});

test('tasks are indexed by service and node, through updates and deletes', async () => {
  const store = localStore();
  const t1 = task('svc1', 'n1');
  const t2 = task('svc1');
  await store.update((tx) => {
    tx.create('tasks', t1);
    tx.create('tasks', t2);
    assert.equal(tx.tasksByService('svc1').length, 2);
  });
  assert.equal(store.view((tx) => tx.tasksByService('svc1')).length, 2);
  assert.equal(store.view((tx) => tx.tasksByNode('n1')).length, 1);
  await store.update((tx) => {
    const current = tx.get('tasks', t2.ID)!;
    tx.update('tasks', { ...current, NodeID: 'n2' });
    tx.delete('tasks', t1.ID);
    assert.deepEqual(
      tx.tasksByNode('n2').map((t) => t.ID),
      [t2.ID],
    );
  });
  assert.equal(store.view((tx) => tx.tasksByNode('n1')).length, 0);
  assert.deepEqual(
    store.view((tx) => tx.tasksByNode('n2')).map((t) => t.ID),
    [t2.ID],
  );
});

test('a batch keeps the good sub-updates and reports the failing ones', async () => {
  const store = localStore();
  await store.update((tx) => tx.create('secrets', secret('taken')));
  const errors = await store.batch((batch) => {
    for (let i = 0; i < 1200; i++) batch.update((tx) => void tx.create('tasks', task('svc')));
    batch.update((tx) => {
      tx.create('secrets', secret('fresh'));
      tx.create('secrets', secret('taken'));
    });
  });
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof NameConflictError);
  assert.equal(store.view((tx) => tx.tasksByService('svc')).length, 1200);
  assert.equal(
    store.view((tx) => tx.byName('secrets', 'fresh')),
    undefined,
  );
  assert.equal(store.appliedIndex, 1 + 3, 'batched in transactions of at most 500 writes');
});

test('watchers see every applied transaction in order', async () => {
  const store = localStore();
  const abort = new AbortController();
  const seen: ChangeSet[] = [];
  const consumer = (async () => {
    for await (const change of store.watch(abort.signal)) {
      seen.push(change);
      if (seen.length === 2) abort.abort();
    }
  })();
  const { ID } = await store.update((tx) => tx.create('secrets', secret('w')));
  await store.update((tx) => tx.delete('secrets', ID));
  await consumer;
  assert.deepEqual(
    seen.map((c) => c.events.map((e) => `${e.table}:${e.action}`)),
    [['secrets:create'], ['secrets:delete']],
  );
});

test('replicas applying the same entries reach the same state, and a failed check fails everywhere', async () => {
  const leader = new Store();
  const follower = new Store();
  let index = 0;
  const replicate: Proposer = {
    async propose(data) {
      index += 1;
      follower.apply(index, data);
      leader.apply(index, data);
    },
  };
  leader.setProposer(replicate);
  const s = await leader.update((tx) => tx.create('secrets', secret('r')));
  const stored = leader.view((tx) => tx.get('secrets', s.ID))!;
  await leader.update((tx) =>
    tx.update('secrets', { ...stored, Spec: { ...stored.Spec, Labels: { x: 'y' } } }),
  );
  assert.deepEqual(
    follower.view((tx) => tx.get('secrets', s.ID)),
    leader.view((tx) => tx.get('secrets', s.ID)),
  );
  assert.equal(follower.appliedIndex, 2);
});

test('a snapshot restores the same tables and indexes', async () => {
  const store = localStore();
  const t = task('svc', 'node');
  await store.update((tx) => {
    tx.create('tasks', t);
    tx.create('secrets', secret('snap'));
  });
  const copy = new Store();
  copy.restore(store.snapshot(), store.appliedIndex);
  assert.equal(copy.appliedIndex, 1);
  assert.equal(copy.view((tx) => tx.byName('secrets', 'snap'))?.Spec.Name, 'snap');
  const restored = copy.view((tx) => tx.tasksByNode('node')) as TaskObject[];
  assert.deepEqual(restored, [store.view((tx) => tx.get('tasks', t.ID))]);
  const sealed: SecretObject | undefined = copy.view((tx) => tx.byName('secrets', 'snap'));
  assert.ok(Object.isFrozen(sealed));
});

test('a store without a proposer refuses writes with a clear error', async () => {
  const store = new Store();
  await assert.rejects(
    store.update((tx) => tx.create('secrets', secret('x'))),
    /no proposer/,
  );
});
