/**
 * @module The Raft state machine. Pure: no I/O, no clock, no randomness of its own. Time moves on `tick()`,
 * input arrives through `step()`, output accumulates in `msgs`, `readStates` and the log, which RawNode turns
 * into a Ready. Each role installs its own step and tick functions (`become*`).
 */
import {
  applyConfChange,
  type ConfChange,
  ConfChangeType,
  cloneConfState,
  decodeConfChange,
} from './confchange/confchange.js';
import { ProposalDroppedError, RaftError } from './errors.js';
import { RaftLog } from './log.js';
import { VoteResult } from './quorum/majority.js';
import { ReadOnly } from './read-only.js';
import type { Storage } from './storage.js';
import { ProgressState } from './tracker/progress.js';
import { ProgressTracker } from './tracker/tracker.js';
import type { ConfState, Entry, HardState, Message, NodeId, ReadState, Snapshot } from './types.js';
import { EntryType, entrySize, MessageType, message, None, StateType, voteRespType } from './types.js';

/** Configuration of the core. Ticks are abstract: the caller decides how long one lasts. */
export interface RaftConfig {
  id: NodeId;
  /** Followers campaign after a random number of ticks in [electionTick, 2 * electionTick). */
  electionTick: number;
  /** The leader sends heartbeats every `heartbeatTick` ticks (must be < electionTick). */
  heartbeatTick: number;
  storage: Storage;
  /** The last index the application has applied (its snapshot index at restart). */
  applied?: number;
  /** Upper bound on the entry bytes of one append message. Default 1 MiB. */
  maxSizePerMsg?: number;
  /** Upper bound on append messages in flight to one follower. Default 256. */
  maxInflightMsgs?: number;
  /** Upper bound on the bytes in flight to one follower (0: none). */
  maxInflightBytes?: number;
  /** Upper bound on committed entry bytes handed out in one Ready. Default 64 MiB. */
  maxCommittedSizePerReady?: number;
  /** A leader steps down when it has not heard from a quorum within an election timeout. Default true. */
  checkQuorum?: boolean;
  /** Campaign with a pre-vote round first, so a partitioned node cannot disrupt the cluster. Default true. */
  preVote?: boolean;
  /** Ticks a leader waits for a snapshot to be acknowledged before probing again. Default 5 election timeouts. */
  snapshotTimeoutTicks?: number;
  /** Uniform random number in [0, 1): the only source of randomness (injected for determinism). */
  random: () => number;
  logger?: (line: string) => void;
}

type CampaignType = 'pre-election' | 'election' | 'transfer';
type StepFn = (r: Raft, m: Message) => void;

