import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cookieValue,
  hostAllowed,
  isLoopbackHost,
  learnerIdOf,
  originAllowed,
  tokenMatches,
  unguessableId,
} from './access.js';

test('ids are 128 random bits and learner ids do not reveal the session secret', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => unguessableId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  const secret = unguessableId();
  assert.match(learnerIdOf(secret), /^[0-9a-f]{64}$/);
  assert.ok(!learnerIdOf(secret).includes(secret));
});

test('loopback listeners answer only loopback host names (no DNS rebinding)', () => {
  assert.ok(
    isLoopbackHost('127.0.0.1') &&
      isLoopbackHost('127.5.6.7') &&
      isLoopbackHost('::1') &&
      isLoopbackHost('localhost'),
  );
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('10.0.0.1'));
  assert.ok(hostAllowed('127.0.0.1:4000', '127.0.0.1', []));
  assert.ok(hostAllowed('localhost:4000', '127.0.0.1', []));
  assert.ok(hostAllowed('[::1]:4000', '127.0.0.1', []));
  assert.ok(!hostAllowed('evil.example:4000', '127.0.0.1', []));
  assert.ok(!hostAllowed(undefined, '127.0.0.1', []));
  assert.ok(hostAllowed('workshop.example:4000', '127.0.0.1', ['workshop.example']));
  assert.ok(hostAllowed('anything:4000', '0.0.0.0', []), 'beyond loopback the token guards the door');
  assert.ok(!hostAllowed('anything:4000', '0.0.0.0', ['workshop.example']));
});

test('a socket is accepted only from a page of this very server', () => {
  assert.ok(originAllowed('http://127.0.0.1:4000', '127.0.0.1:4000'));
  assert.ok(originAllowed('https://workshop.example', 'workshop.example'));
  assert.ok(!originAllowed('http://evil.example', '127.0.0.1:4000'));
  assert.ok(!originAllowed('http://127.0.0.1:4001', '127.0.0.1:4000'));
  assert.ok(!originAllowed(undefined, '127.0.0.1:4000'));
  assert.ok(!originAllowed('null', '127.0.0.1:4000'));
  assert.ok(!originAllowed('file:///x', '127.0.0.1:4000'));
});

test('tokens compare exactly and cookies parse', () => {
  assert.ok(tokenMatches('abc', 'abc'));
  assert.ok(!tokenMatches('abd', 'abc'));
  assert.ok(!tokenMatches('ab', 'abc'));
  assert.ok(!tokenMatches(undefined, 'abc'));
  assert.equal(cookieValue('a=1; swarmlab_session=xyz; b=2', 'swarmlab_session'), 'xyz');
  assert.equal(cookieValue('a=1', 'swarmlab_session'), undefined);
  assert.equal(cookieValue(undefined, 'x'), undefined);
});
