import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { Mesh } from './mesh.js';
import {
  aRecords,
  connectThrough,
  dnsQuery,
  eventually,
  freePort,
  getOver,
  httpGet,
  startHttpBackend,
} from './testing/clients.js';
import { type Relay, testEachRelay } from './testing/relays.js';
import { randomLoopback, SwarmFixture } from './testing/swarm-fixture.js';

/** A swarm with one web service published on an ingress port, two tasks on two other nodes. */
async function webSwarm(t: { after(fn: () => unknown): void }, relay: Relay) {
  const swarm = new SwarmFixture();
  const [nodeA, nodeB, nodeC] = [await swarm.node(), await swarm.node(), await swarm.node()];
  const [addrA, addrB, addrC] = [randomLoopback(), randomLoopback(), randomLoopback()];
  const ingress = await swarm.network('ingress', '10.0.0.0/24', true);
  const front = await swarm.network('front', '10.0.1.0/24');
  const published = await freePort(addrC);
  const web = await swarm.service('web', {
    ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published, PublishMode: 'ingress' }],
    networks: [
      { network: ingress, vip: '10.0.0.2/24' },
      { network: front, vip: '10.0.1.2/24' },
    ],
  });
  const backendA = await startHttpBackend(addrA, 'task-a');
  const backendB = await startHttpBackend(addrB, 'task-b');
  const taskA = await swarm.task(web, {
    nodeId: nodeA,
    slot: 1,
    addresses: [
      { network: ingress, addr: '10.0.0.3/24' },
      { network: front, addr: '10.0.1.3/24' },
    ],
    endpoints: [backendA.endpoint(80)],
  });
  const taskB = await swarm.task(web, {
    nodeId: nodeB,
    slot: 2,
    addresses: [
      { network: ingress, addr: '10.0.0.4/24' },
      { network: front, addr: '10.0.1.4/24' },
    ],
    endpoints: [backendB.endpoint(80)],
  });
  const logs: string[] = [];
  const mesh = new Mesh({ relay, nodeAddr: addrC, nodeId: nodeC, log: (line) => logs.push(line) });
  await mesh.start();
  mesh.update(swarm.table());
  t.after(async () => {
    await mesh.close();
    await backendA.close();
    await backendB.close();
  });
  await eventually(() => assert.deepEqual(mesh.publishedPorts, [`tcp/${published}`]));
  return {
    swarm,
    mesh,
    web,
    addrA,
    addrB,
    addrC,
    nodeA,
    nodeB,
    nodeC,
    published,
    backendA,
    backendB,
    taskA,
    taskB,
    logs,
    front,
    ingress,
  };
}

testEachRelay(
  'a node without a task of the service answers on the published port and spreads connections over the tasks',
  async (t, relay) => {
    const { addrC, published } = await webSwarm(t, relay);
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) bodies.push(await httpGet(addrC, published));
    assert.equal(bodies.filter((b) => b === 'The hostname is task-a!').length, 3);
    assert.equal(bodies.filter((b) => b === 'The hostname is task-b!').length, 3);
  },
);

testEachRelay(
  'a task that leaves the table, or turns unhealthy, gets no new connection',
  async (t, relay) => {
    const { swarm, mesh, addrC, published, backendA, backendB, taskA, taskB } = await webSwarm(t, relay);
    await swarm.updateTask(taskA.ID, { desired: 'shutdown' });
    mesh.update(swarm.table());
    const before = backendA.connections;
    for (let i = 0; i < 4; i++) assert.equal(await httpGet(addrC, published), 'The hostname is task-b!');
    assert.equal(backendA.connections, before);

    await swarm.updateTask(taskB.ID, { health: 'unhealthy' });
    mesh.update(swarm.table());
    await assert.rejects(httpGet(addrC, published), 'no routable task: the connection is refused');
    assert.equal(backendB.requests, 4);
  },
);