/** Raft is the consensus state machine of one member. */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  lead: NodeId = None;
  state = StateType.Follower;
  isLearner = false;
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  /** Member addresses, from the applied configuration. */
  addrs: Record<NodeId, string> = {};
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = None;
  /** The commit index advanced: followers must hear of it (see flushCommitBroadcast). */
  commitBroadcastPending = false;
  /** A conf change may be proposed only once the log is applied up to here (one change at a time). */
  pendingConfIndex = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** Ticks counted while leader, for CheckQuorum and reachability. */
  leaderTicks = 0;
  randomizedElectionTimeout = 0;
  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  private readonly maxMsgSize: number;
  private readonly snapshotTimeoutTicks: number;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readOnly = new ReadOnly();
  private pendingReadIndexMessages: Message[] = [];
  private stepFn: StepFn = stepFollower;
  private tickFn: () => void = () => this.tickElection();

  constructor(c: RaftConfig) {
    if (!c.id) throw new RaftError('CONFIG', 'raft: id must not be empty');
    if (c.heartbeatTick <= 0 || c.electionTick <= c.heartbeatTick) {
      throw new RaftError('CONFIG', 'raft: need 0 < heartbeatTick < electionTick');
    }
    this.id = c.id;
    this.electionTimeout = c.electionTick;
    this.heartbeatTimeout = c.heartbeatTick;
    this.checkQuorum = c.checkQuorum ?? true;
    this.preVote = c.preVote ?? true;
    this.maxMsgSize = c.maxSizePerMsg ?? 1 << 20;
    this.snapshotTimeoutTicks = c.snapshotTimeoutTicks ?? 5 * c.electionTick;
    this.random = c.random;
    this.log = c.logger ?? (() => {});
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady ?? 64 << 20);
    this.trk = new ProgressTracker(c.maxInflightMsgs ?? 256, c.maxInflightBytes ?? 0);
    const { hardState, confState } = c.storage.initialState();
    this.switchToConfig(confState);
    if (hardState.term !== 0 || hardState.vote !== None || hardState.commit !== 0) this.loadState(hardState);
    if (c.applied && c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, None);
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new RaftError(
        'INVARIANT',
        `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
      );
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** The applied configuration, with addresses. */
  confState(): ConfState {
    return { voters: [...this.trk.voters], learners: [...this.trk.learners], addrs: { ...this.addrs } };
  }

  // ---- Output --------------------------------------------------------------------------------------

  send(m: Message): void {
    if (m.from === None) m.from = this.id;
    const t = m.type;
    if (
      t === MessageType.Vote ||
      t === MessageType.VoteResp ||
      t === MessageType.PreVote ||
      t === MessageType.PreVoteResp
    ) {
      if (m.term === 0) throw new RaftError('INVARIANT', `term should be set when sending ${MessageType[t]}`);
    } else if (t !== MessageType.Prop && t !== MessageType.ReadIndex && t !== MessageType.TransferLeader) {
      // Forwarded requests keep term 0 so the leader treats them as local.
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Figure 2, leader: send AppendEntries with the entries from nextIndex (or a snapshot when compacted). */
  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.raftLog.term(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== undefined) {
      try {
        ents = this.raftLog.entries(pr.next, this.maxMsgSize);
      } catch {
        ents = undefined;
      }
    }
    if (prevTerm === undefined || ents === undefined) return this.maybeSendSnapshot(to);
    if (ents.length === 0 && !sendIfEmpty) return false;
    const commit = this.raftLog.committed;
    this.send(
      message({ type: MessageType.App, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit }),
    );
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(commit, prevIndex + ents.length));
    if (ents.length > 0) {
      let bytes = 0;
      for (const e of ents) bytes += entrySize(e);
      pr.sentEntries(ents.length, ents[ents.length - 1]!.index, bytes);
    }
    return true;
  }

  private maybeSendSnapshot(to: NodeId): boolean {
    const pr = this.trk.progress.get(to)!;
    if (!this.isActive(to)) return false;
    let snap: Snapshot;
    try {
      snap = this.raftLog.snapshot();
    } catch {
      return false;
    }
    if (snap.meta.index === 0) throw new RaftError('INVARIANT', 'need a non-empty snapshot');
    this.log(`${this.id} sends snapshot [index ${snap.meta.index}, term ${snap.meta.term}] to ${to}`);
    pr.becomeSnapshot(snap.meta.index);
    this.send(message({ type: MessageType.Snap, to, snapshot: snap }));
    return true;
  }

  private sendHeartbeat(to: NodeId, ctx: Uint8Array | undefined): void {
    const pr = this.trk.progress.get(to)!;
    const commit = Math.min(pr.match, this.raftLog.committed);
    this.send(message({ type: MessageType.Heartbeat, to, commit, ...(ctx ? { context: ctx } : {}) }));
    pr.sentCommit = Math.max(pr.sentCommit, commit);
  }

  private forEachPeer(fn: (id: NodeId) => void): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) fn(id);
  }

  bcastAppend(): void {
    this.forEachPeer((id) => this.sendAppend(id));
  }

  private bcastHeartbeat(): void {
    const ctx = this.readOnly.lastPendingContext();
    this.forEachPeer((id) => this.sendHeartbeat(id, ctx));
  }

  /** Figure 2, leader: commit the highest index a majority stores, if it is from the current term. */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.trk.committed(), this.term);
  }

  // ---- Roles ---------------------------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.leaderTicks = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const next = this.raftLog.lastIndex() + 1;
    for (const [id, pr] of this.trk.progress) {
      const fresh = this.trk.newProgress(next, pr.isLearner, 0);
      if (id === this.id) fresh.match = this.lastStableIndex();
      this.trk.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.commitBroadcastPending = false;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  /** The last index known persisted and still in our log (the leader counts itself only up to here). */
  private lastStableIndex(): number {
    const u = this.raftLog.unstable;
    if (u.snapshot) return 0;
    return Math.min(u.offset - 1, this.raftLog.storage.lastIndex());
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = stepFollower;
    this.reset(term);
    this.tickFn = () => this.tickElection();
    this.lead = lead;
    this.state = StateType.Follower;
  }

  becomeCandidate(): void {
    if (this.state === StateType.Leader)
      throw new RaftError('INVARIANT', 'invalid transition [leader -> candidate]');
    this.stepFn = stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = () => this.tickElection();
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  becomePreCandidate(): void {
    if (this.state === StateType.Leader)
      throw new RaftError('INVARIANT', 'invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither its term nor its vote.
    this.stepFn = stepCandidate;
    this.trk.resetVotes();
    this.tickFn = () => this.tickElection();
    this.lead = None;
    this.state = StateType.PreCandidate;
  }

  becomeLeader(): void {
    if (this.state === StateType.Follower)
      throw new RaftError('INVARIANT', 'invalid transition [follower -> leader]');
    this.stepFn = stepLeader;
    this.reset(this.term);
    this.tickFn = () => this.tickHeartbeat();
    this.lead = this.id;
    this.state = StateType.Leader;
    this.trk.progress.get(this.id)?.becomeReplicate();
    // Figure 2, leader: an empty entry of the new term, so entries of earlier terms can commit under it.
    this.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }]);
    // No membership change until that entry is applied (a leader must commit in its own term first).
    this.pendingConfIndex = this.raftLog.lastIndex();
    this.log(`${this.id} became leader at term ${this.term}`);
  }

  // ---- Time ----------------------------------------------------------------------------------------

  tick(): void {
    this.tickFn();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.leaderTicks++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== None) this.abortLeaderTransfer();
    }
    if (this.checkQuorum && !this.trk.quorumOf((id) => this.isActive(id))) {
      this.log(`${this.id} stepped down to follower since quorum is not active`);
      this.becomeFollower(this.term, None);
      return;
    }
    for (const [id, pr] of this.trk.progress) {
      if (pr.state === ProgressState.Snapshot && ++pr.snapshotTicks > this.snapshotTimeoutTicks) {
        this.log(`${this.id} gives up waiting for snapshot at ${id}, probing again`);
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** Leader only: whether `id` answered within the last election timeout (self always has). */
  isActive(id: NodeId): boolean {
    if (id === this.id) return true;
    const pr = this.trk.progress.get(id);
    return pr !== undefined && this.leaderTicks - pr.lastActive < this.electionTimeout;
  }

  /** Whether this node may campaign: a voter with no snapshot pending. */
  promotable(): boolean {
    return this.trk.isVoter(this.id) && !this.raftLog.unstable.snapshot;
  }

  // ---- Elections -----------------------------------------------------------------------------------

  /** Starts an election (after a pre-vote round unless `transfer`), if this node may. */
  hup(transfer: boolean): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) {
      this.log(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.log(
        `${this.id} cannot campaign at term ${this.term}: unapplied configuration changes are pending`,
      );
      return;
    }
    this.campaign(transfer ? 'transfer' : this.preVote ? 'pre-election' : 'election');
  }

  private hasUnappliedConfChanges(): boolean {
    const { applied, committed } = this.raftLog;
    if (applied >= committed) return false;
    return this.raftLog
      .slice(applied + 1, committed + 1, Number.MAX_SAFE_INTEGER)
      .some((e) => e.type === EntryType.ConfChange);
  }

  /** Figure 2, candidate: increment the term, vote for self, request votes from every other voter. */
  campaign(type: CampaignType): void {
    let voteType: MessageType;
    let term: number;
    if (type === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      if (type === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const index = this.raftLog.lastIndex();
    const logTerm = this.raftLog.lastTerm();
    for (const id of this.trk.voters) {
      if (id === this.id) continue;
      this.send(message({ type: voteType, to: id, term, index, logTerm, transfer: type === 'transfer' }));
    }
  }

  poll(id: NodeId, granted: boolean): VoteResult {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes();
  }

  // ---- Input ---------------------------------------------------------------------------------------

  /** Handles one message. Throws ProposalDroppedError for a local proposal that cannot be accepted. */
  step(m: Message): void {
    if (m.term === 0) {
      // Local or forwarded request.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const inLease = this.checkQuorum && this.lead !== None && this.electionElapsed < this.electionTimeout;
        // Ignore a disruptive candidate while we hear from a leader (unless the leader asked for it).
        if (!m.transfer && inLease) return;
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote does not change our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // Granted pre-votes carry the future term; ours changes only when the election starts.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        // Figure 2, all servers: a higher term makes us a follower.
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      // Figure 2, receivers: reply false if term < currentTerm, with our term, so a stale leader steps down and
      // a stale candidate catches up on terms. (A member behind on the configuration may not know the
      // candidate that could bring it up to date: only this answer lets that candidate win.)
      if (m.type === MessageType.Heartbeat || m.type === MessageType.App) {
        this.send(message({ type: MessageType.AppResp, to: m.from }));
      } else if (m.type === MessageType.PreVote || m.type === MessageType.Vote) {
        this.send(message({ type: voteRespType(m.type), to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return;
    }
    this.stepFn(this, m);
  }

  /** Figure 2, RequestVote receiver: grant if not voted for another and the candidate is up to date. */
  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === None && this.lead === None) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      this.send(message({ type: voteRespType(m.type), to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: voteRespType(m.type), to: m.from, term: this.term, reject: true }));
    }
  }

  /** Figure 2, AppendEntries receiver (steps 2-5). */
  handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }));
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    // Reject, with a hint that lets the leader skip a whole term of mismatching entries.
    const [hintIndex, hintTerm] = this.raftLog.findConflictByTerm(
      Math.min(m.index, this.raftLog.lastIndex()),
      m.logTerm,
    );
    this.send(
      message({
        type: MessageType.AppResp,
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: hintIndex,
        logTerm: hintTerm,
      }),
    );
  }

  handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    this.send(message({ type: MessageType.HeartbeatResp, to: m.from, context: m.context }));
  }

  handleSnapshot(m: Message): void {
    const snap = m.snapshot!;
    if (this.restore(snap)) {
      this.log(`${this.id} restored snapshot [index ${snap.meta.index}, term ${snap.meta.term}]`);
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }));
    }
  }

  /** Installs a snapshot from the leader; false when it is stale or our log already has it. */
  restore(s: Snapshot): boolean {
    if (s.meta.index <= this.raftLog.committed) return false;
    if (this.state !== StateType.Follower) {
      // Defensive: a snapshot comes only from a leader of our term; never install it outside follower state.
      this.becomeFollower(this.term + 1, None);
      return false;
    }
    // The snapshot may predate our own addition (a learner catching up): the entries after it add us.
    if (this.raftLog.matchTerm(s.meta.index, s.meta.term)) {
      // Our log already has the snapshot's last entry: just fast-forward the commit index.
      this.raftLog.commitTo(s.meta.index);
      return false;
    }
    this.raftLog.restore(s);
    this.switchToConfig(s.meta.confState);
    return true;
  }

  // ---- Requests ------------------------------------------------------------------------------------

  appendEntry(es: Entry[]): void {
    let li = this.raftLog.lastIndex();
    for (const e of es) {
      e.term = this.term;
      e.index = ++li;
    }
    this.raftLog.append(es);
  }

  /** Leader: accepts a proposal (throws ProposalDroppedError when it cannot). */
  handleProposal(m: Message): void {
    if (m.entries.length === 0) throw new RaftError('INVARIANT', 'stepped empty proposal');
    if (!this.trk.progress.has(this.id))
      throw new ProposalDroppedError('this node was removed from the cluster');
    if (this.leadTransferee !== None)
      throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`);
    let confIndex = 0;
    for (let i = 0; i < m.entries.length; i++) {
      if (m.entries[i]!.type !== EntryType.ConfChange) continue;
      if (confIndex !== 0 || this.pendingConfIndex > this.raftLog.applied) {
        throw new ProposalDroppedError('another membership change is in progress; retry when it completes');
      }
      confIndex = this.raftLog.lastIndex() + i + 1;
    }
    if (confIndex !== 0) this.pendingConfIndex = confIndex;
    this.appendEntry(m.entries);
    this.bcastAppend();
  }

  /** Leader: serve a ReadIndex request once a heartbeat quorum confirms leadership. */
  handleReadIndex(m: Message): void {
    if (this.trk.voters.length === 1 && this.trk.isVoter(this.id)) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // The commit index may lag until the leader commits in its own term: serve later.
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.forEachPeer((id) => this.sendHeartbeat(id, m.context));
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === None || req.from === this.id) this.readStates.push({ index, context: req.context });
    else this.send(message({ type: MessageType.ReadIndexResp, to: req.from, index, context: req.context }));
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.handleReadIndex(m);
  }

  /** Leader: a heartbeat acknowledgement carrying a read context. */
  handleReadAck(m: Message): void {
    if (m.context.byteLength === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks || !this.trk.quorumOf((id) => acks.has(id))) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
  }

  /** Leader: hand leadership to `transferee` (from m.from) once it has our whole log. */
  handleTransferLeader(m: Message): void {
    const transferee = m.from;
    const pr = this.trk.progress.get(transferee);
    if (!pr || pr.isLearner) {
      this.log(`${this.id} ignores leadership transfer to ${transferee}: not a voter`);
      return;
    }
    if (this.leadTransferee !== None) {
      if (this.leadTransferee === transferee) return;
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) return;
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: MessageType.TimeoutNow, to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  /** The leader's own write reached the disk: count it toward commit. */
  onPersisted(index: number, term: number): void {
    if (this.state !== StateType.Leader || !this.raftLog.matchTerm(index, term)) return;
    const pr = this.trk.progress.get(this.id);
    if (!pr?.maybeUpdate(index)) return;
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.commitBroadcastPending = true;
    }
  }

  /**
   * Tells followers about a new commit index, once per round however many acknowledgements advanced it
   * (called by RawNode before it builds a Ready).
   */
  flushCommitBroadcast(): void {
    if (!this.commitBroadcastPending) return;
    this.commitBroadcastPending = false;
    if (this.state !== StateType.Leader) return;
    // New entries go out as usual; an empty append only to followers that do not know the commit index yet.
    const committed = this.raftLog.committed;
    this.forEachPeer((id) => this.maybeSendAppend(id, this.trk.progress.get(id)!.canBumpCommit(committed)));
  }

  reportUnreachable(id: NodeId): void {
    const pr = this.trk.progress.get(id);
    if (this.state === StateType.Leader && pr && pr.state === ProgressState.Replicate) pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.trk.progress.get(id);
    if (this.state !== StateType.Leader || !pr || pr.state !== ProgressState.Snapshot) return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for a heartbeat response before probing, so the follower has time to install the snapshot.
    pr.msgAppFlowPaused = true;
  }

  // ---- Membership ----------------------------------------------------------------------------------

  /** Applies a committed membership change (entry `index`). */
  applyConfChange(cc: ConfChange, index: number): void {
    const removed = this.trk.progress.get(cc.id);
    if (
      cc.type === ConfChangeType.Remove &&
      removed &&
      this.state === StateType.Leader &&
      cc.id !== this.id &&
      removed.match >= index
    ) {
      // Last word to the removed member, so it learns the removal committed.
      this.sendHeartbeat(cc.id, undefined);
    }
    this.switchToConfig(applyConfChange(this.confState(), cc));
  }

  /** Applies the membership of a committed ConfChange entry. */
  applyConfChangeEntry(e: Entry): void {
    this.applyConfChange(decodeConfChange(e.data), e.index);
  }

  switchToConfig(cs: ConfState): void {
    const c = cloneConfState(cs);
    const known = new Set(this.trk.progress.keys());
    this.trk.setConfig(c.voters, c.learners, this.raftLog.lastIndex() + 1, this.leaderTicks);
    this.addrs = c.addrs;
    this.isLearner = c.learners.includes(this.id);
    if (this.state !== StateType.Leader) return;
    if (!this.trk.progress.has(this.id) || this.isLearner) {
      // This leader was removed: hand over to the most up-to-date voter and step down.
      let best: NodeId = None;
      let bestMatch = -1;
      for (const id of this.trk.voters) {
        const pr = this.trk.progress.get(id)!;
        if (pr.match > bestMatch) [best, bestMatch] = [id, pr.match];
      }
      if (best !== None && bestMatch === this.raftLog.lastIndex()) this.sendTimeoutNow(best);
      this.becomeFollower(this.term, None);
      return;
    }
    if (this.leadTransferee !== None && !this.trk.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    if (this.maybeCommit()) this.bcastAppend();
    // Probe new members at once, so a learner starts catching up without waiting for a heartbeat.
    else this.forEachPeer((id) => this.maybeSendAppend(id, !known.has(id)));
  }
}

