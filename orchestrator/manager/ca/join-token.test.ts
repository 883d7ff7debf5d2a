import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  createJoinToken,
  INVALID_JOIN_TOKEN_MESSAGE,
  InvalidJoinTokenError,
  parseJoinToken,
  tokenRole,
} from './join-token.js';
import { caDigest, createRootCA, type RootCA } from './root-ca.js';

let rootCA: RootCA;
before(async () => {
  rootCA = await createRootCA();
});

test('a join token is SWMTKN-1-<50-char CA digest>-<25-char secret>', () => {
  const token = createJoinToken(rootCA.certPem);
  assert.match(token, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
  const { digest, secret } = parseJoinToken(token);
  assert.equal(digest, caDigest(rootCA.certPem));
  assert.equal(token, `SWMTKN-1-${digest}-${secret}`);
  assert.equal(parseJoinToken(`  ${token}\n`).secret, secret, 'surrounding whitespace is ignored');
});

test('rotation keeps the digest and changes the secret', () => {
  const secrets = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const { digest, secret } = parseJoinToken(createJoinToken(rootCA.certPem));
    assert.equal(digest, caDigest(rootCA.certPem));
    secrets.add(secret);
  }
  assert.equal(secrets.size, 50);
});

test('malformed tokens give Docker\'s "invalid join token"', () => {
  const good = createJoinToken(rootCA.certPem);
  const [, , digest, secret] = good.split('-') as [string, string, string, string];
  const bad = [
    '',
    'hello',
    'SWMTKN-1',
    `SWMTKN-2-${digest}-${secret}`,
    `SWMTKEN-1-${digest}-${secret}`,
    `SWMTKN-1-${digest}`,
    `SWMTKN-1-${digest}-${secret}-extra`,
    `SWMTKN-1-${digest.slice(1)}-${secret}`,
    `SWMTKN-1-${digest}-${secret}0`,
    `SWMTKN-1-${digest.toUpperCase()}-${secret}`,
    `SWMTKN-1-${digest.slice(0, -1)}!-${secret}`,
    `SWMTKN-1-${'z'.repeat(50)}-${secret}`, // more than 256 bits
    `SWMTKN-1-${digest}-${'z'.repeat(25)}`, // more than 128 bits
    42 as unknown as string,
  ];
  for (const token of bad) {
    assert.throws(
      () => parseJoinToken(token),
      (error: unknown) =>
        error instanceof InvalidJoinTokenError && error.message === INVALID_JOIN_TOKEN_MESSAGE,
      String(token),
    );
  }
});

test('tokenRole tells the manager token from the worker token and refuses anything else', () => {
  const tokens = { worker: createJoinToken(rootCA.certPem), manager: createJoinToken(rootCA.certPem) };
  assert.equal(tokenRole(tokens.worker, tokens), 'worker');
  assert.equal(tokenRole(tokens.manager, tokens), 'manager');
  assert.equal(tokenRole(createJoinToken(rootCA.certPem), tokens), undefined);
  assert.equal(tokenRole(tokens.worker.slice(0, -1), tokens), undefined);
  assert.equal(tokenRole(`${tokens.worker}x`, tokens), undefined);
  assert.equal(tokenRole('', tokens), undefined);
});
