import { createDataKey } from '../../common/aead.js';

/** Prefix of a human-readable unlock key (SwarmKit's `humanReadablePrefix`). */
export const UNLOCK_KEY_PREFIX = 'SWMKEY-1-';
/** Docker's error (400) for text that is not an unlock key. */
export const INVALID_KEY_STRING_MESSAGE = 'invalid key string';
/** Docker's error (401) for a well-formed unlock key that does not unlock this node. */
export const INVALID_UNLOCK_KEY_MESSAGE = 'swarm could not be unlocked: invalid key provided';
/** Docker's error (503) while a manager is locked. */
export const SWARM_LOCKED_MESSAGE =
  'Swarm is encrypted and needs to be unlocked before it can be used. Please use "docker swarm unlock" to unlock it.';
/** Docker's error (409) for `docker swarm unlock` on a node that is not locked. */
export const SWARM_NOT_LOCKED_MESSAGE = 'swarm is not locked';

/** Thrown by `parseUnlockKey` for text that is not `SWMKEY-1-<base64>`. */
export class UnlockKeyFormatError extends Error {
  override readonly name = 'UnlockKeyFormatError';
  constructor() {
    super(INVALID_KEY_STRING_MESSAGE);
  }
}

/** Thrown when an encrypted key is read without a key-encryption key: the node stays locked. */
export class LockedError extends Error {
  override readonly name = 'LockedError';
  constructor() {
    super(SWARM_LOCKED_MESSAGE);
  }
}

/** Thrown when the key-encryption key given does not decrypt the node's key. */
export class InvalidUnlockKeyError extends Error {
  override readonly name = 'InvalidUnlockKeyError';
  constructor() {
    super(INVALID_UNLOCK_KEY_MESSAGE);
  }
}

/** A key-encryption key as the user sees it: `SWMKEY-1-` and the key in unpadded standard base64. */
export function formatUnlockKey(kek: Uint8Array): string {
  return UNLOCK_KEY_PREFIX + Buffer.from(kek).toString('base64').replace(/=+$/, '');
}

/** A new random key-encryption key (`--autolock=true`, `docker swarm unlock-key --rotate`). */
export function createUnlockKey(): { kek: Buffer; unlockKey: string } {
  const kek = createDataKey();
  return { kek, unlockKey: formatUnlockKey(kek) };
}

const RAW_BASE64 = /^[A-Za-z0-9+/]+$/;

/** The key-encryption key in an unlock key; throws `UnlockKeyFormatError` ("invalid key string") for garbage. */
export function parseUnlockKey(text: string): Buffer {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!trimmed.startsWith(UNLOCK_KEY_PREFIX)) throw new UnlockKeyFormatError();
  const encoded = trimmed.slice(UNLOCK_KEY_PREFIX.length);
  if (!RAW_BASE64.test(encoded) || encoded.length % 4 === 1) throw new UnlockKeyFormatError();
  return Buffer.from(encoded, 'base64');
}
