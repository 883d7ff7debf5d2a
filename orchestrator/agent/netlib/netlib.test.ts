import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { connectDirect, connectThroughGateway, GatewayError } from './connect-client.js';
import { DnsTimeoutError, queryA } from './dns-client.js';
import { formatHostPort, parseHostPort } from './host-port.js';
import { startTestDns, startTestGateway } from './test-mesh.js';

const echo = createServer((socket) => socket.pipe(socket));
let echoPort = 0;
let dns: Awaited<ReturnType<typeof startTestDns>>;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

before(async () => {
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  dns = await startTestDns(new Map([['web', ['10.0.1.5', '10.0.1.6']]]));
  gateway = await startTestGateway(
    new Map([
      ['10.0.1.5', new Map([[8080, { host: '127.0.0.1', port: echoPort }]])],
      ['10.0.1.9', new Map()],
    ]),
  );
});
after(() => {
  echo.close();
  dns.close();
  gateway.close();
});

test('host:port parsing accepts IPv4, names and bracketed IPv6 and refuses the rest', () => {
  assert.deepEqual(parseHostPort('10.0.0.1:53'), { host: '10.0.0.1', port: 53 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  assert.equal(formatHostPort({ host: '::1', port: 80 }), '[::1]:80');
  assert.throws(() => parseHostPort('10.0.0.1'), /expected host:port/);
  assert.throws(() => parseHostPort('a:99999'), /expected host:port/);
});

test('a DNS query gets the A records, or NXDOMAIN for unknown names', async () => {
  const server = parseHostPort(dns.address);
  const answer = await queryA('web', server);
  assert.equal(answer.rcode, 'NOERROR');
  assert.deepEqual(answer.addresses, ['10.0.1.5', '10.0.1.6']);
  const missing = await queryA('docker.com', server);
  assert.equal(missing.rcode, 'NXDOMAIN');
  assert.deepEqual(missing.addresses, []);
  assert.ok(dns.queries.includes('docker.com'));
});

test('a DNS server that never answers times out with a clear error', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  try {
    await assert.rejects(
      queryA('web', { host: '127.0.0.1', port: silent.address().port }, { timeoutMs: 300 }),
      DnsTimeoutError,
    );
  } finally {
    silent.close();
  }
});

test('CONNECT through the gateway tunnels bytes both ways', async () => {
  const socket = await connectThroughGateway(parseHostPort(gateway.address), {
    host: '10.0.1.5',
    port: 8080,
  });
  socket.write('ping through the mesh');
  const [reply] = (await socket.take(1).toArray()) as Buffer[];
  assert.equal(reply.toString(), 'ping through the mesh');
  socket.destroy();
  assert.ok(gateway.connects.includes('10.0.1.5:8080'));
});

test("the gateway's refusals become GatewayErrors with its status", async () => {
  const gw = parseHostPort(gateway.address);
  await assert.rejects(connectThroughGateway(gw, { host: '10.9.9.9', port: 80 }), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.status, 404);
    return true;
  });
  await assert.rejects(connectThroughGateway(gw, { host: '10.0.1.9', port: 80 }), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.status, 502);
    return true;
  });
});

test('a direct connect to a closed port is refused', async () => {
  await assert.rejects(connectDirect({ host: '127.0.0.1', port: 1 }), /ECONNREFUSED/);
});
