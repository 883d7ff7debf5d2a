import { randomBytes } from 'node:crypto';

/** A new object id as SwarmKit makes them: 128 random bits in base36, 25 lowercase characters. */
export function newObjectId(): string {
  const value = BigInt(`0x${randomBytes(16).toString('hex')}`);
  return value.toString(36).padStart(25, '0');
}

/** A new container id: 64 lowercase hex characters, as Docker's. */
export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** True if `text` looks like an object id (25 lowercase base36 characters). */
export function isObjectId(text: string): boolean {
  return /^[0-9a-z]{25}$/.test(text);
}