// ---- Step functions, one per role ------------------------------------------------------------------

function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Prop:
      r.handleProposal(m);
      return;
    case MessageType.ReadIndex:
      r.handleReadIndex(m);
      return;
    case MessageType.TransferLeader:
      r.handleTransferLeader(m);
      return;
  }
  const pr = r.trk.progress.get(m.from);
  if (!pr) return;
  switch (m.type) {
    case MessageType.AppResp: {
      pr.lastActive = r.leaderTicks;
      if (m.reject) {
        // Figure 2, leader: on an inconsistency, decrement nextIndex (fast: by a whole term) and retry.
        let nextProbe = m.rejectHint;
        if (m.logTerm > 0) nextProbe = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm)[0];
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === ProgressState.Replicate) pr.becomeProbe();
          r.sendAppend(m.from);
        }
        return;
      }
      const oldPaused = pr.isPaused();
      if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === ProgressState.Probe)) return;
      if (pr.state === ProgressState.Probe) {
        pr.becomeReplicate();
      } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= r.raftLog.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === ProgressState.Replicate) {
        pr.inflights.freeLE(m.index);
      }
      if (r.maybeCommit()) {
        r.releasePendingReadIndexMessages();
        r.commitBroadcastPending = true;
      } else if (oldPaused || pr.canBumpCommit(r.raftLog.committed)) {
        r.maybeSendAppend(m.from, pr.canBumpCommit(r.raftLog.committed));
      }
      // Pipelining: keep the window full.
      while (pr.state === ProgressState.Replicate && !pr.isPaused() && pr.next <= r.raftLog.lastIndex()) {
        const before = pr.next;
        r.sendAppend(m.from);
        if (pr.next === before) break;
      }
      if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) r.sendTimeoutNow(m.from);
      return;
    }
    case MessageType.HeartbeatResp:
      pr.lastActive = r.leaderTicks;
      pr.msgAppFlowPaused = false;
      if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.raftLog.lastIndex()) r.sendAppend(m.from);
      r.handleReadAck(m);
      return;
  }
}

