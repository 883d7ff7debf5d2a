import { X509Certificate } from 'node:crypto';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { digestOfDer, digestToHex } from './root-ca.js';

/** Thrown when the root CA a manager presents is not the one the join token names. */
export class CAPinningError extends Error {
  override readonly name = 'CAPinningError';
}

/**
 * Connects to a manager without trusting it, takes the root CA from the certificate chain it presents, and
 * returns it (PEM) only if its SHA-256 digest is `expectedDigest` (a join token's base36 digest) and it signed
 * the manager's certificate. Otherwise throws `CAPinningError` ("remote CA does not match fingerprint.
 * Expected: <hex>", as Docker) or a connection error.
 */
export function fetchPinnedRootCA(
  host: string,
  port: number,
  expectedDigest: string,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out after ${timeoutMs} ms fetching the root CA from ${host}:${port}`));
    }, timeoutMs);
    const finish = (error: Error | undefined, rootPem?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(rootPem!);
    };
    socket.once('secureConnect', () => {
      try {
        finish(undefined, pinnedRoot(presentedChain(socket.getPeerCertificate(true)), expectedDigest));
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.once('error', (error) =>
      finish(new Error(`could not fetch the root CA from ${host}:${port}: ${error.message}`)),
    );
  });
}

function presentedChain(leaf: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (
    let current: DetailedPeerCertificate | undefined = leaf;
    current?.raw;
    current = current.issuerCertificate
  ) {
    const key = current.raw.toString('base64');
    if (seen.has(key)) break;
    seen.add(key);
    chain.push(new X509Certificate(current.raw));
  }
  return chain;
}

function pinnedRoot(chain: X509Certificate[], expectedDigest: string): string {
  const leaf = chain[0];
  if (!leaf) throw new CAPinningError('remote node presented no certificate');
  const root = chain.find((certificate) => digestOfDer(certificate.raw) === expectedDigest);
  if (!root)
    throw new CAPinningError(
      `remote CA does not match fingerprint. Expected: ${digestToHex(expectedDigest)}`,
    );
  const selfSigned = root.ca && root.checkIssued(root) && root.verify(root.publicKey);
  if (!selfSigned || !leaf.checkIssued(root) || !leaf.verify(root.publicKey)) {
    throw new CAPinningError('remote node presented the expected root CA but a certificate it did not sign');
  }
  return root.toString();
}