testEachRelay('an open connection carries on after its task leaves the table', async (t, relay) => {
  const { swarm, mesh, addrC, published, taskA, taskB } = await webSwarm(t, relay);
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const first = await httpGet(addrC, published, agent);
  const firstTask = first.includes('task-a') ? taskA : taskB;
  await swarm.updateTask(firstTask.ID, { desired: 'shutdown' });
  mesh.update(swarm.table());
  for (let i = 0; i < 3; i++) assert.equal(await httpGet(addrC, published, agent), first);
});

testEachRelay(
  'a task that is gone before the table says so costs a retry, not a failed connection',
  async (t, relay) => {
    const { addrC, published, backendA } = await webSwarm(t, relay);
    await backendA.stopListening();
    for (let i = 0; i < 6; i++) assert.equal(await httpGet(addrC, published), 'The hostname is task-b!');
  },
);

testEachRelay(
  'a task that closes connections before answering is replaced, and the request replayed once',
  async (t, relay) => {
    const { swarm, mesh, addrC, published, backendB, taskA, web, nodeA } = await webSwarm(t, relay);
    // A task that is going away: it accepts connections (they were in its backlog) and closes them unanswered.
    const dying = createServer((socket) => socket.destroy());
    const dyingAddr = randomLoopback();
    dying.listen(0, dyingAddr);
    await once(dying, 'listening');
    t.after(() => dying.close());
    await swarm.updateTask(taskA.ID, { desired: 'shutdown' });
    await swarm.task(web, {
      nodeId: nodeA,
      slot: 3,
      endpoints: [
        {
          targetPort: 80,
          protocol: 'tcp',
          hostAddr: dyingAddr,
          hostPort: (dying.address() as { port: number }).port,
        },
      ],
    });
    mesh.update(swarm.table());
    const before = backendB.requests;
    for (let i = 0; i < 6; i++) assert.equal(await httpGet(addrC, published), 'The hostname is task-b!');
    assert.equal(backendB.requests - before, 6, 'each request reached the live task exactly once');
  },
);

testEachRelay('a half-closed connection still gets its answer', async (t, relay) => {
  const addr = randomLoopback();
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  // The backend answers once the client has finished sending (it reads to the end).
  const echo = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => setTimeout(() => socket.end(Buffer.concat(chunks).toString().toUpperCase()), 100));
  });
  echo.listen(0, addr);
  await once(echo, 'listening');
  const published = await freePort(addr);
  const service = await swarm.service('echo', {
    ports: [{ Protocol: 'tcp', TargetPort: 7, PublishedPort: published }],
  });
  await swarm.task(service, {
    nodeId: node,
    endpoints: [
      { targetPort: 7, protocol: 'tcp', hostAddr: addr, hostPort: (echo.address() as { port: number }).port },
    ],
  });
  const mesh = new Mesh({ relay, nodeAddr: addr, nodeId: 'other', log: () => {} });
  await mesh.start();
  mesh.update(swarm.table());
  t.after(async () => {
    await mesh.close();
    echo.close();
  });
  await eventually(() => assert.equal(mesh.publishedPorts.length, 1));
  const socket = connect({ host: addr, port: published, allowHalfOpen: true });
  await once(socket, 'connect');
  socket.end('hello');
  let reply = '';
  socket.on('data', (c) => (reply += c));
  await once(socket, 'end');
  assert.equal(reply, 'HELLO');
  await eventually(() => assert.equal(mesh.activeConnections, 0));
});

