/**
 * @module The deterministic simulator: N Replicas in one process, with a seeded virtual clock, network and
 * disks. The network drops, duplicates, delays, reorders and partitions; disks lose unsynced writes and tear
 * their last record when a node crashes. Clients run a key-value workload. After every step the Raft safety
 * properties are checked; at the end the clients' history is checked for linearizability.
 */
import { decodeMessage, encodeMessage } from '../codec/message-codec.js';
import { type ConfChange, ConfChangeType } from '../confchange/confchange.js';
import { ProposalDroppedError } from '../errors.js';
import { Replica } from '../replica.js';
import type { Message, NodeId } from '../types.js';
import { MessageType, StateType } from '../types.js';
import type { Codec } from '../wal/wal.js';
import { EventQueue } from './event-queue.js';
import { InvariantChecker, InvariantViolation } from './invariants.js';
import { KvStore } from './kv.js';
import { checkLinearizable } from './linearizability.js';
import { Prng } from './prng.js';
import { SimCrash, SimDisk } from './sim-disk.js';
import { Workload } from './workload.js';

/** Options of one simulation run. Everything not given is drawn from the seed. */
export interface SimOptions {
  seed: number;
  /** Virtual milliseconds of workload under faults (then faults stop and the cluster must converge). */
  durationMs?: number;
  trace?: (line: string) => void;
}

/** The outcome of one run. */
export interface SimResult {
  seed: number;
  ok: boolean;
  error?: string;
  stats: {
    nodes: number;
    events: number;
    virtualMs: number;
    ops: number;
    unknownOps: number;
    commits: number;
    crashes: number;
    partitions: number;
    leaders: number;
    snapshotsSent: number;
    membershipChanges: number;
  };
}

const TICK_MS = 10;
const ELECTION_TICK = 10;
const HEARTBEAT_TICK = 1;
const DATA_DIR = '/data';

const xorCodec: Codec = {
  encode: (b) => b.map((x) => x ^ 0x5a),
  decode: (b) => b.map((x) => x ^ 0x5a),
};

interface SimNode {
  id: NodeId;
  disk: SimDisk;
  replica: Replica | undefined;
  kv: KvStore | undefined;
  up: boolean;
  /** Removed from the cluster: stays down for good. */
  retired: boolean;
  incarnation: number;
  rng: Prng;
  /** This node's clock runs a little fast or slow. */
  tickMs: number;
}

class Failure extends Error {}

/** Runs one seeded simulation. */
export class Simulator {
  private readonly rng: Prng;
  private readonly net: Prng;
  private readonly opts: SimOptions;
  private readonly queue = new EventQueue();
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly checker = new InvariantChecker();
  private readonly blocked = new Set<string>();
  private readonly workload: Workload;
  private readonly codec: Codec | undefined;
  private readonly dropRate: number;
  private readonly dupRate: number;
  private readonly snapshotInterval: number;
  private readonly maxSizePerMsg: number;
  private readonly maxInflightMsgs: number;
  /** Safety must not depend on these: some seeds run without them. */
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  /** Mean milliseconds between faults: calm, normal or a storm. */
  private readonly faultGap: [number, number];
  private now = 0;
  private faultsOn = true;
  /** This seed adds and removes members while it runs. */
  private readonly membership: boolean;
  private changeToken = 0;
  private changing = false;
  private readonly stats: SimResult['stats'];

