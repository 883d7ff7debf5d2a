import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inflights } from './inflights.js';

test('inflights: fills to capacity, frees up to an index, wraps around', () => {
  const f = new Inflights(3);
  f.add(1, 10);
  f.add(2, 10);
  f.add(5, 10);
  assert.ok(f.full());
  assert.throws(() => f.add(6, 1));
  f.freeLE(2);
  assert.equal(f.size(), 1);
  f.add(6, 1);
  f.add(7, 1);
  assert.ok(f.full());
  f.freeFirstOne();
  assert.equal(f.size(), 2);
  f.freeLE(100);
  assert.equal(f.size(), 0);
});

test('inflights: a byte budget also fills the window', () => {
  const f = new Inflights(100, 50);
  f.add(1, 30);
  assert.ok(!f.full());
  f.add(2, 30);
  assert.ok(f.full());
  f.freeLE(1);
  assert.ok(!f.full());
});
