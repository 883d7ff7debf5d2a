import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { before, test } from 'node:test';
import {
  CERT_EXPIRY_TOO_SHORT_MESSAGE,
  createNodeKeyAndCsr,
  InvalidCsrError,
  readNodeCertificate,
  signNodeCertificate,
} from './node-certificate.js';
import { certificatesDer, decodePem, encodePem } from './pem.js';
import { CERT_BACKDATE_MS, createRootCA, type RootCA } from './root-ca.js';
import { loadX509, nodeCrypto } from './x509-library.js';

let rootCA: RootCA;
before(async () => {
  rootCA = await createRootCA();
});

const clusterId = 'kx9w2b7a1c0d3e4f5g6h7i8j9';
const hours = (n: number) => n * 60 * 60 * 1000;

test('a signed manager certificate names node id, role and cluster and chains to the root', async () => {
  const { keyPem, csrPem } = await createNodeKeyAndCsr();
  assert.equal(decodePem(keyPem)[0]?.type, 'PRIVATE KEY');
  assert.equal(decodePem(csrPem)[0]?.type, 'CERTIFICATE REQUEST');
  const now = new Date('2030-06-01T12:00:00Z');
  const certPem = await signNodeCertificate({
    rootCA,
    csrPem,
    nodeId: 'node1manager',
    role: 'manager',
    clusterId,
    expiryMs: hours(2160),
    now,
  });
  const [leafDer, rootDer] = certificatesDer(certPem);
  assert.ok(rootDer?.equals(new X509Certificate(rootCA.certPem).raw), 'chain ends with the root CA');
  const leaf = new X509Certificate(leafDer!);
  const root = new X509Certificate(rootCA.certPem);
  assert.ok(leaf.checkIssued(root) && leaf.verify(root.publicKey));
  assert.ok(leaf.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(keyPem))));
  assert.equal(leaf.subject, `O=${clusterId}\nOU=swarm-manager\nCN=node1manager`);
  assert.equal(leaf.subjectAltName, 'DNS:swarm-manager, DNS:node1manager, DNS:swarm-ca');
  assert.equal(leaf.ca, false);
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.deepEqual(readNodeCertificate(certPem), {
    nodeId: 'node1manager',
    role: 'manager',
    clusterId,
    notBefore: new Date(now.getTime() - CERT_BACKDATE_MS),
    notAfter: new Date(now.getTime() + hours(2160)),
  });
});

test('a worker certificate has no swarm-ca name and honours a short expiry', async () => {
  const { csrPem } = await createNodeKeyAndCsr();
  const now = new Date();
  now.setMilliseconds(0);
  const certPem = await signNodeCertificate({
    rootCA,
    csrPem,
    nodeId: 'node2worker',
    role: 'worker',
    clusterId,
    expiryMs: hours(48),
    now,
  });
  const leaf = new X509Certificate(certPem);
  assert.equal(leaf.subjectAltName, 'DNS:swarm-worker, DNS:node2worker');
  const info = readNodeCertificate(certPem);
  assert.equal(info.role, 'worker');
  assert.equal(info.notAfter.getTime() - now.getTime(), hours(48));
});

test('an expiry under one hour is refused with Docker text', async () => {
  const { csrPem } = await createNodeKeyAndCsr();
  const params = { rootCA, csrPem, nodeId: 'n1', role: 'worker' as const, clusterId };
  await assert.rejects(signNodeCertificate({ ...params, expiryMs: hours(1) - 1 }), {
    message: CERT_EXPIRY_TOO_SHORT_MESSAGE,
  });
  await assert.doesNotReject(signNodeCertificate({ ...params, expiryMs: hours(1) }));
});

test('garbage, tampered and non-P-256 CSRs are refused with a clear error', async () => {
  const sign = (csrPem: string) =>
    signNodeCertificate({ rootCA, csrPem, nodeId: 'n1', role: 'worker', clusterId, expiryMs: hours(24) });
  await assert.rejects(sign('not a csr'), InvalidCsrError);
  await assert.rejects(
    sign('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'),
    {
      name: 'InvalidCsrError',
      message: /not a PEM-encoded PKCS#10 CSR/,
    },
  );

  const { csrPem } = await createNodeKeyAndCsr();
  const [block] = decodePem(csrPem);
  const tampered = Buffer.from(block!.der);
  tampered[tampered.length - 5]! ^= 0xff; // inside the signature
  await assert.rejects(sign(encodePem('CERTIFICATE REQUEST', tampered)), {
    name: 'InvalidCsrError',
    message: /signature does not verify/,
  });
  const swappedKey = Buffer.from(block!.der);
  swappedKey[60]! ^= 0x01; // inside the public key: the signature no longer matches
  await assert.rejects(sign(encodePem('CERTIFICATE REQUEST', swappedKey)), InvalidCsrError);

  const x509 = await loadX509();
  const p384 = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr384 = await x509.Pkcs10CertificateRequestGenerator.create(
    { keys: p384, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' } },
    nodeCrypto,
  );
  await assert.rejects(sign(csr384.toString('pem')), { name: 'InvalidCsrError', message: /ECDSA P-256/ });
});

test('bad identities and a foreign root key are refused', async () => {
  const { csrPem } = await createNodeKeyAndCsr();
  const params = { rootCA, csrPem, nodeId: 'n1', role: 'worker' as const, clusterId, expiryMs: hours(24) };
  await assert.rejects(signNodeCertificate({ ...params, nodeId: 'a,OU=swarm-manager' }), /invalid node id/);
  await assert.rejects(signNodeCertificate({ ...params, clusterId: '' }), /invalid cluster id/);
  await assert.rejects(signNodeCertificate({ ...params, role: 'admin' as never }), /invalid node role/);
  const other = await createRootCA();
  await assert.rejects(
    signNodeCertificate({ ...params, rootCA: { certPem: rootCA.certPem, keyPem: other.keyPem } }),
    /root CA key does not match/,
  );
});

test('readNodeCertificate refuses a certificate that is not a node certificate', () => {
  assert.throws(() => readNodeCertificate(rootCA.certPem), /not a swarm node certificate/);
  assert.throws(() => readNodeCertificate('garbage'), /not a PEM-encoded certificate/);
});
