import assert from 'node:assert/strict';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { decodePem } from './pem.js';
import {
  assertRootCAKeyMatches,
  CERT_BACKDATE_MS,
  caDigest,
  createRootCA,
  digestToHex,
  parseRootCertificate,
  ROOT_CA_VALIDITY_MS,
} from './root-ca.js';
import { createTestCluster } from './testing.js';

test('createRootCA makes a self-signed ECDSA P-256 CA named swarm-ca, valid 20 years', async () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const { certPem, keyPem } = await createRootCA(now);
  const certificate = new X509Certificate(certPem);
  assert.equal(certificate.subject, 'CN=swarm-ca');
  assert.equal(certificate.issuer, 'CN=swarm-ca');
  assert.equal(certificate.ca, true);
  assert.ok(certificate.verify(certificate.publicKey));
  assert.equal(certificate.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(new Date(certificate.validFrom).getTime(), now.getTime() - CERT_BACKDATE_MS);
  assert.equal(new Date(certificate.validTo).getTime(), now.getTime() + ROOT_CA_VALIDITY_MS);
  assert.equal(createPrivateKey(keyPem).asymmetricKeyType, 'ec');
  assert.equal(decodePem(keyPem)[0]?.type, 'PRIVATE KEY');
  assert.doesNotThrow(() => assertRootCAKeyMatches({ certPem, keyPem }));
  assert.equal(parseRootCertificate(certPem).fingerprint256, certificate.fingerprint256);
});

test('caDigest is the SHA-256 of the DER certificate in base36, 50 characters', async () => {
  const { certPem } = await createRootCA();
  const digest = caDigest(certPem);
  assert.match(digest, /^[0-9a-z]{50}$/);
  const hex = createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
  assert.equal(digestToHex(digest), hex);
  assert.equal(BigInt(`0x${hex}`).toString(36).padStart(50, '0'), digest);
  assert.notEqual(caDigest((await createRootCA()).certPem), digest);
});

test('a node certificate, garbage and a mismatched key are not accepted as a root CA', async () => {
  const { rootCA, manager } = await createTestCluster();
  assert.throws(() => parseRootCertificate(manager.certPem), /not a CA certificate/);
  assert.throws(() => parseRootCertificate('hello'), /not a valid PEM-encoded certificate/);
  const other = await createRootCA();
  assert.throws(
    () => assertRootCAKeyMatches({ certPem: rootCA.certPem, keyPem: other.keyPem }),
    /does not match/,
  );
});
