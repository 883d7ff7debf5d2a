import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureIngressNetwork } from '../../manager/allocator/networks.js';
import { startManagerLoops } from '../../manager/loops.js';
import { addNode, localStore, simulateAgents, waitFor } from '../../manager/orchestrator/test-helpers.js';
import { assertEachMatches, assertMatchesDefinition } from '../testing/schema.js';
import { registerNetworkRoutes } from './networks.js';
import { registerServiceRoutes } from './services.js';
import { registerTaskRoutes } from './tasks.js';
import { startTestApi, type TestApi } from './test-support.js';

const store = localStore();
const abort = new AbortController();
let loops: Promise<void>;
let api: TestApi;
let secretId = '';

// What `docker service create --name web --replicas 3 -p 8080:80 nginx` sends.
const webSpec = {
  Name: 'web',
  Labels: {},
  TaskTemplate: {
    ContainerSpec: {
      Image: 'nginx:latest@sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b',
      Init: false,
      DNSConfig: {},
    },
    Resources: { Limits: {}, Reservations: {} },
    Placement: { Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
    ForceUpdate: 0,
  },
  Mode: { Replicated: { Replicas: 3 } },
  EndpointSpec: {
    Mode: 'vip',
    Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
  },
};

before(async () => {
  await addNode(store, { hostname: 'swarm-1', role: 'manager' });
  await addNode(store, { hostname: 'swarm-2' });
  await addNode(store, { hostname: 'swarm-3' });
  await ensureIngressNetwork(store);
  secretId = (
    await store.update((tx) =>
      tx.create('secrets', {
        ID: 'h438bi1n2hszi1r66jso6rndq',
        Spec: { Name: 's1', Labels: {} },
        _sealedData: 'x',
      }),
    )
  ).ID;
  loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  simulateAgents(store, abort.signal);
  api = await startTestApi((router) => {
    registerServiceRoutes(router, {
      store,
      localNetworks: () => [{ Name: 'bridge', Id: 'b'.repeat(64), Driver: 'bridge', Scope: 'local' }],
    });
    registerTaskRoutes(router, { store });
    registerNetworkRoutes(router, { store });
  });
});

after(async () => {
  abort.abort();
  await loops;
  await api.close();
});

test('service create, inspect by id, name and prefix; the response shapes match the API definition', async () => {
  const created = await api.call('POST', '/services/create', webSpec);
  assert.equal(created.status, 201);
  const id = created.body.ID as string;
  assert.match(id, /^[0-9a-z]{25}$/);

  for (const ref of [id, 'web', id.slice(0, 6)]) {
    const got = await api.call('GET', `/services/${ref}?insertDefaults=false`);
    assert.equal(got.status, 200);
    assert.equal(got.body.ID, id);
  }
  const service = (await api.call('GET', `/services/${id}`)).body;
  assertMatchesDefinition('Service', service);
  assert.equal(service.Spec.Name, 'web');
  assert.deepEqual(service.Endpoint.Ports, [
    { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
  ]);
  assert.equal(service.Endpoint.VirtualIPs.length, 1);
  assert.equal(
    Object.keys(service).filter((k) => k.startsWith('_')).length,
    0,
    'internal fields stay inside',
  );

  const defaults = (await api.call('GET', '/services/web?insertDefaults=true')).body;
  assert.deepEqual(defaults.Spec.UpdateConfig, {
    Parallelism: 1,
    FailureAction: 'pause',
    Monitor: 5_000_000_000,
    MaxFailureRatio: 0,
    Order: 'stop-first',
  });
  assert.deepEqual(defaults.Spec.RollbackConfig, defaults.Spec.UpdateConfig);
  assert.deepEqual(defaults.Spec.TaskTemplate.RestartPolicy, {
    Condition: 'any',
    Delay: 5_000_000_000,
    MaxAttempts: 0,
  });
  assert.equal(defaults.Spec.TaskTemplate.ContainerSpec.StopGracePeriod, 10_000_000_000);
  assert.equal(defaults.Spec.EndpointSpec.Mode, 'vip');

  const tasks = await waitFor(
    store,
    (tx) => tx.tasksByService(id).filter((t) => t.Status.State === 'running').length === 3,
    'web converged',
  );
  assert.ok(tasks);
  // What the CLI polls while it waits for convergence.
  const filters = encodeURIComponent(
    JSON.stringify({ '_up-to-date': { true: true }, service: { [id]: true } }),
  );
  const upToDate = await api.call('GET', `/tasks?filters=${filters}`);
  assert.equal(upToDate.body.length, 3);
  assertEachMatches('Task', upToDate.body);

  const ls = await api.call('GET', '/services?status=true');
  assertEachMatches('Service', ls.body);
  const web = ls.body.find((s: { ID: string }) => s.ID === id);
  assert.deepEqual(web.ServiceStatus, { RunningTasks: 3, DesiredTasks: 3, CompletedTasks: 0 });
});

test("validation errors carry Docker's messages and statuses", async () => {
  const bad = async (body: unknown, status: number, message: string | RegExp) => {
    const res = await api.call('POST', '/services/create', body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    if (typeof message === 'string') assert.equal(res.body.message, message);
    else assert.match(res.body.message, message);
  };
  const task = { ContainerSpec: { Image: 'nginx' } };
  await bad(
    { Name: 'bad name!', TaskTemplate: task },
    400,
    'rpc error: code = InvalidArgument desc = name must be valid as a DNS name component',
  );
  await bad(
    { Name: 'x'.repeat(64), TaskTemplate: task },
    400,
    'rpc error: code = InvalidArgument desc = name must be 63 characters or fewer',
  );
  await bad(
    { Name: 'noimage', TaskTemplate: { ContainerSpec: {} } },
    400,
    'rpc error: code = InvalidArgument desc = ContainerSpec: image reference must be provided',
  );
  await bad(
    { Name: 'badimage', TaskTemplate: { ContainerSpec: { Image: 'Nginx:latest' } } },
    400,
    'rpc error: code = InvalidArgument desc = ContainerSpec: "Nginx:latest" is not a valid repository/tag',
  );
  await bad(
    { Name: 'neg', TaskTemplate: task, Mode: { Replicated: { Replicas: -1 } } },
    400,
    /cannot unmarshal number -1 into Go struct field .*Replicas of type uint64/,
  );
  await bad(
    { Name: 'both', TaskTemplate: task, Mode: { Replicated: {}, Global: {} } },
    400,
    /only one of Replicated, Global/,
  );
  await bad(
    { Name: 'c', TaskTemplate: { ...task, Placement: { Constraints: ['node.role=manager'] } } },
    400,
    'rpc error: code = InvalidArgument desc = constraint expected one operator from ==, !=',
  );
  await bad(
    { Name: 'p', TaskTemplate: task, EndpointSpec: { Ports: [{ TargetPort: 0 }] } },
    400,
    /invalid target port 0: must be between 1 and 65535/,
  );
  await bad(
    { Name: 'p', TaskTemplate: task, EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 70000 }] } },
    400,
    /invalid published port 70000/,
  );
  await bad(
    { Name: 'p', TaskTemplate: task, EndpointSpec: { Ports: [{ TargetPort: 80, Protocol: 'icmp' }] } },
    400,
    /invalid protocol "icmp"/,
  );
  await bad(
    { Name: 'd', TaskTemplate: task, EndpointSpec: { Mode: 'dnsrr', Ports: [{ TargetPort: 80 }] } },
    400,
    "rpc error: code = InvalidArgument desc = EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
  );
  await bad(
    { Name: 'r', TaskTemplate: { ...task, Resources: { Reservations: { MemoryBytes: 1024 } } } },
    400,
    'rpc error: code = InvalidArgument desc = invalid memory value 1024: Must be at least 4MiB',
  );
  await bad(
    { Name: 'u', TaskTemplate: task, UpdateConfig: { MaxFailureRatio: 2 } },
    400,
    'rpc error: code = InvalidArgument desc = TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1',
  );
  await bad(
    { Name: 'u', TaskTemplate: task, UpdateConfig: { Delay: -1 } },
    400,
    'rpc error: code = InvalidArgument desc = TaskSpec: update-delay cannot be negative',
  );
  await bad(
    { Name: 'u', TaskTemplate: task, UpdateConfig: { FailureAction: 'explode' } },
    400,
    'unrecognized update failure action explode',
  );
  await bad(
    {
      Name: 'm',
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx',
          Mounts: [
            { Type: 'bind', Source: '/a', Target: '/x' },
            { Type: 'tmpfs', Target: '/x' },
          ],
        },
      },
    },
    400,
    'rpc error: code = InvalidArgument desc = ContainerSpec: duplicate mount point: /x',
  );
  const secret = (name: string, id = secretId) => ({
    SecretID: id,
    SecretName: name,
    File: { Name: name, UID: '0', GID: '0', Mode: 292 },
  });
  await bad(
    { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'nginx', Secrets: [secret('nope', 'nope')] } } },
    400,
    'rpc error: code = InvalidArgument desc = secret not found: nope',
  );
  await bad(
    { Name: 'n', TaskTemplate: { ...task, Networks: [{ Target: 'missing' }] } },
    404,
    'network missing not found',
  );
  await bad(
    { Name: 'n', TaskTemplate: { ...task, Networks: [{ Target: 'ingress' }] } },
    400,
    'rpc error: code = InvalidArgument desc = Service cannot be explicitly attached to the ingress network "ingress"',
  );
  await bad(
    { Name: 'n', TaskTemplate: { ...task, Networks: [{ Target: 'bridge' }] } },
    403,
    /The network bridge cannot be used with services/,
  );
  await bad(
    { ...webSpec },
    409,
    'rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists',
  );
  await bad(
    { ...webSpec, Name: 'web2' },
    400,
    /port '8080' is already in use by service 'web' \([0-9a-z]{25}\) as an ingress port/,
  );

  const withSecret = await api.call('POST', '/services/create', {
    Name: 'api',
    TaskTemplate: { ContainerSpec: { Image: 'nginx:alpine', Secrets: [secret('s1')] } },
  });
  assert.equal(withSecret.status, 201);
  const anonymous = await api.call('POST', '/services/create', { TaskTemplate: task });
  assert.equal(anonymous.status, 201);
  assert.match(
    (await api.call('GET', `/services/${anonymous.body.ID}`)).body.Spec.Name,
    /^[a-z]+_[a-z]+\d*$/,
  );
});

