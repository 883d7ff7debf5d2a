import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Sealed layout: [version (1 byte)] [nonce (12 bytes)] [ciphertext] [GCM tag (16 bytes)].
// The version byte is authenticated too (it is prepended to the caller's additional data).
const FORMAT_VERSION = 1;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

/** Size in bytes of the overhead `seal` adds to a plaintext. */
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES;

/** Why `open` refused: `auth` (wrong key or tampered data) or `format` (not something `seal` produced). */
export type AeadErrorReason = 'auth' | 'format';

/** Thrown by `open` when sealed data cannot be opened. */
export class AeadError extends Error {
  override readonly name = 'AeadError';
  constructor(
    readonly reason: AeadErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** A fresh random 256-bit key for `seal`/`open`. */
export function createDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new RangeError(`AES-256-GCM key must be ${KEY_BYTES} bytes, got ${key?.length ?? typeof key}`);
  }
}

function additionalData(aad: Uint8Array | undefined): Buffer {
  const version = Buffer.of(FORMAT_VERSION);
  return aad && aad.length > 0 ? Buffer.concat([version, aad]) : version;
}

/** Encrypts and authenticates `plaintext` with AES-256-GCM under `key`; `aad` is authenticated, not stored. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_VERSION), nonce, body, cipher.getAuthTag()]);
}

/** Decrypts what `seal` produced; throws `AeadError` on a wrong key, a different `aad` or any tampering. */
export function open(key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Buffer {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD) {
    throw new AeadError(
      'format',
      `sealed data is too short (${sealed.length} bytes, at least ${SEAL_OVERHEAD})`,
    );
  }
  if (sealed[0] !== FORMAT_VERSION) {
    throw new AeadError(
      'format',
      `sealed data has unknown format version ${sealed[0]} (expected ${FORMAT_VERSION})`,
    );
  }
  const nonce = sealed.subarray(1, HEADER_BYTES);
  const body = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new AeadError('auth', 'sealed data cannot be opened: wrong key or the data was modified');
  }
}

/** What Raft's storage takes to encrypt entries and snapshots at rest. */
export interface Codec {
  encode(data: Uint8Array): Uint8Array;
  decode(data: Uint8Array): Uint8Array;
}

/**
 * A codec sealing with `key`. `decode` also tries `previousKeys` (newest first) so data written before a
 * key rotation stays readable; it throws the `AeadError` of `key` when none opens it.
 */
export function codec(key: Uint8Array, previousKeys: readonly Uint8Array[] = []): Codec {
  checkKey(key);
  previousKeys.forEach(checkKey);
  return {
    encode: (data) => seal(key, data),
    decode: (data) => {
      try {
        return open(key, data);
      } catch (error) {
        if (!(error instanceof AeadError) || error.reason !== 'auth') throw error;
        for (const previous of previousKeys) {
          try {
            return open(previous, data);
          } catch {
            // try the next older key
          }
        }
        throw error;
      }
    },
  };
}
