import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeRole } from './roles.js';
import { caDigest, DIGEST_BASE36_LENGTH } from './root-ca.js';

/** Docker's error for a token that is not `SWMTKN-1-<digest>-<secret>`. */
export const INVALID_JOIN_TOKEN_MESSAGE = 'invalid join token';
/** Docker's error when a well-formed token is neither the worker nor the manager token. */
export const JOIN_TOKEN_REJECTED_MESSAGE = 'A valid join token is necessary to join this cluster';

/** Length of a token's secret in base36 (128 random bits). */
export const SECRET_BASE36_LENGTH = 25;
const SECRET_BYTES = 16;
const PREFIX = 'SWMTKN';
const VERSION = '1';

/** Thrown by `parseJoinToken`; its message is Docker's `invalid join token`. */
export class InvalidJoinTokenError extends Error {
  override readonly name = 'InvalidJoinTokenError';
  constructor() {
    super(INVALID_JOIN_TOKEN_MESSAGE);
  }
}

/** The parts of a join token: the root CA digest a joining node pins, and the secret that decides its role. */
export interface ParsedJoinToken {
  /** SHA-256 of the root CA certificate (DER), base36, 50 characters. */
  digest: string;
  /** 16 random bytes, base36, 25 characters. */
  secret: string;
}

/** The worker and the manager token of a cluster. */
export interface JoinTokens {
  worker: string;
  manager: string;
}

/** A new join token for the cluster of this root CA; calling it again is how a token is rotated. */
export function createJoinToken(caCertPem: string): string {
  const secret = BigInt(`0x${randomBytes(SECRET_BYTES).toString('hex')}`)
    .toString(36)
    .padStart(SECRET_BASE36_LENGTH, '0');
  return `${PREFIX}-${VERSION}-${caDigest(caCertPem)}-${secret}`;
}

const BASE36 = /^[0-9a-z]+$/;

/** Splits a join token; throws `InvalidJoinTokenError` for anything that is not a well-formed v1 token. */
export function parseJoinToken(token: string): ParsedJoinToken {
  const parts = typeof token === 'string' ? token.trim().split('-') : [];
  if (parts.length !== 4 || parts[0] !== PREFIX || parts[1] !== VERSION) throw new InvalidJoinTokenError();
  const [, , digest, secret] = parts as [string, string, string, string];
  if (digest.length !== DIGEST_BASE36_LENGTH || secret.length !== SECRET_BASE36_LENGTH) {
    throw new InvalidJoinTokenError();
  }
  if (!BASE36.test(digest) || !BASE36.test(secret)) throw new InvalidJoinTokenError();
  // The digest must fit in 256 bits and the secret in 128 bits.
  if (BigInt(`0x${'f'.repeat(64)}`) < base36ToBigInt(digest) || 2n ** 128n <= base36ToBigInt(secret)) {
    throw new InvalidJoinTokenError();
  }
  return { digest, secret };
}

function base36ToBigInt(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 36n + BigInt(Number.parseInt(char, 36));
  return value;
}

/**
 * The role a presented token grants, or undefined when it is neither cluster token (answer then with
 * `JOIN_TOKEN_REJECTED_MESSAGE`). Whole tokens are compared in constant time, as SwarmKit's CA server does.
 */
export function tokenRole(token: string, tokens: JoinTokens): NodeRole | undefined {
  if (typeof token !== 'string') return undefined;
  // Evaluate both comparisons so the time taken does not reveal which one matched.
  const manager = constantTimeEquals(token, tokens.manager);
  const worker = constantTimeEquals(token, tokens.worker);
  if (manager) return 'manager';
  if (worker) return 'worker';
  return undefined;
}

function constantTimeEquals(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths; compare against the expected bytes either way to keep timing flat.
  const same = timingSafeEqual(a.length === b.length ? a : b, b);
  return same && a.length === b.length;
}
