import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import { encodePem } from './pem.js';

/** ECDSA P-256, as every key of a swarm (root CA and nodes). */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** ECDSA with SHA-256, the signature of every certificate and CSR. */
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A new P-256 key pair; the private key is also returned as a PKCS#8 PEM. */
export async function generateKeyPair(): Promise<{ keys: CryptoKeyPair; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, keyPem: encodePem('PRIVATE KEY', pkcs8) };
}

/** Imports a PEM private key (PKCS#8 or SEC1 `EC PRIVATE KEY`) as a WebCrypto P-256 signing key. */
export async function importSigningKey(keyPem: string, what = 'private key'): Promise<CryptoKey> {
  let pkcs8: Buffer;
  try {
    const key = createPrivateKey(keyPem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`${what} is not an ECDSA P-256 key`);
    }
    pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  } catch (error) {
    if (error instanceof Error && error.message.includes('P-256')) throw error;
    throw new Error(`${what} is not a valid PEM private key`);
  }
  return webcrypto.subtle.importKey('pkcs8', pkcs8, EC_P256, false, ['sign']);
}

/** Whether a PEM private key and a PEM certificate (or public key) hold the same key pair. */
export function keyMatchesCertificate(keyPem: string, publicKeyDer: Buffer): boolean {
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    return fromKey.equals(publicKeyDer);
  } catch {
    return false;
  }
}

/** A random positive 128-bit certificate serial number in hex. */
export function randomSerialNumber(): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial.toString('hex');
}
