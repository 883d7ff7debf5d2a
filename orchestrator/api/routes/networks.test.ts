import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureIngressNetwork } from '../../manager/allocator/networks.js';
import { startManagerLoops } from '../../manager/loops.js';
import { addNode, localStore, simulateAgents, waitFor } from '../../manager/orchestrator/test-helpers.js';
import type { Network } from '../engine-types.js';
import { assertEachMatches, assertMatchesDefinition } from '../testing/schema.js';
import { registerNetworkRoutes } from './networks.js';
import { registerServiceRoutes } from './services.js';
import { startTestApi, type TestApi } from './test-support.js';

const store = localStore();
const abort = new AbortController();
let loops: Promise<void>;
let api: TestApi;

const local: Network[] = [
  {
    Name: 'bridge',
    Id: 'a'.repeat(64),
    Driver: 'bridge',
    Scope: 'local',
    IPAM: { Driver: 'default', Config: [] },
  },
  {
    Name: 'host',
    Id: 'b'.repeat(64),
    Driver: 'host',
    Scope: 'local',
    IPAM: { Driver: 'default', Config: [] },
  },
];

before(async () => {
  await addNode(store, { hostname: 'swarm-1', addr: '127.0.0.1' });
  await addNode(store, { hostname: 'swarm-2', addr: '127.0.0.2' });
  await ensureIngressNetwork(store);
  loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  simulateAgents(store, abort.signal);
  api = await startTestApi((router) => {
    registerNetworkRoutes(router, { store, localNetworks: () => local });
    registerServiceRoutes(router, { store, localNetworks: () => local });
  });
});

after(async () => {
  abort.abort();
  await loops;
  await api.close();
});

// What `docker network create -d overlay routing-mesh` sends.
const createRequest = {
  Name: 'routing-mesh',
  Driver: 'overlay',
  Scope: '',
  EnableIPv6: false,
  IPAM: { Driver: 'default', Options: {}, Config: [] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigOnly: false,
  ConfigFrom: { Network: '' },
  Options: {},
  Labels: {},
};

test("overlay networks are created once, inspected in Docker's shape, and listed beside the local ones", async () => {
  const created = await api.call('POST', '/networks/create', createRequest);
  assert.equal(created.status, 201);
  assert.equal(created.body.Warning, '');
  assert.match(created.body.Id, /^[0-9a-z]{25}$/);
  const again = await api.call('POST', '/networks/create', createRequest);
  assert.equal(again.status, 409);
  assert.equal(again.body.message, 'network with name routing-mesh already exists');
  assert.equal(
    (await api.call('POST', '/networks/create', { ...createRequest, Name: 'bridge' })).status,
    403,
  );
  const bad = await api.call('POST', '/networks/create', {
    ...createRequest,
    Name: 'x',
    IPAM: { Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.2.0.1' }] },
  });
  assert.equal(
    bad.body.message,
    'rpc error: code = InvalidArgument desc = ipam configuration: subnet 10.1.0.0/24 does not contain gateway 10.2.0.1',
  );

  const inspected = await api.call('GET', '/networks/routing-mesh');
  assert.equal(inspected.status, 200);
  const network = inspected.body;
  assertMatchesDefinition('Network', network);
  assert.equal(network.Id, created.body.Id);
  assert.equal(network.Scope, 'swarm');
  assert.equal(network.Driver, 'overlay');
  assert.deepEqual(network.IPAM.Config, [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }]);
  assert.equal(network.Options['com.docker.network.driver.overlay.vxlanid_list'], '4097');
  assert.equal((await api.call('GET', `/networks/${network.Id.slice(0, 5)}`)).body.Name, 'routing-mesh');
  assert.equal((await api.call('GET', '/networks/nosuch')).body.message, 'network nosuch not found');

  const list = async (filters?: unknown) =>
    (
      await api.call(
        'GET',
        `/networks${filters ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : ''}`,
      )
    ).body
      .map((n: Network) => n.Name)
      .sort();
  assert.deepEqual(await list(), ['bridge', 'host', 'ingress', 'routing-mesh']);
  assertEachMatches('Network', (await api.call('GET', '/networks')).body);
  assert.deepEqual(await list({ driver: { overlay: true } }), ['ingress', 'routing-mesh']);
  assert.deepEqual(await list({ scope: { local: true } }), ['bridge', 'host']);
  assert.deepEqual(await list({ name: { mesh: true } }), ['routing-mesh']);
  assert.deepEqual(await list({ type: { builtin: true } }), ['bridge', 'host']);
  const ingress = (await api.call('GET', '/networks/ingress')).body;
  assert.equal(ingress.Ingress, true);
  assert.deepEqual(ingress.Peers.map((p: { IP: string }) => p.IP).sort(), ['127.0.0.1', '127.0.0.2']);
});

test('a network in use by a service cannot be removed; afterwards it can', async () => {
  const service = await api.call('POST', '/services/create', {
    Name: 'docker-routing-mesh',
    TaskTemplate: {
      ContainerSpec: { Image: 'albertogviana/docker-routing-mesh:1.0.0' },
      Networks: [{ Target: 'routing-mesh' }],
    },
    Mode: { Replicated: { Replicas: 2 } },
    EndpointSpec: { Ports: [{ TargetPort: 8080, PublishedPort: 8080 }] },
  });
  assert.equal(service.status, 201);
  const network = (await api.call('GET', '/networks/routing-mesh')).body;
  await waitFor(
    store,
    (tx) => tx.tasksByService(service.body.ID).filter((t) => t.Status.State === 'running').length === 2,
    '2 running',
  );
  assert.ok((await api.call('GET', '/networks/routing-mesh')).body.Peers.length > 0);

  const busy = await api.call('DELETE', '/networks/routing-mesh');
  assert.equal(busy.status, 400);
  assert.equal(
    busy.body.message,
    `rpc error: code = FailedPrecondition desc = network ${network.Id} is in use by service ${service.body.ID}`,
  );
  const ingressBusy = await api.call('DELETE', '/networks/ingress');
  assert.match(
    ingressBusy.body.message,
    /ingress network cannot be removed because service [0-9a-z]{25} depends on it/,
  );
  assert.equal((await api.call('DELETE', '/networks/bridge')).status, 403);

  await api.call('DELETE', '/services/docker-routing-mesh');
  await waitFor(store, (tx) => tx.tasksByService(service.body.ID).length === 0, 'tasks gone');
  assert.equal((await api.call('DELETE', '/networks/routing-mesh')).status, 204);
  assert.equal((await api.call('GET', '/networks/routing-mesh')).status, 404);
});
