/**
 * @module Replica: one member's synchronous host around RawNode. It owns the WAL, the snapshot files, the
 * in-memory stable log and the state machine, and tracks proposals and reads until applied. It has no clock
 * and no sockets: RaftNode (node.ts) drives it with timers and a transport, the simulator with virtual ones.
 */
import type { ConfChange } from './confchange/confchange.js';
import { NotLeaderError, ProposalDroppedError, RaftError } from './errors.js';
import type { RaftConfig } from './raft.js';
import { type RaftStatus, RawNode, type Ready, sendableBeforePersist } from './raw-node.js';
import { Snapshotter } from './snapshot/snapshotter.js';
import { MemoryStorage } from './storage.js';
import type { ConfState, Entry, HardState, Message, NodeId, Snapshot, SoftState } from './types.js';
import { EntryType, StateType } from './types.js';
import { type Disk, pathJoin } from './wal/disk.js';
import { type Codec, Wal } from './wal/wal.js';

/** The application's replicated state. Calls are synchronous and never concurrent. */
export interface StateMachine {
  /** Applies a committed normal entry: in index order, each exactly once per (re)start after the snapshot. */
  apply(entry: { index: number; term: number; data: Uint8Array }): void;
  /** Serializes the whole state (for compaction and for followers that are too far behind). */
  snapshot(): Uint8Array;
  /** Replaces the whole state by a snapshot (from disk at start, or from the leader). */
  restore(data: Uint8Array, meta: { index: number; term: number }): void;
}

/** Callbacks of a request: exactly one of them runs, once. */
export interface Completion<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** Things a Replica reports to its driver. */
export interface ReplicaEvents {
  /** The applied configuration changed (addresses included). */
  confChanged?(cs: ConfState): void;
  /** Leader or role changed. */
  softStateChanged?(s: SoftState): void;
}

/** Options for Replica.open. */
export interface ReplicaOptions {
  id: NodeId;
  disk: Disk;
  dataDir: string;
  stateMachine: StateMachine;
  /** Sends a message to another member (never blocks; may drop). */
  send: (m: Message) => void;
  /** Pushes out what send() queued; called before the disk write so network and disk overlap. */
  flush?: () => void;
  /** Uniform random in [0, 1), for election timeouts. */
  random: () => number;
  electionTick: number;
  heartbeatTick: number;
  /** A new cluster: used only when the data directory holds no state yet. */
  bootstrap?: { members: { id: NodeId; addr: string }[] };
  /** Take a snapshot and compact the log every this many applied entries. Default 10,000. */
  snapshotInterval?: number;
  /** Entries kept in memory behind a snapshot, so a slightly slow follower needs no snapshot. Default 500. */
  catchUpEntries?: number;
  codec?: Codec;
  logger?: (line: string) => void;
  events?: ReplicaEvents;
  /** Overrides of the core's flow-control settings. */
  tuning?: Pick<
    RaftConfig,
    | 'maxSizePerMsg'
    | 'maxInflightMsgs'
    | 'maxInflightBytes'
    | 'snapshotTimeoutTicks'
    | 'checkQuorum'
    | 'preVote'
  >;
}

interface PendingProposal {
  term: number;
  done: Completion<number>;
}

interface QueuedProposal {
  data: Uint8Array;
  type: EntryType;
  done: Completion<number>;
}

interface PendingRead {
  index: number;
  done: Completion<void>;
}

function ctxKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString('latin1');
}

/** Replica: see the module comment. All methods are synchronous; call process() after any input. */
export class Replica {
  readonly id: NodeId;
  readonly raw: RawNode;
  readonly storage: MemoryStorage;
  /** The index of the last entry applied to the state machine (or restored from a snapshot). */
  applied: number;
  private readonly wal: Wal;
  private readonly snapshotter: Snapshotter;
  private readonly sm: StateMachine;
  private readonly sendFn: (m: Message) => void;
  private readonly flushFn: () => void;
  private readonly log: (line: string) => void;
  private readonly events: ReplicaEvents;
  private readonly snapshotInterval: number;
  private readonly catchUpEntries: number;
  private snapshotIndex: number;
  private queued: QueuedProposal[] = [];
  private readonly pending = new Map<number, PendingProposal>();
  private readonly readsAwaitingIndex = new Map<string, Completion<void>>();
  private readsAwaitingApply: PendingRead[] = [];
  private closed = false;