  constructor(opts: SimOptions) {
    this.opts = opts;
    this.rng = new Prng(opts.seed);
    this.net = this.rng.fork();
    // Every tenth seed starts as `swarm init` does, one member, and grows through membership changes; the others
    // draw 3 or 5 members (drawing the 1 from the seed leaves their random sequences as they were).
    const single = opts.seed % 10 === 0;
    const n = single ? 1 : this.rng.chance(0.6) ? 3 : 5;
    const keys = Array.from({ length: this.rng.range(1, 4) }, (_, i) => `k${i}`);
    this.workload = new Workload(
      {
        rng: this.rng,
        now: () => this.now,
        at: (delay, run) => this.at(delay, run),
        nodeIds: () => [...this.nodes.keys()],
        node: (id) => this.nodes.get(id)!,
        withNode: (id, fn) => this.withNode(this.nodes.get(id)!, fn),
      },
      keys,
    );
    this.codec = this.rng.chance(0.3) ? xorCodec : undefined;
    this.dropRate = this.rng.pick([0, 0.01, 0.05, 0.1]);
    this.dupRate = this.rng.pick([0, 0.01, 0.05]);
    this.snapshotInterval = this.rng.pick([5, 10, 25, 100]);
    this.maxSizePerMsg = this.rng.pick([1, 300, 1 << 20]);
    this.maxInflightMsgs = this.rng.pick([1, 4, 256]);
    this.checkQuorum = this.rng.chance(0.8);
    this.preVote = this.rng.chance(0.8);
    this.faultGap = this.rng.pick([
      [300, 2000],
      [100, 1200],
      [10, 200],
    ]);
    this.stats = {
      nodes: n,
      events: 0,
      virtualMs: 0,
      ops: 0,
      unknownOps: 0,
      commits: 0,
      crashes: 0,
      partitions: 0,
      leaders: 0,
      snapshotsSent: 0,
      membershipChanges: 0,
    };
    this.membership = single || this.rng.chance(0.5);
    for (let i = 0; i < n; i++) this.addNode();
  }

  private addNode(): SimNode {
    const id = `n${this.nodes.size + 1}`;
    const node: SimNode = {
      id,
      disk: new SimDisk(),
      replica: undefined,
      kv: undefined,
      up: false,
      retired: false,
      incarnation: 0,
      rng: this.rng.fork(),
      tickMs: TICK_MS + this.rng.range(-2, 2),
    };
    this.nodes.set(id, node);
    return node;
  }

  private trace(line: string): void {
    this.opts.trace?.(`${String(this.now).padStart(6)} ${line}`);
  }

  private at(delay: number, run: () => void): void {
    this.queue.push(this.now + delay, run);
  }

  // ---- Nodes ---------------------------------------------------------------------------------------

  private start(node: SimNode, bootstrap?: NodeId[]): void {
    const kv = new KvStore((index, term, data) => {
      this.checker.onApply(node.id, index, term, data);
      this.stats.commits++;
    });
    node.kv = kv;
    try {
      node.replica = Replica.open({
        id: node.id,
        disk: node.disk,
        dataDir: DATA_DIR,
        stateMachine: kv,
        send: (m) => this.send(node.id, m),
        random: () => node.rng.next(),
        electionTick: ELECTION_TICK,
        heartbeatTick: HEARTBEAT_TICK,
        bootstrap: bootstrap ? { members: bootstrap.map((id) => ({ id, addr: `${id}:2377` })) } : undefined,
        snapshotInterval: this.snapshotInterval,
        catchUpEntries: 3,
        codec: this.codec,
        tuning: {
          maxSizePerMsg: this.maxSizePerMsg,
          maxInflightMsgs: this.maxInflightMsgs,
          checkQuorum: this.checkQuorum,
          preVote: this.preVote,
        },
        events: {
          softStateChanged: (s) => {
            if (s.state === StateType.Leader) this.stats.leaders++;
            this.trace(
              `${node.id} is ${s.state}${s.lead ? ` (leader ${s.lead})` : ''} term ${node.replica?.status().term}`,
            );
          },
        },
      });
    } catch (err) {
      if (err instanceof SimCrash) {
        this.trace(`${node.id} crashed while recovering`);
        node.disk.crash(node.rng);
        this.at(this.rng.range(50, 500), () => this.restart(node));
        return;
      }
      throw new Failure(`${node.id} failed to restart: ${(err as Error).message}`);
    }
    node.up = true;
    node.incarnation++;
    this.checker.forget(node.id);
    const raft = node.replica.raw.raft;
    this.checker.check({ id: node.id, term: raft.term, state: raft.state, log: raft.raftLog });
    this.trace(`${node.id} started (incarnation ${node.incarnation})`);
    const inc = node.incarnation;
    const tick = (): void => {
      if (!node.up || node.incarnation !== inc) return;
      this.withNode(node, (r) => r.tick());
      this.at(node.tickMs, tick);
    };
    this.at(1 + this.rng.int(TICK_MS), tick);
    this.withNode(node, () => {});
  }

