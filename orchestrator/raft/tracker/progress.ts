/**
 * @module Progress: what the leader knows about one follower's log, and how it sends to it.
 */
import type { Inflights } from './inflights.js';

/** How the leader replicates to a follower. */
export enum ProgressState {
  /** One append per heartbeat interval until the follower's match is found. */
  Probe = 'probe',
  /** Optimistic pipelining: send ahead of acknowledgements, bounded by the inflights window. */
  Replicate = 'replicate',
  /** A snapshot is on its way; send nothing else until it is acknowledged or fails. */
  Snapshot = 'snapshot',
}

/**
 * Progress of one follower, as seen by the leader. Invariant: `match < next`. `lastActive` is the leader's
 * tick count when it last heard from the follower (CheckQuorum and reachability).
 */
export class Progress {
  match = 0;
  next: number;
  state = ProgressState.Probe;
  /** In Snapshot state, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** The highest commit index this follower has been told (it may not know a higher one yet). */
  sentCommit = 0;
  /** Ticks spent in Snapshot state (the leader gives up after a while and probes again). */
  snapshotTicks = 0;
  /** In Probe state, an append is outstanding: wait for its response (or the next heartbeat). */
  msgAppFlowPaused = false;
  lastActive: number;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, inflights: Inflights, isLearner: boolean, now: number) {
    this.next = next;
    this.inflights = inflights;
    this.isLearner = isLearner;
    this.lastActive = now;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records that an append of `entries` entries ending at `lastIndex` (`bytes` long) was sent. */
  sentEntries(entries: number, lastIndex: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      if (entries > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === ProgressState.Probe && entries > 0) {
      this.msgAppFlowPaused = true;
    }
  }

  /** An acknowledgement up to `n`: returns true when it moved `match` forward. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`; `matchHint` is the follower's guess of where logs agree.
   * Returns false when the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether this follower may not know commit index `committed` yet (and can store it). */
  canBumpCommit(committed: number): boolean {
    return this.state !== ProgressState.Snapshot && this.sentCommit < Math.min(committed, this.next - 1);
  }

  /** Whether sending appends to this follower is throttled right now. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.msgAppFlowPaused;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
