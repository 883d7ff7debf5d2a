/**
 * @module RaftNode: a member of the managers' replicated log, ready to use. It wraps a Replica (the pure core,
 * the WAL, snapshots and the state machine) with a clock, a Transport and promises, and runs membership
 * changes (learner first, voter once caught up) and leadership transfers.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type ConfChange, ConfChangeType } from './confchange/confchange.js';
import {
  MembershipError,
  NotLeaderError,
  ProposalDroppedError,
  RaftError,
  StoppedError,
  TimeoutError,
} from './errors.js';
import { type Completion, Replica, type StateMachine } from './replica.js';
import { resolveTiming, type Timing, type TimingOption } from './timing.js';
import type { Transport } from './transport/transport.js';
import type { ConfState, Message, NodeId } from './types.js';
import { StateType } from './types.js';
import { type Disk, NodeDisk } from './wal/disk.js';
import type { Codec } from './wal/wal.js';

export type { StateMachine } from './replica.js';
export type { TimingOption } from './timing.js';

/** Options of RaftNode.open. */
export interface RaftNodeOptions {
  /** This member's id (the swarm node id). */
  id: NodeId;
  /** Where the WAL (`wal/`) and snapshots (`snap/`) live. */
  dataDir: string;
  transport: Transport;
  stateMachine: StateMachine;
  /** A new cluster (swarm init: one member). Omit to restart from disk, or to join (empty dataDir). */
  bootstrap?: { members: { id: NodeId; addr: string }[] };
  /** 'lab' (election ~1 s), 'swarm' (tick 1 s, election 10 ticks) or explicit ticks. Default 'lab'. */
  timing?: TimingOption;
  /** Snapshot and compact every this many applied entries. Default 10,000. */
  snapshotInterval?: number;
  /** Entries kept behind a snapshot for followers that lag a little (others get the snapshot). Default 500. */
  catchUpEntries?: number;
  /** Encryption at rest of WAL payloads and snapshots. */
  codec?: Codec;
  logger?: (line: string) => void;
  /** The file system (tests may inject one). Default: the real one. */
  disk?: Disk;
  /** Upper bound on the entry bytes of one append message. Default 1 MiB. */
  maxSizePerMsg?: number;
  /** Upper bound on append messages in flight to one follower. Default 256. */
  maxInflightMsgs?: number;
}

/** A member as seen in status(). `matchIndex` is known on the leader only. */
export interface MemberStatus {
  id: NodeId;
  addr: string;
  voter: boolean;
  reachable: boolean;
  matchIndex?: number;
}

/** The roles a member can be in. */
export type Role = 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner';

/** What status() reports. */
export interface NodeStatus {
  id: NodeId;
  term: number;
  role: Role;
  leaderId?: NodeId;
  leaderAddr?: string;
  commitIndex: number;
  appliedIndex: number;
  /** Leader: a majority of voters answered within an election timeout. Others: a leader was heard within one. */
  hasQuorum: boolean;
  members: MemberStatus[];
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

/**
 * RaftNode: see the module comment. Events: 'status' (NodeStatus) on leader, role, membership or quorum
 * changes; 'fatal' (Error) when the node stopped because its disk failed.
 */
export class RaftNode extends EventEmitter {
  readonly id: NodeId;
  private readonly replica: Replica;
  private readonly transport: Transport;
  private readonly timing: Timing;
  private readonly log: (line: string) => void;
  private readonly ticker: NodeJS.Timeout;
  private readonly waiters = new Set<Waiter>();
  private readonly ctxPrefix: string;
  private nextCtx = 0;
  private scheduled = false;
  private stopped = false;
  private lastStatus = '';
  private membership: Promise<unknown> = Promise.resolve();
  private peers = new Map<NodeId, string>();