  /** Runs `fn` on the node's replica, then process(); a simulated crash inside takes the node down. */
  private withNode(node: SimNode, fn: (r: Replica) => void): void {
    if (!node.up || !node.replica) return;
    try {
      fn(node.replica);
      node.replica.process();
    } catch (err) {
      if (err instanceof SimCrash) {
        this.trace(`${node.id} crashed during a disk operation`);
        this.crash(node);
        this.at(this.rng.range(20, 400), () => this.restart(node));
        return;
      }
      throw err;
    }
    const raft = node.replica.raw.raft;
    this.checker.check({ id: node.id, term: raft.term, state: raft.state, log: raft.raftLog });
  }

  private crash(node: SimNode): void {
    if (!node.up) return;
    node.up = false;
    node.replica = undefined;
    node.kv = undefined;
    node.disk.crash(node.rng);
    this.stats.crashes++;
    this.trace(`${node.id} crashed`);
    this.workload.crashed(node.id);
  }

  private restart(node: SimNode): void {
    if (node.up || node.retired) return;
    this.start(node);
  }

  // ---- Network -------------------------------------------------------------------------------------

  private linkBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  private send(from: NodeId, m: Message): void {
    const to = this.nodes.get(m.to);
    if (!to) return;
    const bytes = encodeMessage(m);
    const isSnap = m.type === MessageType.Snap;
    if (isSnap) this.stats.snapshotsSent++;
    const copies = this.faultsOn && this.net.chance(this.dupRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.linkBlocked(from, m.to) || (this.faultsOn && this.net.chance(this.dropRate))) {
        if (isSnap && this.net.chance(0.7))
          this.at(this.net.range(1, 20), () => this.reportSnapshot(from, m.to, false));
        continue;
      }
      let delay = this.net.range(1, 4);
      if (this.faultsOn && this.net.chance(0.05)) delay += this.net.range(10, 150);
      this.at(delay, () => this.deliver(from, m.to, bytes, isSnap));
    }
  }

  private deliver(from: NodeId, toId: NodeId, bytes: Buffer, isSnap: boolean): void {
    const to = this.nodes.get(toId)!;
    if (!to.up || this.linkBlocked(from, toId)) {
      if (isSnap) this.reportSnapshot(from, toId, false);
      return;
    }
    const { msg } = decodeMessage(bytes);
    this.withNode(to, (r) => r.step(msg));
    if (isSnap) this.reportSnapshot(from, toId, true);
  }

  private reportSnapshot(from: NodeId, to: NodeId, ok: boolean): void {
    const node = this.nodes.get(from)!;
    this.withNode(node, (r) => r.reportSnapshot(to, ok));
  }

  // ---- Faults --------------------------------------------------------------------------------------

  private scheduleFaults(until: number): void {
    const next = (): void => {
      if (!this.faultsOn || this.now >= until) return;
      this.injectFault();
      this.at(this.rng.range(...this.faultGap), next);
    };
    this.at(this.rng.range(0, 800), next);
  }

  private injectFault(): void {
    const all = [...this.nodes.values()].filter((n) => !n.retired);
    const up = all.filter((n) => n.up);
    const leader = up.find((n) => n.replica!.isLeader());
    const roll = this.rng.next();
    if (roll < 0.3 && up.length > 0) {
      const victim = leader && this.rng.chance(0.5) ? leader : this.rng.pick(up);
      if (this.rng.chance(0.3)) {
        victim.disk.crashAfterOps = this.rng.int(6);
        this.trace(`${victim.id} will crash within ${victim.disk.crashAfterOps + 1} disk operations`);
      } else {
        this.crash(victim);
        this.at(this.rng.range(this.faultGap[0], this.faultGap[1] * 2), () => this.restart(victim));
      }
    } else if (roll < 0.55) {
      this.partition(all, leader);
    } else if (roll < 0.75) {
      this.heal();
    } else if (roll < 0.85 && leader && up.length > 1) {
      const target = this.rng.pick(up.filter((n) => n !== leader));
      this.trace(`transfer leadership ${leader.id} -> ${target.id}`);
      this.withNode(leader, (r) => r.transferLeader(target.id));
    }
  }

  private partition(all: SimNode[], leader: SimNode | undefined): void {
    this.blocked.clear();
    const ids = all.map((n) => n.id);
    const kind = this.rng.int(3);
    let side: NodeId[];
    if (kind === 0 && leader) side = [leader.id];
    else side = ids.filter(() => this.rng.chance(0.5));
    const other = ids.filter((id) => !side.includes(id));
    const oneWay = this.rng.chance(0.2);
    for (const a of side) {
      for (const b of other) {
        this.blocked.add(`${a}>${b}`);
        if (!oneWay) this.blocked.add(`${b}>${a}`);
      }
    }
    this.stats.partitions++;
    this.trace(`partition ${side.join(',')} ${oneWay ? '-/>' : '|'} ${other.join(',')}`);
  }

  private heal(): void {
    if (this.blocked.size === 0) return;
    this.blocked.clear();
    this.trace('heal');
  }

  // ---- Membership ----------------------------------------------------------------------------------

  private scheduleMembership(until: number): void {
    const next = (): void => {
      if (!this.faultsOn || this.now >= until) return;
      this.membershipStep();
      this.at(this.rng.range(50, 600), next);
    };
    this.at(this.rng.range(200, 1000), next);
  }

  /** One step of an administrator: promote a caught-up learner, or remove a voter, or add a new member. */
  private membershipStep(): void {
    if (this.changing) return;
    const leader = [...this.nodes.values()].find((n) => n.up && !n.retired && n.replica!.isLeader());
    if (!leader) return;
    const cs = leader.replica!.confState();
    const st = leader.replica!.status();
    for (const id of cs.learners) {
      const pr = st.progress.get(id);
      if (pr && pr.match >= st.commit && pr.state === 'replicate') {
        this.change(leader, { type: ConfChangeType.AddVoter, id, addr: `${id}:2377` });
        return;
      }
    }
    if (cs.learners.length > 0 && this.rng.chance(0.7)) return;
    if (cs.voters.length >= 4 || (cs.voters.length >= 3 && this.rng.chance(0.4))) {
      const victim = this.rng.pick(cs.voters);
      this.change(leader, { type: ConfChangeType.Remove, id: victim, addr: '' }, () =>
        this.retireLater(victim),
      );
    } else if (cs.voters.length + cs.learners.length < 6) {
      const node = this.addNode();
      this.start(node);
      this.change(
        leader,
        { type: ConfChangeType.AddLearner, id: node.id, addr: `${node.id}:2377` },
        undefined,
        () => this.retireLater(node.id),
      );
    }
  }

  private change(leader: SimNode, cc: ConfChange, onApplied?: () => void, onFailed?: () => void): void {
    const token = ++this.changeToken;
    this.changing = true;
    this.stats.membershipChanges++;
    this.trace(`membership: ${leader.id} proposes ${cc.type} ${cc.id}`);
    const end = (): boolean => {
      if (this.changeToken !== token || !this.changing) return false;
      this.changing = false;
      return true;
    };
    this.withNode(leader, (r) => {
      try {
        r.proposeConfChange(cc, {
          resolve: () => {
            if (end()) onApplied?.();
          },
          reject: (err) => {
            if (end() && !(err instanceof ProposalDroppedError && err.ambiguous)) onFailed?.();
          },
        });
      } catch {
        if (end()) onFailed?.();
      }
    });
    // The leader may crash with the change pending: the administrator moves on after a while.
    this.at(3000, () => end());
  }

  private retireLater(id: NodeId): void {
    this.at(this.rng.range(0, 300), () => {
      const node = this.nodes.get(id)!;
      if (node.retired) return;
      this.trace(`membership: ${id} retires`);
      this.crash(node);
      node.retired = true;
    });
  }

  // ---- Run -----------------------------------------------------------------------------------------

  private runUntil(time: number, stop?: () => boolean): boolean {
    for (;;) {
      const ev = this.queue.pop();
      if (!ev) return false;
      if (ev.time > time) {
        this.queue.push(ev.time, ev.run);
        this.now = time;
        return false;
      }
      this.now = ev.time;
      this.stats.events++;
      ev.run();
      if (stop?.()) return true;
    }
  }

  /** The members of the leader's configuration, when every one of them is up and has applied all. */
  private converged(): SimNode[] | undefined {
    const up = [...this.nodes.values()].filter((n) => n.up);
    const leaders = up.filter((n) => n.replica!.isLeader());
    if (leaders.length !== 1) return undefined;
    const leader = leaders[0]!;
    const ls = leader.replica!.status();
    if (!ls.hasQuorum || ls.commit !== ls.lastIndex) return undefined;
    const cs = leader.replica!.confState();
    const members = [...cs.voters, ...cs.learners].map((id) => this.nodes.get(id)!);
    const ok = members.every(
      (n) => n.up && n.replica!.applied === ls.commit && n.replica!.status().commit === ls.commit,
    );
    return ok ? members : undefined;
  }

  run(): SimResult {
    try {
      const ids = [...this.nodes.keys()];
      for (const id of ids) this.start(this.nodes.get(id)!, ids);
      const duration = this.opts.durationMs ?? this.rng.range(3000, 8000);
      this.workload.start(duration);
      this.scheduleFaults(duration);
      if (this.membership) this.scheduleMembership(duration);
      this.runUntil(duration);
      // Faults stop; everything heals and restarts; the cluster must converge.
      this.faultsOn = false;
      this.heal();
      for (const n of this.nodes.values()) {
        n.disk.crashAfterOps = Number.POSITIVE_INFINITY;
        if (n.retired) this.crash(n);
        else if (!n.up) this.restart(n);
      }
      this.workload.stop();
      const deadline = this.now + 60_000;
      if (!this.runUntil(deadline, () => this.converged() !== undefined)) {
        throw new Failure(
          `liveness: the cluster did not converge within 60 s after faults stopped (${this.describe()})`,
        );
      }
      const dumps = new Set(this.converged()!.map((n) => n.kv!.dump()));
      if (dumps.size !== 1) throw new Failure('members converged to different states');
      const lin = checkLinearizable(this.workload.history);
      if (!lin.ok) {
        const ops = lin.ops!.map((o) => JSON.stringify(o)).join('\n  ');
        throw new Failure(
          `history is not linearizable${lin.inconclusive ? ' (search budget exhausted)' : ''} for key ${lin.key}:\n  ${ops}`,
        );
      }
      this.stats.virtualMs = this.now;
      this.stats.ops = this.workload.ops;
      this.stats.unknownOps = this.workload.unknownOps;
      return { seed: this.opts.seed, ok: true, stats: this.stats };
    } catch (err) {
      this.stats.virtualMs = this.now;
      this.stats.ops = this.workload.ops;
      this.stats.unknownOps = this.workload.unknownOps;
      const msg =
        err instanceof InvariantViolation || err instanceof Failure ? err.message : (err as Error).stack;
      return { seed: this.opts.seed, ok: false, error: `at ${this.now} ms: ${msg}`, stats: this.stats };
    }
  }

  private describe(): string {
    return [...this.nodes.values()]
      .map((n) => {
        if (!n.up) return `${n.id}: ${n.retired ? 'retired' : 'down'}`;
        const s = n.replica!.status();
        return `${n.id}: ${s.state} term ${s.term} lead ${s.lead || '-'} commit ${s.commit} applied ${n.replica!.applied} last ${s.lastIndex}`;
      })
      .join('; ');
  }
}

/** Runs the simulation for one seed. */
export function simulate(opts: SimOptions): SimResult {
  return new Simulator(opts).run();
}
