import { X509Certificate } from 'node:crypto';
import type { ConnectionOptions, PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';
import { readNodeCertificate } from './node-certificate.js';
import { certificatesDer, firstCertificateDer } from './pem.js';
import { type NodeRole, roleToOU } from './roles.js';
import { parseRootCertificate } from './root-ca.js';

/** What a node needs for mutual TLS: its certificate (PEM, optionally with the chain), key, and the root CA. */
export interface NodeTlsCredentials {
  certPem: string;
  keyPem: string;
  rootCertPem: string;
}

/** The identity a certificate of this cluster's CA proves. */
export interface PeerIdentity {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
}

/** What a client requires of the node it dials, beyond a certificate of the cluster's CA. */
export interface ExpectedPeer {
  role?: NodeRole;
  nodeId?: string;
  clusterId?: string;
}

const MIN_VERSION = 'TLSv1.2' as const;

/** The certificate chain a node presents: its certificate followed by the root CA (added if missing). */
export function certificateChain(certPem: string, rootCertPem: string): string {
  const own = certificatesDer(certPem);
  if (own.length === 0) throw new Error('node certificate is not a PEM-encoded certificate');
  const root = firstCertificateDer(rootCertPem, 'root CA');
  const chain = own.some((der) => der.equals(root)) ? own : [...own, root];
  return chain.map((der) => new X509Certificate(der).toString()).join('');
}

/**
 * Options for the node's TLS server (port 2377): it asks every client for a certificate but lets clients
 * without one (or with one of another CA) finish the handshake, so a joining node can reach the join
 * endpoint; whoever serves a request decides with `peerIdentity(socket)`. Also fit for `setSecureContext`.
 */
export function serverTlsOptions(credentials: NodeTlsCredentials): TlsOptions {
  return {
    cert: certificateChain(credentials.certPem, credentials.rootCertPem),
    key: credentials.keyPem,
    ca: [credentials.rootCertPem],
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: MIN_VERSION,
  };
}

/**
 * Options for a node dialling another node: it presents its own certificate and accepts only a server
 * certificate signed by the cluster's root CA (at any address: nodes are dialled by IP), optionally only a
 * given role, node or cluster.
 */
export function clientTlsOptions(
  credentials: NodeTlsCredentials,
  expected: ExpectedPeer = {},
): ConnectionOptions {
  return {
    cert: certificateChain(credentials.certPem, credentials.rootCertPem),
    key: credentials.keyPem,
    ca: [credentials.rootCertPem],
    rejectUnauthorized: true,
    checkServerIdentity: nodeServerIdentityCheck(expected),
    minVersion: MIN_VERSION,
  };
}

/**
 * A `checkServerIdentity` that ignores the host name (the chain has already been verified against the root CA
 * by then) and checks the certificate is a swarm node certificate matching `expected`.
 */
export function nodeServerIdentityCheck(
  expected: ExpectedPeer = {},
): (host: string, certificate: PeerCertificate) => Error | undefined {
  return (_host, certificate) => {
    let identity: PeerIdentity;
    try {
      identity = readNodeCertificate(new X509Certificate(certificate.raw));
    } catch (error) {
      return new Error(
        `remote node's certificate is not a swarm node certificate: ${(error as Error).message}`,
      );
    }
    if (expected.role && identity.role !== expected.role) {
      return new Error(
        `remote node ${identity.nodeId} is a ${roleToOU(identity.role)}, expected a ${roleToOU(expected.role)}`,
      );
    }
    if (expected.nodeId && identity.nodeId !== expected.nodeId) {
      return new Error(`remote node is ${identity.nodeId}, expected ${expected.nodeId}`);
    }
    if (expected.clusterId && identity.clusterId !== expected.clusterId) {
      return new Error(
        `remote node belongs to cluster ${identity.clusterId}, expected ${expected.clusterId}`,
      );
    }
    return undefined;
  };
}

/**
 * Who is at the other end of a TLS socket: the identity in its certificate when that certificate was verified
 * by the handshake against the cluster's root and, if `rootCertPem` is given, is checked again here to be
 * signed by that root and valid now. Undefined for no certificate, a certificate of another CA, an expired one.
 */
export function peerIdentity(
  socket: TLSSocket,
  rootCertPem?: string,
  now: Date = new Date(),
): PeerIdentity | undefined {
  if (!socket.authorized) return undefined;
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return undefined;
  try {
    if (rootCertPem !== undefined) {
      const root = parseRootCertificate(rootCertPem);
      if (!certificate.checkIssued(root) || !certificate.verify(root.publicKey)) return undefined;
    }
    const { nodeId, role, clusterId, notBefore, notAfter } = readNodeCertificate(certificate);
    if (now < notBefore || now > notAfter) return undefined;
    return { nodeId, role, clusterId };
  } catch {
    return undefined;
  }
}
