import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLinearizable, checkRegister, type KvOp } from './linearizability.js';

const put = (client: number, value: string, call: number, ret: number, key = 'k'): KvOp => ({
  client,
  key,
  kind: 'put',
  value,
  call,
  ret,
});
const get = (client: number, output: string | null, call: number, ret: number, key = 'k'): KvOp => ({
  client,
  key,
  kind: 'get',
  output,
  call,
  ret,
});

test('sequential and concurrent histories that a register allows are linearizable', () => {
  assert.ok(checkRegister([put(0, 'a', 0, 1), get(1, 'a', 2, 3)]).ok);
  // Concurrent write and read: the read may see either value.
  assert.ok(checkRegister([put(0, 'a', 0, 1), put(0, 'b', 2, 10), get(1, 'a', 3, 4)]).ok);
  assert.ok(checkRegister([put(0, 'a', 0, 1), put(0, 'b', 2, 10), get(1, 'b', 3, 4)]).ok);
  // A write whose outcome is unknown may have happened or not.
  assert.ok(checkRegister([put(0, 'a', 0, Infinity), get(1, 'a', 5, 6), get(1, 'a', 7, 8)]).ok);
  assert.ok(checkRegister([put(0, 'a', 0, Infinity), get(1, null, 5, 6)]).ok);
});

test('stale reads, lost writes and reads from nowhere are not linearizable', () => {
  // A read after a completed write returns the old value.
  assert.ok(!checkRegister([put(0, 'a', 0, 1), put(0, 'b', 2, 3), get(1, 'a', 4, 5)]).ok);
  // A value read then "unread".
  assert.ok(!checkRegister([put(0, 'a', 0, 10), get(1, 'a', 1, 2), get(1, null, 3, 4)]).ok);
  // A value nobody wrote.
  assert.ok(!checkRegister([put(0, 'a', 0, 1), get(1, 'z', 2, 3)]).ok);
  // An acknowledged write lost.
  assert.ok(!checkRegister([put(0, 'a', 0, 1), get(1, null, 2, 3)]).ok);
});

test('keys are checked independently and the failing key is reported', () => {
  const history = [
    put(0, 'a', 0, 1, 'x'),
    get(1, 'a', 2, 3, 'x'),
    put(0, 'b', 0, 1, 'y'),
    get(1, null, 2, 3, 'y'),
  ];
  const r = checkLinearizable(history);
  assert.equal(r.ok, false);
  assert.equal(r.key, 'y');
});

test('many concurrent writes of unknown outcome stay cheap to check', () => {
  const ops: KvOp[] = [];
  for (let i = 0; i < 60; i++) ops.push(put(i, `v${i}`, i, Infinity));
  ops.push(put(99, 'last', 100, 101), get(98, 'last', 102, 103));
  const t0 = performance.now();
  assert.ok(checkLinearizable(ops).ok);
  assert.ok(performance.now() - t0 < 2000);
});
