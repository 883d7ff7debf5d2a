import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AeadError, open as openSealed, seal } from '../../common/aead.js';
import { syncDirectory, writeFileAtomic } from '../../common/atomic-file.js';
import { keyMatchesCertificate } from './keys.js';
import { decodePem, encodePem, firstCertificateDer } from './pem.js';
import { InvalidUnlockKeyError, LockedError } from './unlock-key.js';

/** File names inside a node's certificates directory (SwarmKit's). */
export const ROOT_CA_CERT_FILE = 'swarm-root-ca.crt';
export const NODE_CERT_FILE = 'swarm-node.crt';
export const NODE_KEY_FILE = 'swarm-node.key';

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;
const ENCRYPTED_KEY_TYPE = 'SWARMLAB ENCRYPTED PRIVATE KEY';
const ENCRYPTED_KEY_AAD = Buffer.from('swarmlab node key v1');

/** A node's TLS credentials: its certificate (PEM chain) and private key (PEM). */
export interface NodeCredentials {
  certPem: string;
  keyPem: string;
}

/** Credentials as stored, with whether the key was encrypted and the extras kept beside it. */
export interface StoredNodeCredentials extends NodeCredentials {
  encrypted: boolean;
  /** Small named values kept with the key and encrypted with it (e.g. the sealed Raft data key). */
  extras: Record<string, string>;
}

/** How to store a node key: encrypted with `kek` when given, and the extras to keep with it. */
export interface SaveKeyOptions {
  kek?: Uint8Array;
  extras?: Record<string, string>;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A node's certificates directory: root CA certificate, node certificate and node key (mode 0600, optionally
 * encrypted with a key-encryption key for autolock). Every write is atomic, and the certificate and key are
 * written so that a matching pair is on disk at every moment (certificate to a side file first, as SwarmKit).
 */
export class KeyStore {
  constructor(readonly dir: string) {}

