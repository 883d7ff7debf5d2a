/**
 * @module MemoryCluster: several RawNodes on MemoryStorage joined by an in-memory, fully controlled network.
 * For unit and scenario tests of the core: nothing happens until the test ticks, delivers or stabilizes.
 */
import { decodeConfChange } from '../confchange/confchange.js';
import type { Ready } from '../raw-node.js';
import { RawNode } from '../raw-node.js';
import { Prng } from '../sim/prng.js';
import { MemoryStorage } from '../storage.js';
import type { Entry, Message, NodeId, ReadState } from '../types.js';
import { EntryType, MessageType } from '../types.js';

/** One member of a MemoryCluster. */
export interface MemoryMember {
  id: NodeId;
  raw: RawNode;
  storage: MemoryStorage;
  /** Normal entries applied, in order. */
  applied: Entry[];
  readStates: ReadState[];
}

/** Options for the members' cores. */
export interface MemoryClusterOptions {
  electionTick?: number;
  heartbeatTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  seed?: number;
}

const decoder = new TextDecoder();

/** Entry data restored from a JSON snapshot comes back as a plain object of byte values. */
function toBytes(d: Uint8Array | Record<string, number>): Uint8Array {
  return d instanceof Uint8Array ? d : Uint8Array.from(Object.values(d));
}

/** Formats an entry as `term/index` plus its payload, for traces. */
export function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} ${cc.type} ${cc.id}`;
  }
  return `${e.term}/${e.index}${e.data.byteLength ? ` ${JSON.stringify(decoder.decode(e.data))}` : ''}`;
}

/** Formats a message on one line, for traces. */
export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${MessageType[m.type]} term=${m.term}`;
  switch (m.type) {
    case MessageType.App:
      s += ` log=${m.logTerm}/${m.index} commit=${m.commit}`;
      if (m.entries.length) s += ` entries=[${m.entries.map(describeEntry).join(', ')}]`;
      break;
    case MessageType.AppResp:
      s += ` index=${m.index}`;
      if (m.reject) s += ` rejected (hint: ${m.rejectHint}/${m.logTerm})`;
      break;
    case MessageType.Vote:
    case MessageType.PreVote:
      s += ` last=${m.logTerm}/${m.index}${m.transfer ? ' transfer' : ''}`;
      break;
    case MessageType.VoteResp:
    case MessageType.PreVoteResp:
      if (m.reject) s += ' rejected';
      break;
    case MessageType.Heartbeat:
      s += ` commit=${m.commit}`;
      break;
    case MessageType.Snap:
      s += ` snapshot=${m.snapshot!.meta.term}/${m.snapshot!.meta.index} voters=${m.snapshot!.meta.confState.voters.join(',')}`;
      break;
    case MessageType.ReadIndexResp:
      s += ` index=${m.index}`;
      break;
    case MessageType.Prop:
      s += ` entries=${m.entries.length}`;
      break;
  }
  if (m.context.byteLength && m.type !== MessageType.ReadIndexResp) s += ` ctx=${decoder.decode(m.context)}`;
  return s;
}

/** A cluster of RawNodes on MemoryStorage with a synchronous network the test drives. */
export class MemoryCluster {
  readonly members = new Map<NodeId, MemoryMember>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  /** Trace lines (messages delivered, role changes), for scenario tests. */
  trace: string[] = [];
  /** Links that drop messages, as "from->to". */
  private readonly cut = new Set<string>();
  private readonly opts: MemoryClusterOptions;
  private readonly random: () => number;

  constructor(ids: NodeId[], opts: MemoryClusterOptions = {}) {
    this.opts = opts;
    const prng = new Prng(opts.seed ?? 1);
    this.random = () => prng.next();
    for (const id of ids) {
      const m = this.create(id);
      m.raw.bootstrap(ids.map((x) => ({ id: x, addr: `${x}:2377` })));
    }
    this.stabilize();
  }

