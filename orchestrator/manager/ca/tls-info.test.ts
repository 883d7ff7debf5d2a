import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { certificateNames } from './der.js';
import { createTestCluster } from './testing.js';
import { tlsInfo } from './tls-info.js';
import { loadX509 } from './x509-library.js';

test('TLSInfo carries the root PEM, its DER subject and its DER public key, in base64', async () => {
  const { rootCA, worker } = await createTestCluster();
  const info = tlsInfo(rootCA.certPem);
  assert.equal(info.TrustRoot, new X509Certificate(rootCA.certPem).toString());
  const subject = Buffer.from(info.CertIssuerSubject, 'base64');
  // The same bytes as the issuer field of every node certificate, and as another DER parser reads them.
  assert.ok(subject.equals(certificateNames(new X509Certificate(worker.certPem).raw).issuer));
  const x509 = await loadX509();
  const parsed = new x509.X509Certificate(rootCA.certPem);
  assert.ok(subject.equals(Buffer.from(parsed.subjectName.toArrayBuffer())));
  assert.equal(parsed.subject, 'CN=swarm-ca');
  const publicKey = createPublicKey({
    key: Buffer.from(info.CertIssuerPublicKey, 'base64'),
    format: 'der',
    type: 'spki',
  });
  assert.ok(publicKey.equals(new X509Certificate(rootCA.certPem).publicKey));
  assert.throws(() => tlsInfo(worker.certPem), /not a CA certificate/);
});
