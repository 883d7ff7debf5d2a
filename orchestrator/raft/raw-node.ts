/**
 * @module RawNode: the synchronous API of the core. Feed it ticks, messages and requests; take a Ready; do
 * what it says (persist, send, apply); call advance(). Still pure: the caller does all I/O.
 */
import { type ConfChange, ConfChangeType, encodeConfChange } from './confchange/confchange.js';
import { ProposalDroppedError, RaftError } from './errors.js';
import { Raft, type RaftConfig } from './raft.js';
import type { ProgressState } from './tracker/progress.js';
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ReadState,
  Snapshot,
  SoftState,
} from './types.js';
import { EntryType, hardStateEqual, MessageType, message, None, StateType } from './types.js';

/**
 * Ready is the work the caller must do, in this order: persist `hardState`, `entries` and `snapshot`
 * (fsync when `mustSync`); send `messages` (those for which `sendableBeforePersist` holds may leave before
 * the write, which lets a leader write its disk in parallel with replication); apply `committedEntries`;
 * serve `readStates` once applied; then call `advance(ready)`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

/** What the leader knows of one member. */
export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  active: boolean;
  isLearner: boolean;
}

/** A snapshot of the core's state for status reports. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  lead: NodeId;
  state: StateType;
  isLearner: boolean;
  leadTransferee: NodeId;
  /** Leader only: each member's progress. */
  progress: Map<NodeId, ProgressStatus>;
  /** Leader: a quorum answered within an election timeout. Others: a leader was heard within one. */
  hasQuorum: boolean;
}

/**
 * True when `m` may be sent before the Ready it came with is persisted: a leader's appends, snapshots and
 * heartbeats (the leader counts its own log only once persisted). Everything else (votes, responses) waits.
 */
export function sendableBeforePersist(m: Message): boolean {
  switch (m.type) {
    case MessageType.App:
    case MessageType.Snap:
    case MessageType.Heartbeat:
    case MessageType.TimeoutNow:
    case MessageType.ReadIndexResp:
      return true;
    default:
      return false;
  }
}

