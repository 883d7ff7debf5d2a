/**
 * @module The simulation's clients: each runs key-value operations one at a time against the cluster (writes
 * through proposals, reads through ReadIndex), follows leader hints, retries, and records a history for the
 * linearizability checker. A write whose outcome the client never learns is recorded as possibly done.
 */
import { NotLeaderError, ProposalDroppedError } from '../errors.js';
import type { Replica } from '../replica.js';
import type { NodeId } from '../types.js';
import { encodeCommand, type KvStore } from './kv.js';
import type { KvOp } from './linearizability.js';
import type { Prng } from './prng.js';

/** What the workload needs from the simulator. */
export interface WorkloadHost {
  readonly rng: Prng;
  now(): number;
  at(delay: number, run: () => void): void;
  nodeIds(): NodeId[];
  node(id: NodeId): { up: boolean; replica: Replica | undefined; kv: KvStore | undefined };
  /** Runs `fn` on the node's replica, then processes it (a simulated crash may take the node down). */
  withNode(id: NodeId, fn: (r: Replica) => void): void;
}

interface PendingOp {
  op: KvOp;
  client: Client;
  attempt: number;
  node: NodeId | undefined;
  deadline: number;
  done: boolean;
}

interface Client {
  id: number;
  leader: NodeId | undefined;
  ops: number;
}

/** Workload: the clients and their history. */
export class Workload {
  readonly history: KvOp[] = [];
  ops = 0;
  unknownOps = 0;
  private readonly host: WorkloadHost;
  private readonly keys: string[];
  private readonly pending = new Set<PendingOp>();
  private until = 0;
  private on = true;
  private nextCtx = 0;

  constructor(host: WorkloadHost, keys: string[]) {
    this.host = host;
    this.keys = keys;
  }

  private get rng(): Prng {
    return this.host.rng;
  }

  private get now(): number {
    return this.host.now();
  }

  private at(delay: number, run: () => void): void {
    this.host.at(delay, run);
  }

  /** Starts 2 to 5 clients that issue operations until `until`. */
  start(until: number): void {
    this.until = until;
    const count = this.rng.range(2, 5);
    for (let i = 0; i < count; i++) {
      const client: Client = { id: i, leader: undefined, ops: 0 };
      this.at(this.rng.range(0, 50), () => this.nextOp(client));
    }
  }

  /** A node crashed: operations waiting on it will never be answered. */
  crashed(id: NodeId): void {
    for (const p of this.pending) if (p.node === id) this.giveUp(p);
  }

  /** Stops issuing operations; writes still waiting become of unknown outcome. */
  stop(): void {
    this.on = false;
    for (const p of [...this.pending]) {
      if (p.op.kind === 'put') this.giveUp(p);
      else {
        p.done = true;
        this.pending.delete(p);
      }
    }
  }

  private nextOp(client: Client): void {
    if (!this.on || this.now >= this.until) return;
    const key = this.rng.pick(this.keys);
    const isPut = this.rng.chance(0.5);
    const ret = Number.POSITIVE_INFINITY;
    const op: KvOp = isPut
      ? { client: client.id, key, kind: 'put', value: `c${client.id}-${client.ops}`, call: this.now, ret }
      : { client: client.id, key, kind: 'get', output: null, call: this.now, ret };
    client.ops++;
    this.ops++;
    const p: PendingOp = { op, client, attempt: 0, node: undefined, deadline: this.now + 2000, done: false };
    this.pending.add(p);
    this.attempt(p);
  }

  private finish(p: PendingOp, output?: string | null): void {
    if (p.done) return;
    p.done = true;
    this.pending.delete(p);
    p.op.ret = this.now;
    if (p.op.kind === 'get') p.op.output = output ?? null;
    this.history.push(p.op);
    this.at(this.rng.range(0, 20), () => this.nextOp(p.client));
  }

  /** The client stops waiting: a write's outcome becomes unknown; a read is forgotten. */
  private giveUp(p: PendingOp): void {
    if (p.done) return;
    p.done = true;
    this.pending.delete(p);
    if (p.op.kind === 'put') {
      this.history.push(p.op);
      this.unknownOps++;
    }
    this.at(this.rng.range(5, 30), () => this.nextOp(p.client));
  }

  private retry(p: PendingOp, leader?: NodeId): void {
    p.client.leader = leader;
    p.node = undefined;
    this.at(this.rng.range(2, 15), () => this.attempt(p));
  }

  private attempt(p: PendingOp): void {
    if (p.done) return;
    if (this.now > p.deadline) {
      this.giveUp(p);
      return;
    }
    const attempt = ++p.attempt;
    const targetId = p.client.leader ?? this.rng.pick(this.host.nodeIds());
    const target = this.host.node(targetId);
    if (!target.up) {
      this.retry(p);
      return;
    }
    p.node = targetId;
    const current = (): boolean => !p.done && p.attempt === attempt;
    const onError = (err: Error): void => {
      if (!current()) return;
      if (err instanceof NotLeaderError) this.retry(p, err.leaderId);
      else if (err instanceof ProposalDroppedError && err.ambiguous) this.giveUp(p);
      else this.retry(p);
    };
    if (p.op.kind === 'put') {
      const data = encodeCommand({ c: p.client.id, o: p.client.ops, k: p.op.key, v: p.op.value! });
      this.host.withNode(targetId, (r) => {
        try {
          r.propose(data, { resolve: () => current() && this.finish(p), reject: onError });
        } catch (err) {
          onError(err as Error);
        }
      });
    } else {
      const ctx = new TextEncoder().encode(`r${this.nextCtx++}`);
      this.host.withNode(targetId, (r) => {
        r.readIndex(ctx, {
          resolve: () => {
            if (current()) this.finish(p, this.host.node(targetId).kv!.get(p.op.key));
          },
          reject: onError,
        });
      });
      this.at(300, () => {
        if (!current()) return;
        const node = this.host.node(targetId);
        if (node.up) node.replica!.cancelRead(ctx);
        this.retry(p);
      });
    }
    // A write accepted but never answered (its node lost leadership silently or crashed) times out.
    this.at(1000, () => {
      if (current() && p.op.kind === 'put') this.giveUp(p);
    });
  }
}
