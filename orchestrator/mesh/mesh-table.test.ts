import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SwarmFixture } from './testing/swarm-fixture.js';

const endpoint = { targetPort: 80, protocol: 'tcp' as const, hostAddr: '127.0.0.9', hostPort: 40000 };

test('the table lists services with their networks, bare virtual IPs, published ports and routable tasks', async () => {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const ingress = await swarm.network('ingress', '10.0.0.0/24', true);
  const overlay = await swarm.network('front', '10.0.1.0/24');
  const web = await swarm.service('web', {
    ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
    networks: [
      { network: ingress, vip: '10.0.0.2/24' },
      { network: overlay, vip: '10.0.1.2/24', aliases: ['www'] },
    ],
  });
  const task = await swarm.task(web, {
    nodeId: node,
    addresses: [
      { network: ingress, addr: '10.0.0.3/24' },
      { network: overlay, addr: '10.0.1.3/24' },
    ],
    endpoints: [endpoint],
  });
  const table = swarm.table();
  assert.deepEqual(table.networks.map((n) => [n.name, n.subnet, n.ingress]).sort(), [
    ['front', '10.0.1.0/24', false],
    ['ingress', '10.0.0.0/24', true],
  ]);
  const [service] = table.services;
  assert.equal(service?.name, 'web');
  assert.equal(service.endpointMode, 'vip');
  assert.deepEqual(service.ports, [
    { publishedPort: 8080, targetPort: 80, protocol: 'tcp', publishMode: 'ingress' },
  ]);
  assert.deepEqual(
    service.networks.find((n) => n.id === overlay.ID),
    { id: overlay.ID, vip: '10.0.1.2', aliases: ['www'] },
  );
  assert.deepEqual(service.networks.find((n) => n.id === ingress.ID)?.vip, '10.0.0.2');
  assert.equal(service.tasks.length, 1);
  assert.deepEqual(service.tasks[0], {
    id: task.ID,
    name: `web.1.${task.ID}`,
    nodeId: node,
    addresses: [
      { networkId: ingress.ID, addr: '10.0.0.3' },
      { networkId: overlay.ID, addr: '10.0.1.3' },
    ],
    endpoints: [endpoint],
  });
});

test('only running, healthy (or unchecked) tasks meant to run on live nodes are routable', async () => {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const downNode = await swarm.node('down');
  const web = await swarm.service('web');
  const routable = await swarm.task(web, { nodeId: node, slot: 1 });
  const healthy = await swarm.task(web, { nodeId: node, slot: 2, health: 'healthy' });
  await swarm.task(web, { nodeId: node, slot: 3, health: 'starting' });
  await swarm.task(web, { nodeId: node, slot: 4, health: 'unhealthy' });
  await swarm.task(web, { nodeId: node, slot: 5, state: 'starting' });
  await swarm.task(web, { nodeId: node, slot: 6, desired: 'shutdown' });
  await swarm.task(web, { nodeId: node, slot: 7, state: 'failed', desired: 'shutdown' });
  await swarm.task(web, { nodeId: downNode, slot: 8 });
  const ids = swarm.table().services[0]?.tasks.map((t) => t.id);
  assert.deepEqual(ids, [routable.ID, healthy.ID].sort());
});

test('the version is the same for the same content and changes with it', async () => {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const web = await swarm.service('web');
  const first = swarm.table();
  assert.equal(swarm.table().version, first.version);
  assert.ok(Number.isSafeInteger(first.version));
  const task = await swarm.task(web, { nodeId: node, state: 'starting' });
  assert.equal(swarm.table().version, first.version, 'a task that is not routable changes nothing');
  await swarm.updateTask(task.ID, { state: 'running' });
  const second = swarm.table();
  assert.notEqual(second.version, first.version);
  await swarm.updateTask(task.ID, { desired: 'shutdown' });
  assert.equal(swarm.table().version, first.version, 'back to the same content, back to the same version');
});

test('dnsrr services have no virtual IP in the table', async () => {
  const swarm = new SwarmFixture();
  const overlay = await swarm.network('back', '10.0.2.0/24');
  await swarm.service('db', { endpointMode: 'dnsrr', networks: [{ network: overlay, vip: '10.0.2.2/24' }] });
  const [service] = swarm.table().services;
  assert.equal(service?.endpointMode, 'dnsrr');
  assert.deepEqual(service.networks, [{ id: overlay.ID, aliases: [] }]);
});