  private constructor(
    opts: ReplicaOptions,
    wal: Wal,
    snapshotter: Snapshotter,
    storage: MemoryStorage,
    raw: RawNode,
    snapshotIndex: number,
  ) {
    this.id = opts.id;
    this.wal = wal;
    this.snapshotter = snapshotter;
    this.storage = storage;
    this.raw = raw;
    this.sm = opts.stateMachine;
    this.sendFn = opts.send;
    this.flushFn = opts.flush ?? (() => {});
    this.log = opts.logger ?? (() => {});
    this.events = opts.events ?? {};
    this.snapshotInterval = opts.snapshotInterval ?? 10_000;
    this.catchUpEntries = opts.catchUpEntries ?? 500;
    this.snapshotIndex = snapshotIndex;
    this.applied = snapshotIndex;
  }

  /** Recovers the member from `dataDir` (or bootstraps it), restoring the state machine from the last snapshot. */
  static open(opts: ReplicaOptions): Replica {
    const { disk, dataDir, codec, logger } = opts;
    if (opts.bootstrap && !opts.bootstrap.members.some((m) => m.id === opts.id)) {
      throw new RaftError('BOOTSTRAP', `the bootstrap members must include this member (${opts.id})`);
    }
    disk.mkdirp(dataDir);
    const { wal, contents } = Wal.open(disk, pathJoin(dataDir, 'wal'), { codec, logger });
    const snapshotter = new Snapshotter(disk, pathJoin(dataDir, 'snap'), codec);
    const storage = new MemoryStorage();
    const { index, term } = contents.snapshot;
    if (index > 0) {
      const snap = snapshotter.load(index, term);
      storage.applySnapshot(snap);
      opts.stateMachine.restore(snap.data, { index, term });
    }
    snapshotter.prune(index);
    storage.append(contents.entries);
    storage.setHardState(contents.hardState);
    const raw = new RawNode({
      id: opts.id,
      electionTick: opts.electionTick,
      heartbeatTick: opts.heartbeatTick,
      storage,
      applied: index,
      random: opts.random,
      logger: logger ? (line) => logger(`raft: ${line}`) : undefined,
      ...opts.tuning,
    });
    const fresh = index === 0 && contents.entries.length === 0 && contents.hardState.term === 0;
    if (fresh && opts.bootstrap) raw.bootstrap(opts.bootstrap.members);
    else if (!fresh && opts.bootstrap)
      logger?.('raft: data directory holds state already; ignoring bootstrap');
    const replica = new Replica(opts, wal, snapshotter, storage, raw, index);
    logger?.(
      `raft: opened ${opts.id}: snapshot ${index}, ${contents.entries.length} log entries, term ${contents.hardState.term}, commit ${contents.hardState.commit}`,
    );
    return replica;
  }

  // ---- Input ---------------------------------------------------------------------------------------

  tick(): void {
    this.raw.tick();
  }

  step(m: Message): void {
    if (this.closed) return;
    this.raw.step(m);
  }

  isLeader(): boolean {
    return this.raw.raft.state === StateType.Leader;
  }

  /** The current leader's id and address, for NotLeaderError. */
  notLeader(): NotLeaderError {
    const lead = this.raw.raft.lead;
    return new NotLeaderError(lead || undefined, lead ? this.raw.raft.addrs[lead] : undefined);
  }

  /**
   * Queues a proposal (batched with others at the next process()). Throws NotLeaderError on a non-leader.
   * `done` resolves with the entry's index once it is applied here.
   */
  propose(data: Uint8Array, done: Completion<number>): void {
    if (!this.isLeader()) throw this.notLeader();
    if (data.byteLength === 0) throw new RaftError('INVALID', 'cannot propose empty data');
    this.queued.push({ data, type: EntryType.Normal, done });
  }