  get rootCAPath(): string {
    return join(this.dir, ROOT_CA_CERT_FILE);
  }
  get certPath(): string {
    return join(this.dir, NODE_CERT_FILE);
  }
  get keyPath(): string {
    return join(this.dir, NODE_KEY_FILE);
  }
  get #pendingCertPath(): string {
    return join(this.dir, `.${NODE_CERT_FILE}`);
  }

  /** Stores the cluster's root CA certificate. */
  async saveRootCA(certPem: string): Promise<void> {
    firstCertificateDer(certPem, 'root CA');
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    await writeFileAtomic(this.rootCAPath, certPem, CERT_MODE);
  }

  /** The stored root CA certificate, or undefined when there is none. */
  async loadRootCA(): Promise<string | undefined> {
    return readIfExists(this.rootCAPath);
  }

  /** Stores a node certificate and its key (encrypted with `options.kek` when given). */
  async saveNodeCredentials(credentials: NodeCredentials, options: SaveKeyOptions = {}): Promise<void> {
    const certificate = new X509Certificate(firstCertificateDer(credentials.certPem, 'node certificate'));
    if (
      !keyMatchesCertificate(
        credentials.keyPem,
        certificate.publicKey.export({ type: 'spki', format: 'der' }),
      )
    ) {
      throw new Error('node key does not match the node certificate');
    }
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    await writeFileAtomic(this.#pendingCertPath, credentials.certPem, CERT_MODE);
    await writeFileAtomic(this.keyPath, encodeKeyFile(credentials.keyPem, options), KEY_MODE);
    await rename(this.#pendingCertPath, this.certPath);
    await syncDirectory(this.dir);
  }

  /** Whether the stored node key is encrypted (the node starts locked); false when there is no key. */
  async isKeyEncrypted(): Promise<boolean> {
    const text = await readIfExists(this.keyPath);
    return text !== undefined && decodePem(text)[0]?.type === ENCRYPTED_KEY_TYPE;
  }

  /**
   * The stored credentials, or undefined when this node has none. An encrypted key needs its `kek`:
   * without one this throws `LockedError`, with a wrong one `InvalidUnlockKeyError`.
   */
  async loadNodeCredentials(kek?: Uint8Array): Promise<StoredNodeCredentials | undefined> {
    const keyText = await readIfExists(this.keyPath);
    if (keyText === undefined) return undefined;
    const { keyPem, extras, encrypted } = decodeKeyFile(keyText, kek, this.keyPath);
    const certPem = await this.#certificateFor(keyPem);
    if (certPem === undefined) throw new Error(`no certificate matching ${this.keyPath} in ${this.dir}`);
    return { certPem, keyPem, extras, encrypted };
  }

  // The certificate on file, or the side file a crash during saveNodeCredentials left (then moved in place).
  async #certificateFor(keyPem: string): Promise<string | undefined> {
    for (const path of [this.certPath, this.#pendingCertPath]) {
      const certPem = await readIfExists(path);
      if (certPem === undefined) continue;
      try {
        const certificate = new X509Certificate(firstCertificateDer(certPem));
        if (!keyMatchesCertificate(keyPem, certificate.publicKey.export({ type: 'spki', format: 'der' })))
          continue;
      } catch {
        continue;
      }
      if (path !== this.certPath) {
        await rename(path, this.certPath);
        await syncDirectory(this.dir);
      }
      return certPem;
    }
    return undefined;
  }

  /**
   * Rewrites the key under a new key-encryption key (`undefined`: unencrypted), e.g. autolock on or off or
   * an unlock key rotation; `extras` replaces the stored extras when given. Needs the current KEK if encrypted.
   */
  async reencryptKey(
    currentKek: Uint8Array | undefined,
    newKek: Uint8Array | undefined,
    extras?: Record<string, string>,
  ): Promise<void> {
    const keyText = await readIfExists(this.keyPath);
    if (keyText === undefined) throw new Error(`no node key in ${this.dir}`);
    const current = decodeKeyFile(keyText, currentKek, this.keyPath);
    await writeFileAtomic(
      this.keyPath,
      encodeKeyFile(current.keyPem, { kek: newKek, extras: extras ?? current.extras }),
      KEY_MODE,
    );
  }

  /** Deletes the node's credentials and root CA (`docker swarm leave`). */
  async remove(): Promise<void> {
    for (const path of [this.keyPath, this.certPath, this.#pendingCertPath, this.rootCAPath]) {
      await rm(path, { force: true });
    }
  }
}

function privateKeyDer(keyPem: string): Buffer {
  const block = decodePem(keyPem).find((candidate) => candidate.type.endsWith('PRIVATE KEY'));
  if (!block || block.type === ENCRYPTED_KEY_TYPE) throw new Error('node key is not a PEM private key');
  return block.der;
}

function keyPemType(keyPem: string): string {
  return decodePem(keyPem).find((candidate) => candidate.type.endsWith('PRIVATE KEY'))!.type;
}

function encodeKeyFile(keyPem: string, { kek, extras = {} }: SaveKeyOptions): string {
  const der = privateKeyDer(keyPem);
  if (!kek) return encodePem(keyPemType(keyPem), der, extras);
  const payload = JSON.stringify({ type: keyPemType(keyPem), key: der.toString('base64'), extras });
  return encodePem(ENCRYPTED_KEY_TYPE, seal(kek, Buffer.from(payload), ENCRYPTED_KEY_AAD));
}

function decodeKeyFile(
  text: string,
  kek: Uint8Array | undefined,
  path: string,
): { keyPem: string; extras: Record<string, string>; encrypted: boolean } {
  const [block] = decodePem(text);
  if (!block) throw new Error(`${path} does not hold a PEM private key`);
  if (block.type !== ENCRYPTED_KEY_TYPE) {
    return { keyPem: encodePem(block.type, block.der), extras: block.headers, encrypted: false };
  }
  if (!kek) throw new LockedError();
  if (kek.length !== 32) throw new InvalidUnlockKeyError();
  let payload: { type: string; key: string; extras: Record<string, string> };
  try {
    payload = JSON.parse(openSealed(kek, block.der, ENCRYPTED_KEY_AAD).toString('utf8'));
  } catch (error) {
    if (error instanceof AeadError && error.reason === 'auth') throw new InvalidUnlockKeyError();
    throw new Error(`${path} is corrupt: ${(error as Error).message}`);
  }
  return {
    keyPem: encodePem(payload.type, Buffer.from(payload.key, 'base64')),
    extras: payload.extras ?? {},
    encrypted: true,
  };
}
