import { certificateNames } from './der.js';
import { parseRootCertificate } from './root-ca.js';

/** The Engine API's `TLSInfo` (in `Swarm.Cluster` and in each node's description). */
export interface TLSInfo {
  /** The root CA certificate, PEM. */
  TrustRoot: string;
  /** Base64 of the DER subject of the certificates' issuer (the root CA). */
  CertIssuerSubject: string;
  /** Base64 of the issuer's DER SubjectPublicKeyInfo. */
  CertIssuerPublicKey: string;
}

/** `TLSInfo` for a cluster whose node certificates are issued by this root CA. */
export function tlsInfo(rootCertPem: string): TLSInfo {
  const root = parseRootCertificate(rootCertPem);
  return {
    TrustRoot: root.toString(),
    CertIssuerSubject: certificateNames(root.raw).subject.toString('base64'),
    CertIssuerPublicKey: root.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}
