import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../sim/prng.js';
import { committedIndex, quorumSize, VoteResult, voteResult } from './majority.js';

/** The definition, checked by brute force: the largest index that a majority has acknowledged. */
function naiveCommitted(acks: number[]): number {
  let best = 0;
  for (const candidate of acks) {
    const n = acks.filter((a) => a >= candidate).length;
    if (n >= quorumSize(acks.length) && candidate > best) best = candidate;
  }
  return best;
}

test('committedIndex agrees with the naive definition on random inputs', () => {
  const rng = new Prng(42);
  for (let i = 0; i < 2000; i++) {
    const n = rng.range(1, 7);
    const ids = Array.from({ length: n }, (_, k) => `v${k}`);
    const acks = ids.map(() => rng.int(20));
    const acked = new Map(ids.map((id, k) => [id, acks[k]!]));
    assert.equal(
      committedIndex(ids, (id) => acked.get(id)),
      naiveCommitted(acks),
      JSON.stringify(acks),
    );
  }
});

test('voteResult: won with a majority, lost once a majority is out of reach, pending otherwise', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const votes = (entries: [string, boolean][]) => voteResult(ids, new Map(entries));
  assert.equal(
    votes([
      ['a', true],
      ['b', true],
    ]),
    VoteResult.Pending,
  );
  assert.equal(
    votes([
      ['a', true],
      ['b', true],
      ['c', true],
    ]),
    VoteResult.Won,
  );
  assert.equal(
    votes([
      ['a', false],
      ['b', false],
    ]),
    VoteResult.Pending,
  );
  assert.equal(
    votes([
      ['a', false],
      ['b', false],
      ['c', false],
    ]),
    VoteResult.Lost,
  );
  assert.equal(voteResult([], new Map()), VoteResult.Won);
});
