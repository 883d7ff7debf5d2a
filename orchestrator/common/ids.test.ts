import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isObjectId, newContainerId, newObjectId } from './ids.js';

test('object ids are 25 lowercase base36 characters and unique', () => {
  const ids = new Set(Array.from({ length: 1000 }, newObjectId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.ok(isObjectId(id), id);
});

test('container ids are 64 hex characters', () => {
  assert.match(newContainerId(), /^[0-9a-f]{64}$/);
});