  private constructor(opts: RaftNodeOptions, timing: Timing, replica: Replica) {
    super();
    this.id = opts.id;
    this.transport = opts.transport;
    this.timing = timing;
    this.replica = replica;
    this.log = opts.logger ?? (() => {});
    this.ctxPrefix = `${opts.id}/${randomBytes(6).toString('hex')}/`;
    this.syncPeers(replica.confState());
    this.transport.start((msg: Message) => this.onMessage(msg), {
      unreachable: (peer) => {
        this.replica.reportUnreachable(peer);
        this.schedule();
      },
      snapshotStatus: (peer, ok) => {
        this.replica.reportSnapshot(peer, ok);
        this.schedule();
      },
    });
    this.ticker = setInterval(() => {
      this.replica.tick();
      this.schedule();
    }, timing.tickMs);
    this.schedule();
  }

  /** Opens the member: recovers from `dataDir`, bootstraps a new cluster, or waits to be added to one. */
  static async open(opts: RaftNodeOptions): Promise<RaftNode> {
    const timing = resolveTiming(opts.timing);
    let node: RaftNode | undefined;
    const replica = Replica.open({
      id: opts.id,
      disk: opts.disk ?? new NodeDisk(),
      dataDir: opts.dataDir,
      stateMachine: opts.stateMachine,
      send: (m) => opts.transport.send(m.to, m),
      flush: () => opts.transport.flush?.(),
      random: Math.random,
      electionTick: timing.electionTicks,
      heartbeatTick: timing.heartbeatTicks,
      bootstrap: opts.bootstrap,
      snapshotInterval: opts.snapshotInterval,
      catchUpEntries: opts.catchUpEntries,
      codec: opts.codec,
      logger: opts.logger,
      events: { confChanged: (cs) => node?.syncPeers(cs) },
      tuning: { maxSizePerMsg: opts.maxSizePerMsg, maxInflightMsgs: opts.maxInflightMsgs },
    });
    node = new RaftNode(opts, timing, replica);
    return node;
  }

  // ---- Driving the replica -------------------------------------------------------------------------

  private onMessage(msg: Message): void {
    if (this.stopped) return;
    this.replica.step(msg);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    try {
      this.replica.process();
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const w of this.waiters) {
      if (w.check()) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve();
      }
    }
    this.emitStatusIfChanged();
  }

  private fail(err: Error): void {
    this.log(`raft: ${this.id} stopped on a fatal error: ${err.stack ?? err.message}`);
    void this.shutdown(err);
    this.emit('fatal', err);
  }

  private syncPeers(cs: ConfState): void {
    const next = new Map<NodeId, string>();
    for (const id of [...cs.voters, ...cs.learners])
      if (id !== this.id && cs.addrs[id]) next.set(id, cs.addrs[id]!);
    for (const [id, addr] of next) if (this.peers.get(id) !== addr) this.transport.setPeer(id, addr);
    for (const id of this.peers.keys()) if (!next.has(id)) this.transport.removePeer(id);
    this.peers = next;
  }

  private emitStatusIfChanged(): void {
    const s = this.status();
    const digest = JSON.stringify([
      s.role,
      s.leaderId,
      s.hasQuorum,
      s.members.map((m) => [m.id, m.addr, m.voter]),
    ]);
    if (digest === this.lastStatus) return;
    this.lastStatus = digest;
    this.emit('status', s);
  }

