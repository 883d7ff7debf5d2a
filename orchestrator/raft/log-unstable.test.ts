import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Unstable } from './log-unstable.js';
import { ent } from './testing/raft-fixture.js';

const idx = (u: Unstable): number[] => u.entries.map((e) => e.index);

test('unstable: appends, truncates on conflict, and drops what became stable', () => {
  const u = new Unstable(5);
  u.truncateAndAppend([ent(5, 1), ent(6, 1), ent(7, 1)]);
  assert.deepEqual(idx(u), [5, 6, 7]);
  u.truncateAndAppend([ent(6, 2)]);
  assert.deepEqual(idx(u), [5, 6]);
  assert.equal(u.maybeTerm(6), 2);
  u.stableTo(6, 1);
  assert.deepEqual(idx(u), [5, 6], 'a stale term does not mark the replacement stable');
  u.stableTo(5, 1);
  assert.deepEqual(idx(u), [6]);
  assert.equal(u.offset, 6);
  u.truncateAndAppend([ent(3, 3)]);
  assert.equal(u.offset, 3, 'entries before the offset replace the whole unstable part');
});

test('unstable: a snapshot replaces everything and answers for its own index', () => {
  const u = new Unstable(1);
  u.truncateAndAppend([ent(1, 1)]);
  u.restore({
    meta: { index: 10, term: 4, confState: { voters: [], learners: [], addrs: {} } },
    data: new Uint8Array(0),
  });
  assert.equal(u.maybeFirstIndex(), 11);
  assert.equal(u.maybeLastIndex(), 10);
  assert.equal(u.maybeTerm(10), 4);
  assert.equal(u.maybeTerm(9), undefined);
  u.stableSnapTo(10);
  assert.equal(u.snapshot, undefined);
});
