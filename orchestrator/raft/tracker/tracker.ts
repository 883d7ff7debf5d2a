/**
 * @module ProgressTracker: the configuration (voters, learners) and each member's Progress and vote.
 */
import { committedIndex, VoteResult, voteResult } from '../quorum/majority.js';
import type { NodeId } from '../types.js';
import { Inflights } from './inflights.js';
import { Progress } from './progress.js';

/** ProgressTracker keeps one Progress per member (self included). Iteration follows `voters`, then `learners`. */
export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  private readonly maxInflight: number;
  private readonly maxInflightBytes: number;

  constructor(maxInflight: number, maxInflightBytes: number) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
  }

  /** Installs a configuration; new members start probing at `next`, removed ones are forgotten. */
  setConfig(voters: readonly NodeId[], learners: readonly NodeId[], next: number, now: number): void {
    this.voters = [...voters];
    this.learners = [...learners];
    const keep = new Set([...voters, ...learners]);
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    for (const id of keep) {
      const isLearner = !voters.includes(id);
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = isLearner;
      else this.progress.set(id, this.newProgress(next, isLearner, now));
    }
  }

  newProgress(next: number, isLearner: boolean, now: number): Progress {
    return new Progress(next, new Inflights(this.maxInflight, this.maxInflightBytes), isLearner, now);
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  /** The largest index a majority of voters has acknowledged. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** True when a majority of voters satisfies `active`. */
  quorumOf(active: (id: NodeId) => boolean): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const id of this.voters) votes.set(id, active(id));
    return voteResult(this.voters, votes) === VoteResult.Won;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (the first one per member counts). */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  /** Every member id: voters first, then learners. */
  members(): NodeId[] {
    return [...this.voters, ...this.learners];
  }
}