testEachRelay('large transfers both ways keep every byte, in order, under backpressure', async (t, relay) => {
  const addr = randomLoopback();
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  // The backend echoes everything, slowly at first so that the relay has to hold bytes back.
  const echo = createServer({ allowHalfOpen: true }, (socket) => {
    socket.pause();
    setTimeout(() => socket.pipe(socket), 200);
  });
  echo.listen(0, addr);
  await once(echo, 'listening');
  const published = await freePort(addr);
  const service = await swarm.service('echo', {
    ports: [{ Protocol: 'tcp', TargetPort: 7, PublishedPort: published }],
  });
  await swarm.task(service, {
    nodeId: node,
    endpoints: [
      { targetPort: 7, protocol: 'tcp', hostAddr: addr, hostPort: (echo.address() as { port: number }).port },
    ],
  });
  const mesh = new Mesh({ relay, nodeAddr: addr, nodeId: 'other', log: () => {} });
  await mesh.start();
  mesh.update(swarm.table());
  t.after(async () => {
    await mesh.close();
    echo.close();
  });
  await eventually(() => assert.equal(mesh.publishedPorts.length, 1));
  const transfer = async (size: number) => {
    const payload = randomBytes(size);
    const socket = connect({ host: addr, port: published, allowHalfOpen: true });
    await once(socket, 'connect');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const ended = once(socket, 'end');
    for (let offset = 0; offset < size; offset += 256 * 1024)
      socket.write(payload.subarray(offset, offset + 256 * 1024));
    socket.end();
    await ended;
    socket.destroy();
    const back = Buffer.concat(received);
    assert.equal(back.length, size);
    assert.ok(back.equals(payload), 'the same bytes in the same order');
  };
  await Promise.all([transfer(8 * 1024 * 1024), transfer(3 * 1024 * 1024), transfer(1)]);
  await eventually(() => assert.equal(mesh.activeConnections, 0));
});

testEachRelay('idle relayed connections are closed after the idle timeout', async (t, relay) => {
  const addr = randomLoopback();
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const backend = await startHttpBackend(addr, 'idle');
  const published = await freePort(addr);
  const service = await swarm.service('idle', {
    ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published }],
  });
  await swarm.task(service, { nodeId: node, endpoints: [backend.endpoint(80)] });
  const mesh = new Mesh({ relay, nodeAddr: addr, nodeId: 'other', log: () => {}, idleTimeoutMs: 300 });
  await mesh.start();
  mesh.update(swarm.table());
  t.after(async () => {
    await mesh.close();
    await backend.close();
  });
  await eventually(() => assert.equal(mesh.publishedPorts.length, 1));
  const socket = connect({ host: addr, port: published });
  await once(socket, 'connect');
  await eventually(() => assert.equal(mesh.activeConnections, 1));
  await once(socket, 'close');
  await eventually(() => assert.equal(mesh.activeConnections, 0));
});

testEachRelay(
  'host-mode ports open only on nodes running a task, and reach the local task',
  async (t, relay) => {
    const swarm = new SwarmFixture();
    const [nodeA, nodeB] = [await swarm.node(), await swarm.node()];
    const [addrA, addrB] = [randomLoopback(), randomLoopback()];
    const backendA = await startHttpBackend(addrA, 'local-a');
    const published = await freePort(addrA);
    const service = await swarm.service('hostweb', {
      ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published, PublishMode: 'host' }],
    });
    await swarm.task(service, { nodeId: nodeA, endpoints: [backendA.endpoint(80)] });
    const meshA = new Mesh({ relay, nodeAddr: addrA, nodeId: nodeA, log: () => {} });
    const meshB = new Mesh({ relay, nodeAddr: addrB, nodeId: nodeB, log: () => {} });
    await meshA.start();
    await meshB.start();
    meshA.update(swarm.table());
    meshB.update(swarm.table());
    t.after(async () => {
      await meshA.close();
      await meshB.close();
      await backendA.close();
    });
    await eventually(() => assert.deepEqual(meshA.publishedPorts, [`tcp/${published}`]));
    assert.deepEqual(meshB.publishedPorts, []);
    assert.equal(await httpGet(addrA, published), 'The hostname is local-a!');
    await assert.rejects(httpGet(addrB, published), /ECONNREFUSED/);
  },
);

testEachRelay('ports removed from the table stop listening', async (t, relay) => {
  const { swarm, mesh, addrC, published, web } = await webSwarm(t, relay);
  await swarm.removeService(web.ID);
  mesh.update(swarm.table());
  assert.deepEqual(mesh.publishedPorts, []);
  await eventually(() => assert.rejects(httpGet(addrC, published), /ECONNREFUSED/));
});

