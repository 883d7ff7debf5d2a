import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AeadError, codec, createDataKey, open, SEAL_OVERHEAD, seal } from './aead.js';

test('seal then open gives the plaintext back, with and without additional data', () => {
  const key = createDataKey();
  assert.equal(key.length, 32);
  for (const plaintext of [Buffer.alloc(0), Buffer.from('raft entry'), Buffer.alloc(100_000, 7)]) {
    const sealed = seal(key, plaintext);
    assert.equal(sealed.length, plaintext.length + SEAL_OVERHEAD);
    assert.deepEqual(open(key, sealed), plaintext);
    const aad = Buffer.from('swarm-node.key');
    assert.deepEqual(open(key, seal(key, plaintext, aad), aad), plaintext);
  }
});

test('sealing twice gives different bytes (random nonce)', () => {
  const key = createDataKey();
  assert.notDeepEqual(seal(key, Buffer.from('x')), seal(key, Buffer.from('x')));
});

test('a wrong key is refused with an auth error', () => {
  const sealed = seal(createDataKey(), Buffer.from('secret'));
  assert.throws(
    () => open(createDataKey(), sealed),
    (error: unknown) => error instanceof AeadError && error.reason === 'auth',
  );
});

test('every flipped bit (header, nonce, body, tag) is detected', () => {
  const key = createDataKey();
  const sealed = seal(key, Buffer.from('the cluster root CA key'));
  for (let i = 0; i < sealed.length; i++) {
    const tampered = Buffer.from(sealed);
    tampered[i]! ^= 0x01;
    assert.throws(() => open(key, tampered), AeadError, `byte ${i}`);
  }
});

test('different additional data, truncation and garbage are refused', () => {
  const key = createDataKey();
  const sealed = seal(key, Buffer.from('payload'), Buffer.from('a'));
  assert.throws(() => open(key, sealed, Buffer.from('b')), { name: 'AeadError', reason: 'auth' });
  assert.throws(() => open(key, sealed), { name: 'AeadError', reason: 'auth' });
  assert.throws(() => open(key, sealed.subarray(0, 10)), { name: 'AeadError', reason: 'format' });
  assert.throws(() => open(key, sealed.subarray(0, sealed.length - 1), Buffer.from('a')), AeadError);
  const otherVersion = Buffer.from(sealed);
  otherVersion[0] = 9;
  assert.throws(() => open(key, otherVersion), /unknown format version 9/);
});

test('keys of the wrong size are a programming error', () => {
  assert.throws(() => seal(Buffer.alloc(16), Buffer.from('x')), RangeError);
  assert.throws(() => open(Buffer.alloc(31), Buffer.alloc(40)), RangeError);
});

test('codec round-trips Uint8Arrays and reads data sealed under previous keys', () => {
  const oldKey = createDataKey();
  const newKey = createDataKey();
  const entry = new Uint8Array([1, 2, 3, 4]);
  const before = codec(oldKey).encode(entry);
  const rotated = codec(newKey, [oldKey]);
  assert.deepEqual(new Uint8Array(rotated.decode(before)), entry);
  assert.deepEqual(new Uint8Array(rotated.decode(rotated.encode(entry))), entry);
  assert.throws(() => codec(newKey).decode(before), { name: 'AeadError', reason: 'auth' });
});