test('updates: stale versions, mode changes and renames are refused; rollback=previous swaps the spec back', async () => {
  const current = (await api.call('GET', '/services/web')).body;
  const url = (version: number, extra = '') => `/services/${current.ID}/update?version=${version}${extra}`;

  const noPrevious = await api.call('POST', url(current.Version.Index, '&rollback=previous'), current.Spec);
  assert.equal(noPrevious.status, 400);
  assert.equal(
    noPrevious.body.message,
    `rpc error: code = FailedPrecondition desc = service ${current.ID} does not have a previous spec`,
  );
  assert.equal(
    (await api.call('POST', url(current.Version.Index), { ...current.Spec, Mode: { Global: {} } })).status,
    501,
  );
  const rename = await api.call('POST', url(current.Version.Index), { ...current.Spec, Name: 'other' });
  assert.equal(
    rename.body.message,
    'rpc error: code = Unimplemented desc = renaming services is not supported',
  );
  const noVersion = await api.call('POST', `/services/${current.ID}/update`, current.Spec);
  assert.equal(noVersion.status, 400);
  assert.match(noVersion.body.message, /^invalid service version ''/);

  const scaled = { ...current.Spec, Mode: { Replicated: { Replicas: 5 } } };
  const ok = await api.call('POST', url(current.Version.Index), scaled);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, {});
  const stale = await api.call('POST', url(current.Version.Index), scaled);
  assert.equal(stale.status, 400);
  assert.equal(stale.body.message, 'rpc error: code = Unknown desc = update out of sequence');

  const updated = (await api.call('GET', '/services/web')).body;
  assert.equal(updated.Spec.Mode.Replicated.Replicas, 5);
  assert.equal(updated.PreviousSpec.Mode.Replicated.Replicas, 3);
  const statuses: string[] = [];
  const unsubscribe = store.subscribe((change) => {
    for (const e of change.events) {
      if (e.table === 'services' && e.object.ID === current.ID && e.object.UpdateStatus) {
        statuses.push(`${e.object.UpdateStatus.State}: ${e.object.UpdateStatus.Message}`);
      }
    }
  });
  const rollback = await api.call('POST', url(updated.Version.Index, '&rollback=previous'), updated.Spec);
  assert.equal(rollback.status, 200);
  await waitFor(store, () => statuses.length === 2, 'the rollback completed');
  unsubscribe();
  // Only the replica count differs: no task needs replacing, so the rollback completes at once.
  assert.deepEqual(statuses, [
    'rollback_started: manually requested rollback',
    'rollback_completed: rollback completed',
  ]);
  const rolledBack = (await api.call('GET', '/services/web')).body;
  assert.equal(rolledBack.Spec.Mode.Replicated.Replicas, 3);
  assert.equal(rolledBack.PreviousSpec.Mode.Replicated.Replicas, 5);
  assertMatchesDefinition('Service', rolledBack);
  const bogus = await api.call('POST', url(rolledBack.Version.Index, '&rollback=later'), rolledBack.Spec);
  assert.equal(bogus.body.message, 'unrecognized rollback option later');
  await waitFor(
    store,
    (tx) => tx.tasksByService(current.ID).filter((t) => t.DesiredState === 'running').length === 3,
    'back to 3',
  );
});

