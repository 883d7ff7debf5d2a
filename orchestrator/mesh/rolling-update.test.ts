/**
 * Zero-downtime rolling updates (`--update-order start-first`) as the routing mesh sees them: the old task
 * keeps getting traffic until the new one is routable, then stops getting new connections at once, and a
 * client hitting the mesh without pause sees no failed request.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, Agent as HttpAgent, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Mesh } from './mesh.js';
import { eventually, freePort, httpGet } from './testing/clients.js';
import { testEachRelay } from './testing/relays.js';
import { randomLoopback, SwarmFixture } from './testing/swarm-fixture.js';

/** An app that drains like a well-behaved server: once told to stop, it accepts nothing new and closes each
 * keep-alive connection after answering its next request. */
async function drainingBackend(host: string, name: string) {
  let draining = false;
  const state = { connections: 0, requests: 0, connectionsAtDrain: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (draining) res.shouldKeepAlive = false;
    req.resume();
    req.on('end', () => res.end(`The hostname is ${name}!`));
  });
  server.on('connection', () => state.connections++);
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    state,
    endpoint: { targetPort: 80, protocol: 'tcp' as const, hostAddr: host, hostPort: port },
    drain() {
      draining = true;
      state.connectionsAtDrain = state.connections;
      // Stop listening without http's close(), which would also cut idle keep-alive connections.
      NetServer.prototype.close.call(server);
    },
    close() {
      server.closeAllConnections();
      NetServer.prototype.close.call(server);
    },
  };
}

/** Clients hitting the mesh without pause until stopped: some with a new connection per request, some
 * keeping their connection alive. */
function load(host: string, port: number, clients = { newConnection: 4, keepAlive: 4 }) {
  const result = { ok: 0, failed: 0, errors: [] as string[], bodies: new Map<string, number>() };
  let running = true;
  const agents: HttpAgent[] = [];
  const loop = async (agent: HttpAgent | false) => {
    while (running) {
      try {
        const body = await httpGet(host, port, agent);
        result.ok++;
        result.bodies.set(body, (result.bodies.get(body) ?? 0) + 1);
      } catch (error) {
        result.failed++;
        result.errors.push((error as Error).message);
      }
    }
  };
  const loops = [
    ...Array.from({ length: clients.newConnection }, () => loop(false)),
    ...Array.from({ length: clients.keepAlive }, () => {
      const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      return loop(agent);
    }),
  ];
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      return result;
    },
  };
}

testEachRelay(
  'a start-first update under load: the old task serves until the new one is routable, and no request fails',
  async (t, relay) => {
    const swarm = new SwarmFixture();
    const [nodeA, nodeB, nodeC] = [await swarm.node(), await swarm.node(), await swarm.node()];
    const [addrA, addrB, addrC] = [randomLoopback(), randomLoopback(), randomLoopback()];
    const published = await freePort(addrC);
    const web = await swarm.service('web', {
      ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published }],
    });
    const oldApp = await drainingBackend(addrA, 'old');
    const newApp = await drainingBackend(addrB, 'new');
    const mesh = new Mesh({ relay, nodeAddr: addrC, nodeId: nodeC, log: () => {} });
    await mesh.start();
    t.after(async () => {
      await mesh.close();
      oldApp.close();
      newApp.close();
    });
    const oldTask = await swarm.task(web, { nodeId: nodeA, slot: 1, endpoints: [oldApp.endpoint] });
    mesh.update(swarm.table());
    await eventually(() => assert.equal(mesh.publishedPorts.length, 1));

    const traffic = load(addrC, published);
    await sleep(300);
    // The new task starts; its healthcheck has not passed yet, so it is not routable.
    const newTask = await swarm.task(web, {
      nodeId: nodeB,
      slot: 1,
      state: 'running',
      health: 'starting',
      endpoints: [newApp.endpoint],
    });
    mesh.update(swarm.table());
    await sleep(200);
    assert.equal(newApp.state.requests, 0, 'no traffic before the new task is healthy');
    await swarm.updateTask(newTask.ID, { health: 'healthy' });
    mesh.update(swarm.table());
    await sleep(300);
    assert.ok(newApp.state.requests > 0, 'the new task gets traffic once healthy');
    // The orchestrator shuts the old task down; its node stops the container, which drains.
    await swarm.updateTask(oldTask.ID, { desired: 'shutdown' });
    mesh.update(swarm.table());
    oldApp.drain();
    const oldRequestsAtShutdown = oldApp.state.requests;
    await sleep(500);
    const result = await traffic.stop();

    assert.deepEqual(result.errors.slice(0, 5), []);
    assert.equal(result.failed, 0);
    assert.ok(result.ok > 50, `the load ran (${result.ok} requests)`);
    assert.equal(
      oldApp.state.connections,
      oldApp.state.connectionsAtDrain,
      'no new connection to the old task',
    );
    const lastRequests = oldApp.state.requests - oldRequestsAtShutdown;
    assert.ok(lastRequests <= 8, `at most one last request per client, got ${lastRequests}`);
  },
);

