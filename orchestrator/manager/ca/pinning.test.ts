import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import { after, before, test } from 'node:test';
import { connect, createServer, type Server } from 'node:tls';
import { createJoinToken, parseJoinToken } from './join-token.js';
import { CAPinningError, fetchPinnedRootCA } from './pinning.js';
import { caDigest, createRootCA, digestToHex, type RootCA } from './root-ca.js';
import { createTestCluster, type TestNode } from './testing.js';
import { certificateChain, nodeServerIdentityCheck, serverTlsOptions } from './tls-options.js';

let rootCA: RootCA;
let manager: TestNode;
let server: Server;
let port: number;

before(async () => {
  ({ rootCA, manager } = await createTestCluster());
  server = createServer(serverTlsOptions(manager), (socket) => socket.end('joined'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

test('pinning with the cluster token returns the root CA, which then authenticates the manager', async () => {
  const { digest } = parseJoinToken(createJoinToken(rootCA.certPem));
  const pinned = await fetchPinnedRootCA('127.0.0.1', port, digest, 20_000);
  assert.equal(
    new X509Certificate(pinned).fingerprint256,
    new X509Certificate(rootCA.certPem).fingerprint256,
  );
  assert.equal(caDigest(pinned), digest);

  // The joining node now trusts only the pinned root, and requires a manager.
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: [pinned],
      checkServerIdentity: nodeServerIdentityCheck({ role: 'manager' }),
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.equal(answer, 'joined');
});

test("a token of another CA fails with Docker's fingerprint message", async () => {
  const other = await createRootCA();
  const { digest } = parseJoinToken(createJoinToken(other.certPem));
  await assert.rejects(fetchPinnedRootCA('127.0.0.1', port, digest, 20_000), (error: unknown) => {
    return (
      error instanceof CAPinningError &&
      error.message === `remote CA does not match fingerprint. Expected: ${digestToHex(digest)}`
    );
  });
});

test('a server presenting the right root CA with a certificate it did not sign is refused', async () => {
  const other = await createTestCluster();
  // The impostor's chain carries our root CA (public) after its own certificate of another CA.
  const impostor = createServer({
    cert: certificateChain(other.manager.certPem, other.rootCA.certPem) + rootCA.certPem,
    key: other.manager.keyPem,
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  try {
    const impostorPort = (impostor.address() as AddressInfo).port;
    await assert.rejects(fetchPinnedRootCA('127.0.0.1', impostorPort, caDigest(rootCA.certPem), 20_000), {
      name: 'CAPinningError',
      message: /a certificate it did not sign/,
    });
  } finally {
    impostor.close();
  }
});

test('an unreachable or silent manager gives a clear error', async () => {
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const digest = caDigest(rootCA.certPem);
  await assert.rejects(
    fetchPinnedRootCA('127.0.0.1', closedPort, digest, 20_000),
    /could not fetch the root CA from 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
  );

  const sockets: Socket[] = [];
  const silent: TcpServer = createTcpServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const silentPort = (silent.address() as AddressInfo).port;
    await assert.rejects(fetchPinnedRootCA('127.0.0.1', silentPort, digest, 300), /timed out after 300 ms/);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
