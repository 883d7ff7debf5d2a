import { createHash, X509Certificate } from 'node:crypto';
import { ECDSA_SHA256, generateKeyPair, keyMatchesCertificate, randomSerialNumber } from './keys.js';
import { firstCertificateDer } from './pem.js';
import { CA_NAME } from './roles.js';
import { loadX509, nodeCrypto } from './x509-library.js';

/** A cluster root CA: its certificate and (on managers) its private key, both PEM. */
export interface RootCA {
  certPem: string;
  keyPem: string;
}

/** Validity of a new root CA: 20 years (SwarmKit's `RootCAExpiration`, 630720000 s). */
export const ROOT_CA_VALIDITY_MS = 630_720_000 * 1000;
/** Every certificate starts this long before it is issued, to survive clock drift (SwarmKit's `CertBackdate`). */
export const CERT_BACKDATE_MS = 60 * 60 * 1000;
/** Length of a root CA digest in base36, as in join tokens. */
export const DIGEST_BASE36_LENGTH = 50;

/** Creates a cluster root CA (`swarm init`): ECDSA P-256, CN `swarm-ca`, valid 20 years. */
export async function createRootCA(now: Date = new Date()): Promise<RootCA> {
  const x509 = await loadX509();
  const { keys, keyPem } = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: [{ CN: [CA_NAME] }],
      keys,
      notBefore: new Date(now.getTime() - CERT_BACKDATE_MS),
      notAfter: new Date(now.getTime() + ROOT_CA_VALIDITY_MS),
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, nodeCrypto),
      ],
    },
    nodeCrypto,
  );
  return { certPem: certificate.toString('pem'), keyPem };
}

/**
 * The root CA certificate of a PEM (the first certificate), checked to be a self-signed CA certificate.
 * Throws a clear error otherwise.
 */
export function parseRootCertificate(certPem: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(firstCertificateDer(certPem, 'root CA'));
  } catch {
    throw new Error('root CA is not a valid PEM-encoded certificate');
  }
  if (!certificate.ca) throw new Error('root CA certificate is not a CA certificate');
  if (!certificate.checkIssued(certificate) || !certificate.verify(certificate.publicKey)) {
    throw new Error('root CA certificate is not self-signed');
  }
  return certificate;
}

/** Checks that a root CA's key belongs to its certificate (before signing with it). */
export function assertRootCAKeyMatches(rootCA: RootCA): void {
  const certificate = parseRootCertificate(rootCA.certPem);
  const publicKey = certificate.publicKey.export({ type: 'spki', format: 'der' });
  if (!keyMatchesCertificate(rootCA.keyPem, publicKey)) {
    throw new Error('root CA key does not match the root CA certificate');
  }
}

/** SHA-256 of a DER certificate, as base36 zero-padded to 50 characters (a join token's digest). */
export function digestOfDer(der: Uint8Array): string {
  const hex = createHash('sha256').update(der).digest('hex');
  return BigInt(`0x${hex}`).toString(36).padStart(DIGEST_BASE36_LENGTH, '0');
}

/** The digest of a root CA certificate (its first PEM certificate, as DER) that join tokens carry. */
export function caDigest(certPem: string): string {
  return digestOfDer(firstCertificateDer(certPem, 'root CA'));
}

/** A base36 digest as the 64 hex characters Docker prints ("Expected: <hex>"). */
export function digestToHex(digest: string): string {
  let value = 0n;
  for (const char of digest.toLowerCase()) value = value * 36n + BigInt(Number.parseInt(char, 36));
  return value.toString(16).padStart(64, '0');
}
