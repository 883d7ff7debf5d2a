import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompactedError, UnavailableError } from './errors.js';
import { RaftLog } from './log.js';
import { MemoryStorage } from './storage.js';
import { ent } from './testing/raft-fixture.js';

function logWith(stable: [number, number][], unstable: [number, number][] = []): RaftLog {
  const s = new MemoryStorage();
  s.append(stable.map(([i, t]) => ent(i, t)));
  const log = new RaftLog(s);
  if (unstable.length) log.append(unstable.map(([i, t]) => ent(i, t)));
  return log;
}

test('the log joins stable and unstable entries; slices respect bounds and sizes', () => {
  const log = logWith(
    [
      [1, 1],
      [2, 1],
    ],
    [
      [3, 2],
      [4, 2],
    ],
  );
  assert.equal(log.lastIndex(), 4);
  assert.equal(log.term(3), 2);
  assert.equal(log.term(5), undefined);
  assert.deepEqual(
    log.slice(2, 5, Number.MAX_SAFE_INTEGER).map((e) => e.index),
    [2, 3, 4],
  );
  assert.deepEqual(
    log.slice(1, 5, 1).map((e) => e.index),
    [1],
    'at least one entry even over the size limit',
  );
  assert.throws(() => log.slice(1, 6, 100), UnavailableError);
});

test('compaction: compacted indexes are reported as such', () => {
  const s = new MemoryStorage();
  s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
  s.createSnapshot(2, { voters: [], learners: [], addrs: {} }, new Uint8Array(0));
  s.compact(2);
  const log = new RaftLog(s);
  assert.equal(log.firstIndex(), 3);
  assert.equal(log.term(2), 1, 'the snapshot index keeps its term');
  assert.equal(log.term(1), undefined);
  assert.throws(() => log.slice(1, 3, 100), CompactedError);
});

test('findConflictByTerm finds the last index whose term is <= the given term', () => {
  const log = logWith([
    [1, 1],
    [2, 1],
    [3, 3],
    [4, 3],
    [5, 5],
  ]);
  assert.deepEqual(log.findConflictByTerm(5, 4), [4, 3]);
  assert.deepEqual(log.findConflictByTerm(5, 2), [2, 1]);
  assert.deepEqual(log.findConflictByTerm(5, 0), [0, 0]);
});

test('an append that would rewrite committed entries is an invariant violation', () => {
  const log = logWith([
    [1, 1],
    [2, 1],
  ]);
  log.commitTo(2);
  assert.throws(() => log.maybeAppend(0, 0, 2, [ent(1, 2)]), /conflicts with committed/);
});
