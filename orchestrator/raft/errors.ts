/**
 * @module Typed errors of the Raft package. Every error carries a stable `code`, so callers switch on it
 * rather than on messages.
 */

/** The base class of every error the Raft package throws on purpose. */
export class RaftError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** NotLeaderError: the request needs the leader and this node is not it. `leaderId` says where to go, if known. */
export class NotLeaderError extends RaftError {
  readonly leaderId?: string;
  readonly leaderAddr?: string;
  constructor(leaderId?: string, leaderAddr?: string) {
    super(
      'NOT_LEADER',
      leaderId
        ? `this manager is not the leader; the leader is ${leaderId}${leaderAddr ? ` at ${leaderAddr}` : ''}`
        : 'this manager is not the leader and no leader is known yet (election in progress or quorum lost); retry shortly',
    );
    this.leaderId = leaderId || undefined;
    this.leaderAddr = leaderAddr || undefined;
  }
}

/**
 * ProposalDroppedError: the proposal was not committed. When `ambiguous` is true the entry reached the log
 * before leadership was lost, so a later leader may still commit it: the caller must not assume either outcome.
 */
export class ProposalDroppedError extends RaftError {
  readonly ambiguous: boolean;
  constructor(reason: string, ambiguous = false) {
    super('PROPOSAL_DROPPED', `proposal dropped: ${reason}`);
    this.ambiguous = ambiguous;
  }
}

/** StoppedError: the node was stopped; requests pending at that moment fail with it. */
export class StoppedError extends RaftError {
  constructor() {
    super('STOPPED', 'the raft node is stopped');
  }
}

/** TimeoutError: the request did not complete in time (no leader, or quorum unreachable). */
export class TimeoutError extends RaftError {
  constructor(what: string) {
    super(
      'TIMEOUT',
      `${what} timed out: the cluster may have lost quorum; check that a majority of managers is up`,
    );
  }
}

/** MembershipError: a membership change was refused (already a member, unknown member, last voter...). */
export class MembershipError extends RaftError {
  constructor(message: string) {
    super('MEMBERSHIP', message);
  }
}

/** CorruptionError: the write-ahead log or a snapshot on disk is damaged; names the file and byte offset. */
export class CorruptionError extends RaftError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super(
      'CORRUPT',
      `${file}: ${what} at byte offset ${offset}; the raft data is damaged and this manager cannot start. ` +
        'Restore the data directory from a backup, or remove this manager from the cluster and join it again with an empty data directory',
    );
    this.file = file;
    this.offset = offset;
  }
}

/** CompactedError: the requested log index was compacted into a snapshot (internal to the core). */
export class CompactedError extends RaftError {
  constructor() {
    super('COMPACTED', 'requested index is unavailable due to compaction');
  }
}

/** UnavailableError: the requested log index is beyond the log (internal to the core). */
export class UnavailableError extends RaftError {
  constructor() {
    super('UNAVAILABLE', 'requested entry at index is unavailable');
  }
}

/** SnapshotTemporarilyUnavailableError: the storage cannot produce a snapshot right now. */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  constructor() {
    super('SNAPSHOT_UNAVAILABLE', 'snapshot is temporarily unavailable');
  }
}