test("service list filters and task filters answer as Docker's do", async () => {
  const names = async (filters: unknown) =>
    (await api.call('GET', `/services?filters=${encodeURIComponent(JSON.stringify(filters))}`)).body
      .map((s: { Spec: { Name: string } }) => s.Spec.Name)
      .sort();
  assert.deepEqual(await names({ name: { we: true } }), ['web']);
  assert.deepEqual(await names({ name: { api: true } }), ['api']);
  assert.deepEqual(await names({ mode: { global: true } }), []);
  const bad = await api.call('GET', `/services?filters=${encodeURIComponent('{"colour":{"red":true}}')}`);
  assert.equal(bad.status, 400);

  const tasks = async (filters: unknown) =>
    api.call('GET', `/tasks?filters=${encodeURIComponent(JSON.stringify(filters))}`);
  await waitFor(store, (tx) => tx.tasksByService(tx.byName('services', 'web')!.ID).length >= 3, 'web tasks');
  const byName = await tasks({ service: { web: true }, 'desired-state': { running: true } });
  assert.equal(byName.status, 200);
  assert.ok(byName.body.every((t: { DesiredState: string }) => t.DesiredState === 'running'));
  const onNode = await tasks({ node: { 'swarm-1': true } });
  assert.ok(onNode.body.length > 0);
  assert.equal((await tasks({ service: { nosuch: true } })).status, 404);
  assert.equal((await tasks({ 'desired-state': { sleeping: true } })).status, 400);
  const one = byName.body[0];
  const got = await api.call('GET', `/tasks/${one.ID}`);
  assert.equal(got.body.ID, one.ID);
  assertMatchesDefinition('Task', got.body);
  assert.equal((await api.call('GET', '/tasks/nosuchtask')).status, 404);
  const named = await tasks({ name: { [one.Name]: true } });
  assert.ok(named.body.some((t: { ID: string }) => t.ID === one.ID));
});

test('service removal answers 200, then the service is gone', async () => {
  const res = await api.call('DELETE', '/services/api');
  assert.equal(res.status, 200);
  const gone = await api.call('GET', '/services/api');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.message, 'service api not found');
});