  /** Resolves when `check` holds after a processing round, rejects with TimeoutError after `ms`. */
  private waitFor(what: string, ms: number, check: () => boolean): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new TimeoutError(what));
        }, ms),
      };
      this.waiters.add(w);
    });
  }

  private get electionMs(): number {
    return this.timing.tickMs * this.timing.electionTicks;
  }

  // ---- Requests ------------------------------------------------------------------------------------

  /**
   * Replicates `data`; resolves once it is committed and applied here. Rejects with NotLeaderError on a
   * follower, ProposalDroppedError when leadership was lost first (check `ambiguous`), StoppedError on stop.
   */
  propose(data: Uint8Array): Promise<{ index: number }> {
    if (this.stopped) return Promise.reject(new StoppedError());
    return new Promise((resolve, reject) => {
      try {
        this.replica.propose(data, { resolve: (index) => resolve({ index }), reject });
        this.schedule();
      } catch (err) {
        reject(err);
      }
    });
  }

  /**
   * Linearizable read barrier: resolves once this member has applied everything committed before the call,
   * so a read of the local state machine that follows sees every write acknowledged before it.
   */
  readIndex(): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    const deadline = Date.now() + Math.max(2 * this.electionMs, 2000);
    return new Promise((resolve, reject) => {
      let settled = false;
      let ctx: Uint8Array | undefined;
      let retry: NodeJS.Timeout | undefined;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (retry) clearTimeout(retry);
        if (ctx) this.replica.cancelRead(ctx);
        if (err) reject(err);
        else resolve();
      };
      const attempt = (): void => {
        if (settled) return;
        if (this.stopped || Date.now() > deadline) {
          finish(this.stopped ? new StoppedError() : new TimeoutError('read index'));
          return;
        }
        if (ctx) this.replica.cancelRead(ctx);
        const mine = new TextEncoder().encode(`${this.ctxPrefix}${this.nextCtx++}`);
        ctx = mine;
        const done: Completion<void> = {
          resolve: () => ctx === mine && finish(),
          reject: (err) => {
            if (ctx !== mine) return;
            if (err instanceof NotLeaderError || err instanceof ProposalDroppedError) {
              // No leader right now: ask again shortly.
              if (retry) clearTimeout(retry);
              retry = setTimeout(attempt, Math.min(50, this.timing.tickMs));
            } else finish(err);
          },
        };
        this.replica.readIndex(mine, done);
        this.schedule();
        // The request or its answer may be lost (leader change): ask again after an election timeout.
        if (retry) clearTimeout(retry);
        retry = setTimeout(attempt, this.electionMs);
      };
      attempt();
    });
  }

  /** Runs membership changes one at a time, in call order. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.membership.then(fn, fn);
    this.membership = run.catch(() => {});
    return run;
  }

  private requireLeader(): void {
    if (this.stopped) throw new StoppedError();
    if (!this.replica.isLeader()) throw this.replica.notLeader();
  }

  /** Proposes a membership change and waits until it is applied here; retries while another is in progress. */
  private async changeMembership(cc: ConfChange): Promise<void> {
    const deadline = Date.now() + Math.max(10 * this.electionMs, 10_000);
    for (;;) {
      this.requireLeader();
      try {
        await new Promise<number>((resolve, reject) => {
          this.replica.proposeConfChange(cc, { resolve, reject });
          this.schedule();
        });
        return;
      } catch (err) {
        const retryable =
          err instanceof ProposalDroppedError &&
          !err.ambiguous &&
          /membership change is in progress/.test(err.message);
        if (!retryable || Date.now() > deadline) throw err;
        await delay(Math.min(50, this.timing.tickMs));
      }
    }
  }

  /**
   * Adds a manager: as a non-voting learner first, promoted to voter once it has caught up with the log.
   * Leader only. Resolves when the member is a voter. Adding a current voter again changes nothing.
   */
  addMember(id: NodeId, addr: string): Promise<void> {
    return this.serialize(async () => {
      this.requireLeader();
      if (!id || !addr) throw new MembershipError('addMember needs a member id and an address (host:port)');
      let cs = this.replica.confState();
      if (cs.voters.includes(id)) return;
      if (!cs.learners.includes(id) || cs.addrs[id] !== addr)
        await this.changeMembership({ type: ConfChangeType.AddLearner, id, addr });
      const target = this.replica.status().commit;
      const catchUpMs = Math.max(20 * this.electionMs, 30_000);
      await this.waitFor(
        `catching up new manager ${id} (it stays a non-voting learner; remove it or retry)`,
        catchUpMs,
        () => {
          const s = this.replica.status();
          if (s.state !== StateType.Leader) return true; // fails below with NotLeaderError
          const pr = s.progress.get(id);
          return pr !== undefined && pr.match >= target && pr.state === 'replicate';
        },
      );
      cs = this.replica.confState();
      await this.changeMembership({ type: ConfChangeType.AddVoter, id, addr: cs.addrs[id] ?? addr });
    });
  }

  /** Removes a manager. Leader only. Removing the leader itself first hands leadership to another voter. */
  removeMember(id: NodeId): Promise<void> {
    return this.serialize(async () => {
      this.requireLeader();
      const cs = this.replica.confState();
      const isMember = cs.voters.includes(id) || cs.learners.includes(id);
      if (!isMember) throw new MembershipError(`${id} is not a member of the cluster`);
      if (cs.voters.length === 1 && cs.voters[0] === id) {
        throw new MembershipError(`${id} is the last voting manager; it cannot be removed`);
      }
      if (id !== this.id) {
        await this.changeMembership({ type: ConfChangeType.Remove, id, addr: '' });
        return;
      }
      await this.transfer(undefined);
      // Now a follower: the new leader takes the removal; we know it is done once we apply it.
      const removed = (): boolean => {
        const now = this.replica.confState();
        return !now.voters.includes(this.id) && !now.learners.includes(this.id);
      };
      const deadline = Date.now() + Math.max(10 * this.electionMs, 10_000);
      while (!removed()) {
        if (this.stopped) throw new StoppedError();
        if (Date.now() > deadline) throw new TimeoutError(`removing ${id} (the removal may still complete)`);
        this.replica.forwardConfChange({ type: ConfChangeType.Remove, id, addr: '' });
        this.schedule();
        await this.waitFor('removal', this.electionMs, removed).catch(() => {});
      }
    });
  }

  /** Hands leadership to `to` (default: the most up-to-date other voter). Leader only. */
  transferLeadership(to?: NodeId): Promise<void> {
    return this.serialize(() => this.transfer(to));
  }

  private async transfer(to: NodeId | undefined): Promise<void> {
    this.requireLeader();
    const s = this.replica.status();
    const cs = this.replica.confState();
    let target = to;
    if (target === undefined) {
      let best = -1;
      for (const id of cs.voters) {
        const pr = s.progress.get(id);
        if (id !== this.id && pr && pr.match > best) [target, best] = [id, pr.match];
      }
    }
    if (target === undefined)
      throw new MembershipError('there is no other voting manager to transfer leadership to');
    if (target === this.id) return;
    if (!cs.voters.includes(target)) throw new MembershipError(`${target} is not a voting member`);
    const want = target;
    for (let attempt = 0; ; attempt++) {
      this.replica.transferLeader(want);
      this.schedule();
      try {
        await this.waitFor(
          `leadership transfer to ${want}`,
          2 * this.electionMs,
          () => this.replica.leader() === want,
        );
        return;
      } catch (err) {
        if (!(err instanceof TimeoutError) || attempt >= 2 || !this.replica.isLeader()) throw err;
      }
    }
  }

  // ---- Observation ---------------------------------------------------------------------------------

  status(): NodeStatus {
    const s = this.replica.status();
    const cs = this.replica.confState();
    const leader = s.state === StateType.Leader;
    let role: Role;
    if (leader) role = 'leader';
    else if (s.state === StateType.Candidate) role = 'candidate';
    else if (s.state === StateType.PreCandidate) role = 'pre-candidate';
    else role = s.isLearner ? 'learner' : 'follower';
    const member = (id: NodeId, voter: boolean): MemberStatus => {
      const pr = s.progress.get(id);
      const reachable =
        id === this.id ||
        (leader ? (pr?.active ?? false) : (this.transport.reachable?.(id) ?? id === s.lead));
      const m: MemberStatus = { id, addr: cs.addrs[id] ?? '', voter, reachable };
      if (leader && pr) m.matchIndex = pr.match;
      return m;
    };
    const out: NodeStatus = {
      id: this.id,
      term: s.term,
      role,
      commitIndex: s.commit,
      appliedIndex: this.replica.applied,
      hasQuorum: s.hasQuorum,
      members: [...cs.voters.map((id) => member(id, true)), ...cs.learners.map((id) => member(id, false))],
    };
    if (s.lead) {
      out.leaderId = s.lead;
      if (cs.addrs[s.lead]) out.leaderAddr = cs.addrs[s.lead];
    }
    return out;
  }

  /** Stops the member: timers, transport and WAL are closed; pending requests fail with StoppedError. */
  async stop(): Promise<void> {
    await this.shutdown(new StoppedError());
  }

  private async shutdown(err: Error): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err instanceof RaftError ? err : new StoppedError());
    }
    this.waiters.clear();
    this.replica.close(err instanceof RaftError ? err : new StoppedError());
    await this.transport.close();
  }
}