/** Shared by candidates and pre-candidates. */
function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp = r.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
  switch (m.type) {
    case MessageType.Prop:
      throw new ProposalDroppedError('no leader (election in progress)');
    case MessageType.App:
      r.becomeFollower(m.term, m.from);
      r.handleAppendEntries(m);
      return;
    case MessageType.Heartbeat:
      r.becomeFollower(m.term, m.from);
      r.handleHeartbeat(m);
      return;
    case MessageType.Snap:
      r.becomeFollower(m.term, m.from);
      r.handleSnapshot(m);
      return;
    case myVoteResp: {
      const res = r.poll(m.from, !m.reject);
      if (res === VoteResult.Won) {
        if (r.state === StateType.PreCandidate) r.campaign('election');
        else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (res === VoteResult.Lost) {
        // A rejected pre-vote carries the voter's term; a rejected vote left ours unchanged.
        r.becomeFollower(r.term, None);
      }
      return;
    }
  }
}

function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Prop:
      if (r.lead === None) throw new ProposalDroppedError('no leader');
      m.to = r.lead;
      r.send(m);
      return;
    case MessageType.App:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleAppendEntries(m);
      return;
    case MessageType.Heartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleHeartbeat(m);
      return;
    case MessageType.Snap:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleSnapshot(m);
      return;
    case MessageType.TransferLeader:
    case MessageType.ReadIndex:
      if (r.lead === None) {
        if (m.type === MessageType.ReadIndex && m.from === r.id) throw new ProposalDroppedError('no leader');
        return;
      }
      m.to = r.lead;
      r.send(m);
      return;
    case MessageType.TimeoutNow:
      // The leader asked us to take over: campaign now, without pre-vote.
      r.hup(true);
      return;
    case MessageType.ReadIndexResp:
      r.readStates.push({ index: m.index, context: m.context });
      return;
  }
}