/** RawNode wraps Raft with the Ready/advance protocol. */
export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = { lead: this.raft.lead, state: this.raft.state };
    this.prevHard = this.raft.hardState();
  }

  /** Starts a new cluster: the log begins with one committed AddVoter entry per member. Needs an empty log. */
  bootstrap(members: { id: NodeId; addr: string }[]): void {
    const r = this.raft;
    if (r.raftLog.lastIndex() !== 0) throw new RaftError('BOOTSTRAP', 'can only bootstrap an empty log');
    if (members.length === 0) throw new RaftError('BOOTSTRAP', 'bootstrap needs at least one member');
    r.becomeFollower(1, None);
    const changes = members.map(
      (m): ConfChange => ({ type: ConfChangeType.AddVoter, id: m.id, addr: m.addr }),
    );
    const ents = changes.map(
      (cc, i): Entry => ({ term: 1, index: i + 1, type: EntryType.ConfChange, data: encodeConfChange(cc) }),
    );
    r.raftLog.append(ents);
    r.raftLog.committed = ents.length;
    changes.forEach((cc, i) => {
      r.applyConfChange(cc, i + 1);
    });
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests, and a single-member cluster that wants leadership at once). */
  campaign(): void {
    this.raft.hup(false);
  }

  /**
   * Campaigns now if this member is its group's only voter, follows no leader and has applied all it knows is
   * committed: it wins alone, so waiting out an election timeout would only delay the group (`swarm init`, or
   * the restart of a single manager). Returns whether it campaigned.
   */
  campaignIfSoleVoter(): boolean {
    const r = this.raft;
    if (r.state !== StateType.Follower || r.lead !== None) return false;
    if (r.trk.voters.length !== 1 || r.trk.voters[0] !== r.id || !r.promotable()) return false;
    if (r.raftLog.applied < r.raftLog.committed) return false;
    r.hup(false);
    return true;
  }

  /**
   * Proposes entries; returns the index of the first one, or 0 when forwarded to the leader. Throws
   * ProposalDroppedError when no leader can take them.
   */
  propose(datas: Uint8Array[], type = EntryType.Normal): number {
    const entries = datas.map((data): Entry => ({ term: 0, index: 0, type, data }));
    this.raft.step(message({ type: MessageType.Prop, from: this.raft.id, entries }));
    return entries[0]!.index;
  }

  /** Proposes a membership change (one at a time); returns its index (0 when forwarded). */
  proposeConfChange(cc: ConfChange): number {
    return this.propose([encodeConfChange(cc)], EntryType.ConfChange);
  }

  /** Handles a message from the network. Messages from a removed or unknown member are fine; they are ignored. */
  step(m: Message): void {
    try {
      this.raft.step(m);
    } catch (err) {
      // A forwarded proposal the leader cannot take is dropped; its sender will time out and retry.
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  /** Requests a linearizable read point for `ctx` (unique); false when no leader is known to ask. */
  readIndex(ctx: Uint8Array): boolean {
    const r = this.raft;
    if (r.lead === None) return false;
    try {
      r.step(message({ type: MessageType.ReadIndex, from: r.id, context: ctx }));
      return true;
    } catch (err) {
      if (err instanceof ProposalDroppedError) return false;
      throw err;
    }
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: MessageType.TransferLeader, from: transferee }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  private softState(): SoftState {
    return { lead: this.raft.lead, state: this.raft.state };
  }

  hasReady(): boolean {
    const r = this.raft;
    r.flushCommitBroadcast();
    const soft = this.softState();
    if (soft.lead !== this.prevSoft.lead || soft.state !== this.prevSoft.state) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    const u = r.raftLog.unstable;
    if (u.snapshot || u.entries.length > 0) return true;
    return r.msgs.length > 0 || r.readStates.length > 0 || r.raftLog.hasNextCommittedEntries();
  }

  ready(): Ready {
    const r = this.raft;
    r.flushCommitBroadcast();
    const u = r.raftLog.unstable;
    const rd: Ready = {
      entries: u.entries.slice(),
      committedEntries: r.raftLog.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
    };
    r.msgs = [];
    r.readStates = [];
    const soft = this.softState();
    if (soft.lead !== this.prevSoft.lead || soft.state !== this.prevSoft.state) rd.softState = soft;
    const hard = r.hardState();
    if (!hardStateEqual(hard, this.prevHard)) rd.hardState = hard;
    if (u.snapshot) rd.snapshot = u.snapshot;
    rd.mustSync =
      rd.entries.length > 0 ||
      rd.snapshot !== undefined ||
      hard.term !== this.prevHard.term ||
      hard.vote !== this.prevHard.vote;
    return rd;
  }

  /** The caller has done what `rd` asked: record it, and apply the membership changes it committed. */
  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.snapshot) {
      r.raftLog.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > r.raftLog.applied) r.raftLog.appliedTo(rd.snapshot.meta.index);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.raftLog.stableTo(last.index, last.term);
      r.onPersisted(last.index, last.term);
    }
    if (rd.committedEntries.length > 0) {
      for (const e of rd.committedEntries) if (e.type === EntryType.ConfChange) r.applyConfChangeEntry(e);
      r.raftLog.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    }
  }

  /** The applied membership, with addresses. */
  confState(): ConfState {
    return this.raft.confState();
  }

  status(): RaftStatus {
    const r = this.raft;
    const progress = new Map<NodeId, ProgressStatus>();
    let hasQuorum: boolean;
    if (r.state === StateType.Leader) {
      for (const [id, pr] of r.trk.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          active: r.isActive(id),
          isLearner: pr.isLearner,
        });
      }
      hasQuorum = r.trk.quorumOf((id) => r.isActive(id));
    } else {
      hasQuorum = r.lead !== None && r.electionElapsed < r.electionTimeout;
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      lead: r.lead,
      state: r.state,
      isLearner: r.isLearner,
      leadTransferee: r.leadTransferee,
      progress,
      hasQuorum,
    };
  }
}