testEachRelay(
  'a published port that is taken is reported and retried, and the mesh keeps serving',
  async (t, relay) => {
    const swarm = new SwarmFixture();
    const node = await swarm.node();
    const addr = randomLoopback();
    const squatter = createServer((s) => s.end('squatter'));
    squatter.listen(0, addr);
    await once(squatter, 'listening');
    const taken = (squatter.address() as { port: number }).port;
    const backend = await startHttpBackend(addr, 'web');
    const service = await swarm.service('web', {
      ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: taken }],
    });
    await swarm.task(service, { nodeId: node, endpoints: [backend.endpoint(80)] });
    const logs: string[] = [];
    const mesh = new Mesh({
      relay,
      nodeAddr: addr,
      nodeId: 'other',
      log: (l) => logs.push(l),
      listenRetryMs: 100,
    });
    await mesh.start();
    mesh.update(swarm.table());
    t.after(async () => {
      await mesh.close();
      await backend.close();
      squatter.close();
    });
    await eventually(() =>
      assert.ok(
        logs.some((l) => l.includes(`cannot listen on ${addr}:${taken}`) && l.includes('already in use')),
      ),
    );
    assert.deepEqual(mesh.publishedPorts, []);
    squatter.close();
    await eventually(() => assert.deepEqual(mesh.publishedPorts, [`tcp/${taken}`]));
    assert.equal(await httpGet(addr, taken), 'The hostname is web!');
  },
);

testEachRelay('published UDP ports relay datagrams to the tasks and back', async (t, relay) => {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const addr = randomLoopback();
  const echo = createSocket('udp4');
  echo.on('message', (m, from) => echo.send(Buffer.from(`echo:${m}`), from.port, from.address));
  echo.bind(0, addr);
  await once(echo, 'listening');
  const published = await freePort(addr);
  const service = await swarm.service('udpecho', {
    ports: [{ Protocol: 'udp', TargetPort: 5353, PublishedPort: published }],
  });
  await swarm.task(service, {
    nodeId: node,
    endpoints: [{ targetPort: 5353, protocol: 'udp', hostAddr: addr, hostPort: echo.address().port }],
  });
  const mesh = new Mesh({ relay, nodeAddr: addr, nodeId: 'other', log: () => {} });
  await mesh.start();
  mesh.update(swarm.table());
  const client = createSocket('udp4');
  t.after(async () => {
    await mesh.close();
    echo.close();
    client.close();
  });
  await eventually(() => assert.deepEqual(mesh.publishedPorts, [`udp/${published}`]));
  client.send('ping', published, addr);
  const [reply, from] = (await once(client, 'message')) as [Buffer, { port: number }];
  assert.equal(reply.toString(), 'echo:ping');
  assert.equal(from.port, published, 'the reply comes from the published port');
});

testEachRelay(
  'the gateway balances a virtual IP over the tasks and reaches a task by its address or a service by name',
  async (t, relay) => {
    const { mesh } = await webSwarm(t, relay);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const tunnel = await connectThrough(mesh.gatewayAddr, '10.0.1.2:80');
      assert.equal(tunnel.status, 200);
      seen.push(await getOver(tunnel.socket));
    }
    assert.deepEqual(seen.sort(), [
      'The hostname is task-a!',
      'The hostname is task-a!',
      'The hostname is task-b!',
      'The hostname is task-b!',
    ]);
    const toTask = await connectThrough(mesh.gatewayAddr, '10.0.1.4:80');
    assert.equal(toTask.status, 200);
    assert.equal(await getOver(toTask.socket), 'The hostname is task-b!');
    const byName = await connectThrough(mesh.gatewayAddr, 'web:80');
    assert.equal(byName.status, 200);
    assert.match(await getOver(byName.socket), /^The hostname is task-[ab]!$/);
  },
);

