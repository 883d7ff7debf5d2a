/**
 * @module Majority quorum arithmetic: the committed index of a voter set, and the outcome of a vote.
 */
import type { NodeId } from '../types.js';

/** The outcome of an election so far. */
export enum VoteResult {
  Pending = 'pending',
  Won = 'won',
  Lost = 'lost',
}

/** The number of voters that make a majority of `n` (an empty set needs none). */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest index acknowledged by a majority of `voters`, given each voter's acknowledged index
 * (missing voters count as 0). An empty voter set commits everything (Infinity) so it never blocks joint use.
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number | undefined): number {
  const n = voters.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const matched = new Array<number>(n);
  for (let i = 0; i < n; i++) matched[i] = acked(voters[i]!) ?? 0;
  matched.sort((a, b) => b - a);
  return matched[quorumSize(n) - 1]!;
}

/** Won when a majority granted, Lost when a majority can no longer be reached, else Pending. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const n = voters.length;
  if (n === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(n);
  if (granted >= q) return VoteResult.Won;
  if (granted + missing >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}
