import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createUnlockKey,
  formatUnlockKey,
  INVALID_KEY_STRING_MESSAGE,
  parseUnlockKey,
  UnlockKeyFormatError,
} from './unlock-key.js';

test('an unlock key is SWMKEY-1- and the 32-byte key in unpadded base64, and parses back', () => {
  const { kek, unlockKey } = createUnlockKey();
  assert.equal(kek.length, 32);
  assert.match(unlockKey, /^SWMKEY-1-[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(parseUnlockKey(unlockKey), kek);
  assert.deepEqual(parseUnlockKey(`${unlockKey}\n`), kek);
  assert.notEqual(createUnlockKey().unlockKey, unlockKey);
});

test("Docker's documented unlock key parses", () => {
  const kek = parseUnlockKey('SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8');
  assert.equal(kek.length, 32);
  assert.equal(formatUnlockKey(kek), 'SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8');
});

test('garbage gives "invalid key string"', () => {
  const { unlockKey } = createUnlockKey();
  for (const text of [
    '',
    'SWMKEY-1-',
    'hello',
    unlockKey.replace('SWMKEY-1-', 'SWMKEY-2-'),
    unlockKey.slice('SWMKEY-1-'.length),
    `${unlockKey}=`,
    `${unlockKey.slice(0, 20)}!${unlockKey.slice(21)}`,
    `${unlockKey}AB`, // 45 characters: a length no base64 text has
    undefined as unknown as string,
  ]) {
    assert.throws(
      () => parseUnlockKey(text),
      (error: unknown) =>
        error instanceof UnlockKeyFormatError && error.message === INVALID_KEY_STRING_MESSAGE,
      String(text),
    );
  }
});