testEachRelay(
  'the gateway refuses non-overlay addresses and explains what it cannot reach',
  async (t, relay) => {
    const { mesh, addrA, backendA } = await webSwarm(t, relay);
    const host = await connectThrough(mesh.gatewayAddr, `${addrA}:${backendA.port}`);
    assert.equal(host.status, 403);
    assert.match(host.body, /not on a swarm overlay network/);
    const nobody = await connectThrough(mesh.gatewayAddr, '10.0.1.99:80');
    assert.equal(nobody.status, 404);
    assert.match(nobody.body, /no service or running task has the address 10\.0\.1\.99/);
    const wrongPort = await connectThrough(mesh.gatewayAddr, '10.0.1.2:81');
    assert.equal(wrongPort.status, 502);
    assert.match(wrongPort.body, /no task of service web listens on port 81/);
    const unknownName = await connectThrough(mesh.gatewayAddr, 'example.com:443');
    assert.equal(unknownName.status, 404);
    const [gwHost, gwPort] = mesh.gatewayAddr.split(':');
    const socket = connect({ host: gwHost!, port: Number(gwPort) });
    socket.write('GET http://10.0.1.2/ HTTP/1.1\r\nHost: 10.0.1.2\r\n\r\n');
    let reply = '';
    socket.on('data', (c) => (reply += c));
    await once(socket, 'end');
    assert.match(reply, /^HTTP\/1\.1 405 /);
  },
);

testEachRelay(
  'the DNS server answers service, tasks.service and qualified names, and NXDOMAIN for others',
  async (t, relay) => {
    const { mesh, swarm, taskA } = await webSwarm(t, relay);
    const service = await dnsQuery(mesh.dnsAddr, 'web');
    assert.equal(service.rcode, 'NOERROR');
    assert.ok(service.flag_aa);
    assert.deepEqual(aRecords(service), ['10.0.1.2'], 'the overlay VIP, not the ingress one');
    assert.ok((service.answers![0] as { ttl: number }).ttl <= 10);
    assert.deepEqual(aRecords(await dnsQuery(mesh.dnsAddr, 'tasks.web')), ['10.0.1.3', '10.0.1.4']);
    assert.deepEqual(aRecords(await dnsQuery(mesh.dnsAddr, 'WEB.front.')), ['10.0.1.2']);
    assert.deepEqual(aRecords(await dnsQuery(mesh.dnsAddr, 'tasks.web.front')), ['10.0.1.3', '10.0.1.4']);
    assert.deepEqual(aRecords(await dnsQuery(mesh.dnsAddr, `web.1.${taskA.ID}`)), ['10.0.1.3']);
    assert.deepEqual(aRecords(await dnsQuery(mesh.dnsAddr, 'tasks.web', 'A', 'tcp')), [
      '10.0.1.3',
      '10.0.1.4',
    ]);
    assert.equal((await dnsQuery(mesh.dnsAddr, 'nope')).rcode, 'NXDOMAIN');
    assert.equal((await dnsQuery(mesh.dnsAddr, 'web.ingress')).rcode, 'NXDOMAIN');
    assert.equal((await dnsQuery(mesh.dnsAddr, 'nope', 'A', 'tcp')).rcode, 'NXDOMAIN');
    const aaaa = await dnsQuery(mesh.dnsAddr, 'web', 'AAAA');
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.equal(aaaa.answers?.length, 0);
    const ptr = await dnsQuery(mesh.dnsAddr, '2.1.0.10.in-addr.arpa', 'PTR');
    assert.equal((ptr.answers![0] as { data: string }).data, 'web');

    await swarm.updateTask(taskA.ID, { health: 'unhealthy' });
    mesh.update(swarm.table());
    assert.deepEqual(
      aRecords(await dnsQuery(mesh.dnsAddr, 'tasks.web')),
      ['10.0.1.4'],
      'only routable tasks',
    );
  },
);

testEachRelay('the DNS server survives garbage', async (t, relay) => {
  const { mesh } = await webSwarm(t, relay);
  const [host, port] = mesh.dnsAddr.split(':');
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  socket.send(Buffer.from('not a dns message at all'), Number(port), host);
  const [reply] = (await once(socket, 'message')) as [Buffer];
  assert.equal(reply.readUInt16BE(2) & 0xf, 1, 'FORMERR');
  assert.deepEqual(aRecords(await dnsQuery(mesh.dnsAddr, 'web')), ['10.0.1.2']);
});
