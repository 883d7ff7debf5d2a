/** The containers' side of the mesh (agent/netlib: their DNS and CONNECT clients) against the real mesh. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectThroughGateway, GatewayError } from '../agent/netlib/connect-client.js';
import { queryA } from '../agent/netlib/dns-client.js';
import { parseHostPort } from '../agent/netlib/host-port.js';
import { Mesh } from './mesh.js';
import { getOver, startHttpBackend } from './testing/clients.js';
import { randomLoopback, SwarmFixture } from './testing/swarm-fixture.js';

test("netlib's DNS and CONNECT clients resolve a service and reach it through the node's mesh", async (t) => {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const front = await swarm.network('front', '10.0.7.0/24');
  const web = await swarm.service('web', { networks: [{ network: front, vip: '10.0.7.2/24' }] });
  const backend = await startHttpBackend(randomLoopback(), 'web-1');
  await swarm.task(web, {
    nodeId: node,
    addresses: [{ network: front, addr: '10.0.7.3/24' }],
    endpoints: [backend.endpoint(8080)],
  });
  const mesh = new Mesh({ nodeAddr: randomLoopback(), nodeId: node, log: () => {} });
  await mesh.start();
  mesh.update(swarm.table());
  t.after(async () => {
    await mesh.close();
    await backend.close();
  });
  const dns = parseHostPort(mesh.dnsAddr);
  const gateway = parseHostPort(mesh.gatewayAddr);

  assert.deepEqual(await queryA('web', dns), { rcode: 'NOERROR', addresses: ['10.0.7.2'] });
  assert.deepEqual(await queryA('tasks.web', dns), { rcode: 'NOERROR', addresses: ['10.0.7.3'] });
  assert.equal((await queryA('nope', dns)).rcode, 'NXDOMAIN');

  const tunnel = await connectThroughGateway(gateway, { host: '10.0.7.2', port: 8080 });
  assert.equal(await getOver(tunnel), 'The hostname is web-1!');
  await assert.rejects(
    connectThroughGateway(gateway, { host: '10.0.7.2', port: 9999 }),
    (error) => error instanceof GatewayError && error.status === 502,
  );
  await assert.rejects(
    connectThroughGateway(gateway, { host: '10.0.7.99', port: 8080 }),
    (error) => error instanceof GatewayError && error.status === 404,
  );
});
