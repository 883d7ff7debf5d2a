import { X509Certificate } from 'node:crypto';
import { ECDSA_SHA256, generateKeyPair, importSigningKey, randomSerialNumber } from './keys.js';
import { firstCertificateDer } from './pem.js';
import { CA_NAME, type NodeRole, ouToRole, roleToOU } from './roles.js';
import { assertRootCAKeyMatches, CERT_BACKDATE_MS, parseRootCertificate, type RootCA } from './root-ca.js';
import { loadX509, nodeCrypto } from './x509-library.js';

/** Default node certificate validity: 90 days (`--cert-expiry 2160h`). */
export const DEFAULT_NODE_CERT_EXPIRY_MS = 2160 * 60 * 60 * 1000;
/** The shortest node certificate validity a cluster accepts (SwarmKit's `MinNodeCertExpiration`). */
export const MIN_NODE_CERT_EXPIRY_MS = 60 * 60 * 1000;
/** Docker's error for a shorter `--cert-expiry` (controlapi). */
export const CERT_EXPIRY_TOO_SHORT_MESSAGE = 'minimum certificate expiry time is: 1h0m0s';

/** Who a node certificate says its holder is, and when it is valid. */
export interface NodeCertificateInfo {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
  notBefore: Date;
  notAfter: Date;
}

/** Parameters of `signNodeCertificate`. */
export interface SignNodeCertificateParams {
  rootCA: RootCA;
  csrPem: string;
  nodeId: string;
  role: NodeRole;
  clusterId: string;
  /** Validity from `now`; at least `MIN_NODE_CERT_EXPIRY_MS`. */
  expiryMs: number;
  now?: Date;
}

/** Thrown when a CSR cannot be signed because of what the requester sent. */
export class InvalidCsrError extends Error {
  override readonly name = 'InvalidCsrError';
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A node's new key and the CSR it sends to a manager (`swarm join`, renewal). The CSR carries only the key. */
export async function createNodeKeyAndCsr(): Promise<{ keyPem: string; csrPem: string }> {
  const x509 = await loadX509();
  const { keys, keyPem } = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { keys, signingAlgorithm: ECDSA_SHA256 },
    nodeCrypto,
  );
  return { keyPem, csrPem: csr.toString('pem') };
}

/**
 * Signs a node's CSR with the root CA (a manager answering `swarm join` or a renewal). As SwarmKit, only the
 * CSR's public key is used; the identity (CN node id, OU role, O cluster id) and the DNS names (role, node id,
 * and `swarm-ca` for managers) come from the caller. Returns the PEM chain: node certificate, then root CA.
 */
export async function signNodeCertificate(params: SignNodeCertificateParams): Promise<string> {
  const { rootCA, csrPem, nodeId, role, clusterId, expiryMs } = params;
  const now = params.now ?? new Date();
  if (!IDENTIFIER.test(nodeId)) throw new Error(`invalid node id ${JSON.stringify(nodeId)}`);
  if (!IDENTIFIER.test(clusterId)) throw new Error(`invalid cluster id ${JSON.stringify(clusterId)}`);
  if (role !== 'manager' && role !== 'worker') throw new Error(`invalid node role ${JSON.stringify(role)}`);
  if (!Number.isFinite(expiryMs) || expiryMs < MIN_NODE_CERT_EXPIRY_MS) {
    throw new RangeError(CERT_EXPIRY_TOO_SHORT_MESSAGE);
  }
  const root = parseRootCertificate(rootCA.certPem);
  assertRootCAKeyMatches(rootCA);
  const x509 = await loadX509();
  const csr = await parseCsr(x509, csrPem);
  const issuer = new x509.X509Certificate(root.raw);
  const ou = roleToOU(role);
  const dnsNames = role === 'manager' ? [ou, nodeId, CA_NAME] : [ou, nodeId];
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: [{ O: [clusterId] }, { OU: [ou] }, { CN: [nodeId] }],
      issuer: issuer.subjectName,
      publicKey: csr.publicKey,
      signingKey: await importSigningKey(rootCA.keyPem, 'root CA key'),
      notBefore: new Date(now.getTime() - CERT_BACKDATE_MS),
      notAfter: new Date(now.getTime() + expiryMs),
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension(
          [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false, nodeCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey, false, nodeCrypto),
        new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      ],
    },
    nodeCrypto,
  );
  return `${certificate.toString('pem').trim()}\n${new X509Certificate(root.raw).toString().trim()}\n`;
}

type X509Library = Awaited<ReturnType<typeof loadX509>>;

async function parseCsr(x509: X509Library, csrPem: string) {
  let csr: InstanceType<X509Library['Pkcs10CertificateRequest']>;
  try {
    if (typeof csrPem !== 'string' || !csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----'))
      throw new Error();
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new InvalidCsrError('invalid certificate signing request: not a PEM-encoded PKCS#10 CSR');
  }
  const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw new InvalidCsrError(
      `invalid certificate signing request: the key must be ECDSA P-256, not ${algorithm.name} ${algorithm.namedCurve ?? ''}`.trim(),
    );
  }
  let valid = false;
  try {
    valid = await csr.verify(nodeCrypto);
  } catch {
    valid = false;
  }
  if (!valid) throw new InvalidCsrError('invalid certificate signing request: its signature does not verify');
  return csr;
}

/** Reads who a node certificate (the first certificate of a PEM chain) identifies. Throws if it is not one. */
export function readNodeCertificate(certPem: string | X509Certificate): NodeCertificateInfo {
  const certificate =
    typeof certPem === 'string' ? new X509Certificate(firstCertificateDer(certPem)) : certPem;
  const fields = subjectFields(certificate.subject);
  const role = ouToRole(fields.OU);
  if (!fields.CN || !fields.O || !role) {
    throw new Error(
      `certificate is not a swarm node certificate (subject ${certificate.subject.replace(/\n/g, ', ')})`,
    );
  }
  return {
    nodeId: fields.CN,
    role,
    clusterId: fields.O,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

// Node prints a subject as `KEY=value` lines; a key given twice makes the subject ambiguous: refuse it.
function subjectFields(subject: string): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {};
  const seen = new Set<string>();
  for (const line of subject.split('\n')) {
    const equals = line.indexOf('=');
    if (equals < 0) continue;
    const key = line.slice(0, equals);
    fields[key] = seen.has(key) ? undefined : line.slice(equals + 1);
    seen.add(key);
  }
  return fields;
}
