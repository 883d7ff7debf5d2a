import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newObjectId } from '../../common/ids.js';
import type { ClusterObject, NodeObject, TaskObject } from '../../store/objects.js';
import { LocalProposer } from '../../store/proposer.js';
import { Store } from '../../store/store.js';
import { Dispatcher } from './dispatcher.js';
import type { SessionMessage } from './protocol.js';

function setup(heartbeatPeriodMs = 10_000) {
  const store = new Store();
  store.setProposer(new LocalProposer(store));
  const logs: string[] = [];
  const dispatcher = new Dispatcher(store, {
    heartbeatPeriodMs: () => heartbeatPeriodMs,
    managers: () => [{ nodeId: 'm', addr: '127.0.0.1:2377' }],
    openSecret: (secret) => Buffer.from(`plain:${secret._sealedData}`),
    log: (line) => logs.push(line),
  });
  const abort = new AbortController();
  const running = dispatcher.run(abort.signal);
  return { store, dispatcher, abort, running, logs };
}

const node = (id: string): Omit<NodeObject, 'Version' | 'CreatedAt' | 'UpdatedAt'> => ({
  ID: id,
  Spec: { Role: 'worker', Availability: 'active', Labels: {} },
  Status: { State: 'unknown', Addr: '' },
  Description: { Hostname: id },
  _clusterAddr: '',
});

const task = (nodeId: string, state: TaskObject['Status']['State'], secretId?: string) => ({
  ID: newObjectId(),
  ServiceID: 'svc',
  NodeID: nodeId,
  Spec: secretId ? { ContainerSpec: { Secrets: [{ SecretID: secretId, SecretName: 's' }] } } : {},
  DesiredState: 'running' as const,
  Status: { State: state, Timestamp: new Date().toISOString() },
});

const cluster = {
  ID: 'c',
  Spec: { Name: 'default' },
  JoinTokens: { Worker: '', Manager: '' },
} as unknown as ClusterObject;

test('a session gets its node ready, its assigned tasks, and only the secrets they use', async () => {
  const { store, dispatcher, abort, running } = setup();
  const assigned = task('n1', 'assigned', 'sec1');
  await store.update((tx) => {
    tx.create('clusters', cluster);
    tx.create('nodes', node('n1'));
    tx.create('secrets', { ID: 'sec1', Spec: { Name: 's', Labels: {} }, _sealedData: 'AAA' });
    tx.create('secrets', { ID: 'sec2', Spec: { Name: 'other', Labels: {} }, _sealedData: 'BBB' });
    tx.create('tasks', assigned);
    tx.create('tasks', task('n1', 'pending'));
    tx.create('tasks', task('n2', 'assigned'));
  });
  const messages: SessionMessage[] = [];
  await dispatcher.openSession(
    'n1',
    { description: { Hostname: 'n1' }, addr: '127.0.9.1' },
    (m) => messages.push(m),
    () => {},
  );
  assert.equal(store.view((tx) => tx.get('nodes', 'n1'))?.Status.State, 'ready');
  const first = messages.find((m) => m.type === 'assignments');
  assert.ok(first && first.type === 'assignments' && first.full);
  assert.deepEqual(
    first.tasks.map((t) => t.ID),
    [assigned.ID],
  );
  assert.deepEqual(first.secrets, [
    { id: 'sec1', name: 's', data: Buffer.from('plain:AAA').toString('base64') },
  ]);

  messages.length = 0;
  await store.update((tx) => {
    const t = tx.get('tasks', assigned.ID)!;
    tx.update('tasks', { ...t, DesiredState: 'shutdown' });
  });
  await sleep(10);
  const change = messages.find((m) => m.type === 'assignments');
  assert.ok(change && change.type === 'assignments' && !change.full);
  assert.equal(change.tasks[0].DesiredState, 'shutdown');
  assert.deepEqual(
    change.removedSecrets,
    ['sec1'],
    'a secret leaves the node with the last task that uses it',
  );
  abort.abort();
  await running;
});