  /** Proposes a membership change; resolves once applied here. */
  proposeConfChange(cc: ConfChange, done: Completion<number>): void {
    if (!this.isLeader()) throw this.notLeader();
    this.flushProposals();
    const index = this.raw.proposeConfChange(cc);
    this.pending.set(index, { term: this.raw.raft.term, done });
  }

  /** Forwards a membership change to the leader (used when removing ourselves after a transfer). */
  forwardConfChange(cc: ConfChange): boolean {
    try {
      this.raw.proposeConfChange(cc);
      return true;
    } catch (err) {
      if (err instanceof ProposalDroppedError) return false;
      throw err;
    }
  }

  /** Asks for a linearizable read point; `done` resolves once applied reaches it. `ctx` must be unique. */
  readIndex(ctx: Uint8Array, done: Completion<void>): void {
    if (!this.raw.readIndex(ctx)) {
      done.reject(this.notLeader());
      return;
    }
    this.readsAwaitingIndex.set(ctxKey(ctx), done);
  }

  /** Forgets a read (its caller gave up). */
  cancelRead(ctx: Uint8Array): void {
    this.readsAwaitingIndex.delete(ctxKey(ctx));
  }

  transferLeader(to: NodeId): void {
    this.raw.transferLeader(to);
  }

  reportUnreachable(id: NodeId): void {
    this.raw.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raw.reportSnapshot(id, ok);
  }

  private flushProposals(): void {
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    if (!this.isLeader()) {
      const err = this.notLeader();
      for (const p of batch) p.done.reject(err);
      return;
    }
    let first: number;
    try {
      first = this.raw.propose(
        batch.map((p) => p.data),
        EntryType.Normal,
      );
    } catch (err) {
      for (const p of batch) p.done.reject(err as Error);
      return;
    }
    const term = this.raw.raft.term;
    batch.forEach((p, i) => {
      this.pending.set(first + i, { term, done: p.done });
    });
  }

  // ---- Ready handling ------------------------------------------------------------------------------

  /** Does all pending work: batches proposals, then persists, sends and applies until nothing is ready. */
  process(): void {
    if (this.closed) return;
    this.flushProposals();
    while (this.raw.hasReady()) this.handleReady(this.raw.ready());
    if (this.raw.campaignIfSoleVoter()) while (this.raw.hasReady()) this.handleReady(this.raw.ready());
  }

