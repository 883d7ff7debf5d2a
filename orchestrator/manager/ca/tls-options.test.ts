import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  type ConnectionOptions,
  connect,
  createServer,
  type Server,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import { createRootCA, type RootCA } from './root-ca.js';
import { createTestCluster, issueTestNode, type TestNode } from './testing.js';
import { clientTlsOptions, type PeerIdentity, peerIdentity, serverTlsOptions } from './tls-options.js';

const hour = 60 * 60 * 1000;
let rootCA: RootCA;
let manager: TestNode;
let worker: TestNode;
let foreignRoot: RootCA;
let foreignWorker: TestNode;
let expiredWorker: TestNode;
const servers: Server[] = [];

before(async () => {
  ({ rootCA, manager, worker } = await createTestCluster());
  foreignRoot = await createRootCA();
  foreignWorker = await issueTestNode(foreignRoot, 'foreign00000000000000001', 'worker');
  expiredWorker = await issueTestNode(rootCA, 'expired00000000000000001', 'worker', {
    now: new Date(Date.now() - 10 * 24 * hour),
    expiryMs: hour,
  });
});
after(() => {
  for (const server of servers) server.close();
});

/** A TLS server on 127.0.0.1:0 that answers each connection with the identity it sees, as JSON. */
async function identityServer(
  options: TlsOptions,
  rootCertPem = rootCA.certPem,
): Promise<{ port: number; server: Server }> {
  const server = createServer(options, (socket) => {
    socket.end(JSON.stringify(peerIdentity(socket, rootCertPem) ?? null));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/** Dials, and returns what the server saw of us and what we see of the server. */
function dial(
  port: number,
  options: ConnectionOptions,
): Promise<{ seenByServer: PeerIdentity | null; server: PeerIdentity | undefined }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ...options });
    let data = '';
    let server: PeerIdentity | undefined;
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      server = peerIdentity(socket, rootCA.certPem);
    });
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('end', () => {
      socket.end();
      resolve({ seenByServer: JSON.parse(data), server });
    });
    socket.on('error', reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error('test connection timed out')));
  });
}

test('mutual TLS: each side sees the other node id, role and cluster', async () => {
  const { port } = await identityServer(serverTlsOptions(manager));
  const { seenByServer, server } = await dial(port, clientTlsOptions(worker, { role: 'manager' }));
  assert.deepEqual(seenByServer, {
    nodeId: worker.nodeId,
    role: 'worker',
    clusterId: 'cluster0000000000000000001',
  });
  assert.deepEqual(server, {
    nodeId: manager.nodeId,
    role: 'manager',
    clusterId: 'cluster0000000000000000001',
  });
  const managerAsClient = await dial(port, clientTlsOptions(manager, { nodeId: manager.nodeId }));
  assert.equal(managerAsClient.seenByServer?.role, 'manager');
});

test('a client without a certificate reaches the server but has no identity (the join path)', async () => {
  const { port } = await identityServer(serverTlsOptions(manager));
  const { seenByServer, server } = await dial(port, {
    ca: [rootCA.certPem],
    checkServerIdentity: () => undefined,
  });
  assert.equal(seenByServer, null);
  assert.equal(server?.nodeId, manager.nodeId);
});

test('a certificate from a different root CA gives no identity', async () => {
  const { port } = await identityServer(serverTlsOptions(manager));
  const foreign = { ...foreignWorker, rootCertPem: rootCA.certPem };
  assert.equal((await dial(port, clientTlsOptions(foreign))).seenByServer, null);

  // Even if the server's trust list were wider, peerIdentity checks the cluster's root itself.
  const wide = await identityServer({
    ...serverTlsOptions(manager),
    ca: [rootCA.certPem, foreignRoot.certPem],
  });
  assert.equal((await dial(wide.port, clientTlsOptions(foreign))).seenByServer, null);
  assert.equal((await dial(wide.port, clientTlsOptions(worker))).seenByServer?.nodeId, worker.nodeId);
});

test('an expired certificate gives no identity', async () => {
  const { port } = await identityServer(serverTlsOptions(manager));
  assert.equal((await dial(port, clientTlsOptions(expiredWorker))).seenByServer, null);
});

test('a client refuses a server of another CA, an expired server, and the wrong role or node', async () => {
  const foreignServer = await identityServer(
    serverTlsOptions({ ...foreignWorker, rootCertPem: foreignRoot.certPem }),
    foreignRoot.certPem,
  );
  await assert.rejects(dial(foreignServer.port, clientTlsOptions(worker)), (error: NodeJS.ErrnoException) => {
    return /UNABLE_TO_VERIFY|SELF_SIGNED/.test(error.code ?? '');
  });
  const expiredServer = await identityServer(serverTlsOptions(expiredWorker));
  await assert.rejects(dial(expiredServer.port, clientTlsOptions(worker)), { code: 'CERT_HAS_EXPIRED' });

  const workerServer = await identityServer(serverTlsOptions(worker));
  await assert.rejects(dial(workerServer.port, clientTlsOptions(manager, { role: 'manager' })), {
    message: `remote node ${worker.nodeId} is a swarm-worker, expected a swarm-manager`,
  });
  await assert.rejects(dial(workerServer.port, clientTlsOptions(manager, { nodeId: 'someoneelse' })), {
    message: `remote node is ${worker.nodeId}, expected someoneelse`,
  });
  await assert.rejects(
    dial(workerServer.port, clientTlsOptions(manager, { clusterId: 'othercluster' })),
    /cluster/,
  );
  assert.equal(
    (await dial(workerServer.port, clientTlsOptions(manager, { role: 'worker' }))).server?.role,
    'worker',
  );
});

test('a renewed certificate is served after setSecureContext', async () => {
  const { port, server } = await identityServer(serverTlsOptions(manager));
  const renewed = await issueTestNode(rootCA, manager.nodeId, 'worker');
  server.setSecureContext(serverTlsOptions(renewed));
  const { server: seen } = await dial(port, clientTlsOptions(worker));
  assert.deepEqual(seen, { nodeId: manager.nodeId, role: 'worker', clusterId: 'cluster0000000000000000001' });
});