testEachRelay(
  'tasks that die before the table says so cost no failed request to clients opening new connections',
  async (t, relay) => {
    const swarm = new SwarmFixture();
    const [nodeA, nodeB, nodeC] = [await swarm.node(), await swarm.node(), await swarm.node()];
    const [addrA, addrB, addrC] = [randomLoopback(), randomLoopback(), randomLoopback()];
    const published = await freePort(addrC);
    const web = await swarm.service('web', {
      ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published }],
    });
    const oldApp = await drainingBackend(addrA, 'old');
    const newApp = await drainingBackend(addrB, 'new');
    const mesh = new Mesh({ relay, nodeAddr: addrC, nodeId: nodeC, log: () => {} });
    await mesh.start();
    t.after(async () => {
      await mesh.close();
      oldApp.close();
      newApp.close();
    });
    const oldTask = await swarm.task(web, { nodeId: nodeA, slot: 1, endpoints: [oldApp.endpoint] });
    await swarm.task(web, { nodeId: nodeB, slot: 2, endpoints: [newApp.endpoint] });
    mesh.update(swarm.table());
    await eventually(() => assert.equal(mesh.publishedPorts.length, 1));

    const traffic = load(addrC, published, { newConnection: 6, keepAlive: 0 });
    await sleep(300);
    oldApp.drain(); // the old task stopped listening; this node has not heard yet
    await sleep(300);
    await swarm.updateTask(oldTask.ID, { state: 'failed', desired: 'shutdown' });
    mesh.update(swarm.table());
    await sleep(200);
    const result = await traffic.stop();
    assert.deepEqual(result.errors.slice(0, 5), []);
    assert.equal(result.failed, 0);
    assert.ok((result.bodies.get('The hostname is new!') ?? 0) > 20);
  },
);

testEachRelay('open connections end when the mesh closes', async (t, relay) => {
  const addr = randomLoopback();
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const app = await drainingBackend(addr, 'app');
  const published = await freePort(addr);
  const web = await swarm.service('web', {
    ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published }],
  });
  await swarm.task(web, { nodeId: node, endpoints: [app.endpoint] });
  const mesh = new Mesh({ relay, nodeAddr: addr, nodeId: 'other', log: () => {} });
  await mesh.start();
  mesh.update(swarm.table());
  t.after(() => app.close());
  await eventually(() => assert.equal(mesh.publishedPorts.length, 1));
  const agent = new HttpAgent({ keepAlive: true });
  t.after(() => agent.destroy());
  await httpGet(addr, published, agent);
  assert.equal(mesh.activeConnections, 1);
  await mesh.close();
  assert.equal(mesh.activeConnections, 0);
  await assert.rejects(httpGet(addr, published));
});