test('status reports move tasks forward in batches and never backwards', async () => {
  const { store, dispatcher, abort, running } = setup();
  const t = task('n1', 'assigned');
  await store.update((tx) => {
    tx.create('nodes', node('n1'));
    tx.create('tasks', t);
  });
  let sessionId = '';
  await dispatcher.openSession(
    'n1',
    { description: {}, addr: 'a' },
    (m) => {
      if (m.type === 'session') sessionId = m.sessionId;
    },
    () => {},
  );
  const now = new Date().toISOString();
  dispatcher.report('n1', sessionId, [
    { taskId: t.ID, state: 'running', timestamp: now, message: 'started', containerId: 'c1', pid: 42 },
  ]);
  await sleep(300);
  const running1 = store.view((tx) => tx.get('tasks', t.ID))!;
  assert.equal(running1.Status.State, 'running');
  assert.equal(running1.Status.ContainerStatus?.PID, 42);
  dispatcher.report('n1', sessionId, [{ taskId: t.ID, state: 'preparing', timestamp: now, message: 'late' }]);
  await sleep(300);
  assert.equal(store.view((tx) => tx.get('tasks', t.ID))?.Status.State, 'running');
  assert.throws(() => dispatcher.report('n1', 'stale-session', []), /session invalid/);
  abort.abort();
  await running;
});

test('a node that stops heartbeating is marked down', async () => {
  const { store, dispatcher, abort, running } = setup(50);
  await store.update((tx) => tx.create('nodes', node('n1')));
  await dispatcher.openSession(
    'n1',
    { description: {}, addr: 'a' },
    () => {},
    () => {},
  );
  assert.equal(store.view((tx) => tx.get('nodes', 'n1'))?.Status.State, 'ready');
  await sleep(400);
  const down = store.view((tx) => tx.get('nodes', 'n1'))!;
  assert.equal(down.Status.State, 'down');
  assert.equal(down.Status.Message, 'heartbeat failure');
  abort.abort();
  await running;
});

test('a manager that stalled does not mark nodes down for heartbeats it has not read yet', async () => {
  const { store, dispatcher, abort, running } = setup(50);
  await store.update((tx) => tx.create('nodes', node('n1')));
  const sessionId = await dispatcher.openSession(
    'n1',
    { description: {}, addr: 'a' },
    () => {},
    () => {},
  );
  // The event loop is blocked past the grace period; the heartbeat that came meanwhile is handled after the
  // grace timer fired.
  const until = performance.now() + 300;
  while (performance.now() < until) {}
  await sleep(0);
  dispatcher.heartbeat('n1', sessionId);
  await sleep(50);
  assert.equal(store.view((tx) => tx.get('nodes', 'n1'))?.Status.State, 'ready');
  abort.abort();
  await running;
});

test('a removed node cannot open a session', async () => {
  const { dispatcher, abort, running } = setup();
  await assert.rejects(
    dispatcher.openSession(
      'ghost',
      { description: {}, addr: 'a' },
      () => {},
      () => {},
    ),
    (error: { status?: number; message: string; extra?: Record<string, unknown> }) => {
      assert.equal(error.status, 403);
      assert.match(error.message, /node ghost was removed from the swarm/);
      assert.deepEqual(error.extra, { removed: true }, 'the body tells the node it was removed');
      return true;
    },
  );
  abort.abort();
  await running;
});

test("a node hears when it joins or leaves the managers' Raft group", async () => {
  const store = new Store();
  store.setProposer(new LocalProposer(store));
  let members = [{ nodeId: 'm', addr: '127.0.0.1:2377' }];
  const listeners = new Set<() => void>();
  const dispatcher = new Dispatcher(store, {
    heartbeatPeriodMs: () => 10_000,
    managers: () => members,
    watchManagers: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    openSecret: () => Buffer.alloc(0),
    log: () => {},
  });
  const abort = new AbortController();
  const running = dispatcher.run(abort.signal);
  await store.update((tx) =>
    tx.create('nodes', { ...node('n1'), Spec: { ...node('n1').Spec, Role: 'manager' } }),
  );
  const messages: SessionMessage[] = [];
  await dispatcher.openSession(
    'n1',
    { description: {}, addr: 'a' },
    (message) => messages.push(message),
    () => {},
  );
  const nodeMessages = () =>
    messages.flatMap((m) => (m.type === 'node' ? [m.node.ManagerStatus !== undefined] : []));
  assert.equal(nodeMessages().at(-1), false, 'promoted, not a Raft member yet');
  const before = nodeMessages().length;
  members = [...members, { nodeId: 'n1', addr: '127.0.0.2:2377' }];
  for (const listener of listeners) listener();
  assert.deepEqual(nodeMessages().slice(before), [true]);
  for (const listener of listeners) listener();
  assert.deepEqual(nodeMessages().slice(before), [true], 'no message when its membership did not change');
  members = members.filter((m) => m.nodeId !== 'n1');
  for (const listener of listeners) listener();
  assert.deepEqual(nodeMessages().slice(before), [true, false]);
  abort.abort();
  await running;
  assert.equal(listeners.size, 0, 'the dispatcher stops watching when it stops');
});