  private create(id: NodeId): MemoryMember {
    const storage = new MemoryStorage();
    const raw = new RawNode({
      id,
      electionTick: this.opts.electionTick ?? 10,
      heartbeatTick: this.opts.heartbeatTick ?? 1,
      storage,
      preVote: this.opts.preVote ?? true,
      checkQuorum: this.opts.checkQuorum ?? true,
      maxSizePerMsg: this.opts.maxSizePerMsg,
      maxInflightMsgs: this.opts.maxInflightMsgs,
      random: this.random,
    });
    const m: MemoryMember = { id, raw, storage, applied: [], readStates: [] };
    this.members.set(id, m);
    return m;
  }

  /** Adds a member with an empty log (it joins once the leader adds it to the configuration). */
  addEmpty(id: NodeId): MemoryMember {
    return this.create(id);
  }

  get(id: NodeId): MemoryMember {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  /** Handles every pending Ready of `id`, as a real host would: persist, queue messages, apply, advance. */
  process(id: NodeId): boolean {
    const m = this.get(id);
    let did = false;
    while (m.raw.hasReady()) {
      did = true;
      const rd: Ready = m.raw.ready();
      if (rd.softState)
        this.trace.push(
          `${id} is ${rd.softState.state} at term ${m.raw.raft.term}${rd.softState.lead ? ` (leader ${rd.softState.lead})` : ''}`,
        );
      if (rd.snapshot) {
        m.storage.applySnapshot(rd.snapshot);
        m.applied = JSON.parse(decoder.decode(rd.snapshot.data)) as Entry[];
        this.trace.push(`${id} installed snapshot ${rd.snapshot.meta.term}/${rd.snapshot.meta.index}`);
      }
      m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      this.queue.push(...rd.messages);
      for (const e of rd.committedEntries)
        if (e.type === EntryType.Normal && e.data.byteLength > 0) m.applied.push(e);
      m.readStates.push(...rd.readStates);
      m.raw.advance(rd);
    }
    return did;
  }

  /** Delivers every queued message once (messages they cause are queued); returns how many were delivered. */
  deliver(filter?: (m: Message) => boolean): number {
    const msgs = this.queue;
    this.queue = [];
    let n = 0;
    for (const msg of msgs) {
      if (filter && !filter(msg)) {
        this.queue.push(msg);
        continue;
      }
      if (this.cut.has(`${msg.from}->${msg.to}`) || !this.members.has(msg.to)) {
        this.trace.push(`${describeMessage(msg)} (dropped)`);
        continue;
      }
      this.trace.push(describeMessage(msg));
      this.get(msg.to).raw.step(structuredClone(msg));
      n++;
    }
    return n;
  }

  /** Processes and delivers until nothing moves. */
  stabilize(): void {
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      for (const id of this.members.keys()) moved = this.process(id) || moved;
      if (this.queue.length > 0) {
        this.deliver();
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error('cluster did not stabilize');
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).raw.tick();
  }

  /** Ticks `id` past its (randomized) election timeout. */
  tickElection(id: NodeId): void {
    this.tick(id, this.get(id).raw.raft.randomizedElectionTimeout);
  }

  /** Makes `id` leader through a normal election. */
  elect(id: NodeId): void {
    this.get(id).raw.campaign();
    this.stabilize();
  }

  propose(id: NodeId, data: string): number {
    const idx = this.get(id).raw.propose([new TextEncoder().encode(data)]);
    return idx;
  }

  /** Snapshots `id`'s applied state and compacts its log up to the applied index. */
  compact(id: NodeId): number {
    const m = this.get(id);
    const index = m.raw.raft.raftLog.applied;
    const data = new TextEncoder().encode(JSON.stringify(m.applied));
    m.storage.createSnapshot(index, m.raw.confState(), data);
    m.storage.compact(index);
    return index;
  }

  /** Drops every message between `id` and the rest. */
  isolate(id: NodeId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  /** Drops messages on one link. */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** The ids of the members currently leading, highest term first. */
  leaders(): NodeId[] {
    return [...this.members.values()]
      .filter((m) => m.raw.raft.state === 'leader')
      .sort((a, b) => b.raw.raft.term - a.raw.raft.term)
      .map((m) => m.id);
  }

  /** Applied payloads of `id`, as strings. */
  appliedData(id: NodeId): string[] {
    return this.get(id).applied.map((e) => decoder.decode(toBytes(e.data)));
  }
}