  private handleReady(rd: Ready): void {
    const later: Message[] = [];
    // The leader's appends leave before its own write: the disk and the followers work in parallel.
    let early = 0;
    for (const m of rd.messages) {
      if (sendableBeforePersist(m)) {
        this.sendFn(m);
        early++;
      } else later.push(m);
    }
    if (early > 0) this.flushFn();
    if (rd.snapshot) this.installSnapshot(rd.snapshot, rd.hardState);
    if (rd.entries.length > 0 || rd.hardState) this.wal.save(rd.hardState, rd.entries);
    if (rd.mustSync) this.wal.sync();
    this.storage.append(rd.entries);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    for (const m of later) this.sendFn(m);
    let confChanged = rd.snapshot !== undefined;
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.Normal && e.data.byteLength > 0) {
        this.sm.apply({ index: e.index, term: e.term, data: e.data });
      } else if (e.type === EntryType.ConfChange) {
        confChanged = true;
      }
      this.applied = e.index;
      this.settle(e);
    }
    for (const rs of rd.readStates) {
      const key = ctxKey(rs.context);
      const done = this.readsAwaitingIndex.get(key);
      if (!done) continue;
      this.readsAwaitingIndex.delete(key);
      this.readsAwaitingApply.push({ index: rs.index, done });
    }
    this.raw.advance(rd);
    if (rd.softState) this.onSoftState(rd.softState);
    if (confChanged) this.events.confChanged?.(this.raw.confState());
    this.releaseReads();
    if (this.applied - this.snapshotIndex >= this.snapshotInterval) this.takeSnapshot();
  }

  /** Resolves the proposal at `e.index`, or rejects it if another leader's entry took its place. */
  private settle(e: Entry): void {
    const p = this.pending.get(e.index);
    if (!p) return;
    this.pending.delete(e.index);
    if (p.term === e.term) p.done.resolve(e.index);
    else p.done.reject(new ProposalDroppedError('a new leader replaced the entry before it committed'));
  }

  private releaseReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const still: PendingRead[] = [];
    for (const r of this.readsAwaitingApply) {
      if (r.index <= this.applied) r.done.resolve();
      else still.push(r);
    }
    this.readsAwaitingApply = still;
  }

  private onSoftState(s: SoftState): void {
    if (s.state !== StateType.Leader && this.pending.size > 0) {
      const commit = this.raw.raft.raftLog.committed;
      for (const [index, p] of this.pending) {
        if (index <= commit) continue; // committed: it will be applied (and resolved or rejected by term)
        this.pending.delete(index);
        p.done.reject(
          new ProposalDroppedError(
            'leadership was lost before the entry committed; it may still commit',
            true,
          ),
        );
      }
    }
    this.events.softStateChanged?.(s);
  }

  private installSnapshot(snap: Snapshot, hs: HardState | undefined): void {
    this.snapshotter.save(snap);
    const base = hs ?? this.storage.initialState().hardState;
    this.wal.cut(snap.meta, { ...base, commit: Math.max(base.commit, snap.meta.index) }, []);
    this.storage.applySnapshot(snap);
    this.sm.restore(snap.data, { index: snap.meta.index, term: snap.meta.term });
    this.snapshotter.prune(snap.meta.index);
    this.snapshotIndex = snap.meta.index;
    this.applied = snap.meta.index;
    // Proposals the snapshot covers will not be applied one by one: whether they made it is unknown here.
    for (const [index, p] of this.pending) {
      if (index > snap.meta.index) continue;
      this.pending.delete(index);
      p.done.reject(
        new ProposalDroppedError(
          'a snapshot from the leader replaced the log; the entry may have committed',
          true,
        ),
      );
    }
    this.log(`raft: ${this.id} installed snapshot at index ${snap.meta.index}, term ${snap.meta.term}`);
  }

  /** Snapshots the state machine at the applied index, starts a fresh WAL segment and compacts the log. */
  takeSnapshot(): void {
    const index = this.applied;
    if (index <= this.snapshotIndex) return;
    const snap = this.storage.createSnapshot(index, this.raw.confState(), this.sm.snapshot());
    this.snapshotter.save(snap);
    const retained =
      index < this.storage.lastIndex()
        ? this.storage.entries(index + 1, this.storage.lastIndex() + 1, Number.MAX_SAFE_INTEGER)
        : [];
    this.wal.cut(snap.meta, this.storage.initialState().hardState, retained);
    this.snapshotter.prune(index);
    this.storage.compact(Math.max(index - this.catchUpEntries, this.storage.firstIndex() - 1));
    this.snapshotIndex = index;
    this.log(`raft: ${this.id} took snapshot at index ${index}; log compacted`);
  }

  // ---- Observation ---------------------------------------------------------------------------------

  status(): RaftStatus {
    return this.raw.status();
  }

  confState(): ConfState {
    return this.raw.confState();
  }

  leader(): NodeId {
    return this.raw.raft.lead;
  }

  /** Stops: pending requests fail with `err`; the WAL is closed. */
  close(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queued) p.done.reject(err);
    for (const p of this.pending.values()) p.done.reject(err);
    for (const done of this.readsAwaitingIndex.values()) done.reject(err);
    for (const r of this.readsAwaitingApply) r.done.reject(err);
    this.queued = [];
    this.pending.clear();
    this.readsAwaitingIndex.clear();
    this.readsAwaitingApply = [];
    this.wal.close();
  }
}
