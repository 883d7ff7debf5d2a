/**
 * @module Helpers for unit tests of the core: a Raft on a prepared MemoryStorage, and message plumbing.
 */
import { Raft, type RaftConfig } from '../raft.js';
import { MemoryStorage } from '../storage.js';
import type { Entry, HardState, Message, NodeId } from '../types.js';
import { EntryType, emptyHardState, MessageType, message, StateType } from '../types.js';

/** Options of newRaft. */
export interface FixtureOptions {
  electionTick?: number;
  heartbeatTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  learners?: NodeId[];
  /** Log entries as [index, term] pairs (payload "i/t"), starting at index 1. */
  log?: [number, number][];
  hardState?: Partial<HardState>;
  applied?: number;
  random?: () => number;
  maxInflightMsgs?: number;
  maxSizePerMsg?: number;
}

/** An entry with payload `index/term`. */
export function ent(index: number, term: number, data = `${index}/${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(data) };
}

/** A Raft for `id` in a cluster of `voters`, with PreVote and CheckQuorum off unless asked for. */
export function newRaft(id: NodeId, voters: NodeId[], opts: FixtureOptions = {}): Raft {
  const storage = new MemoryStorage();
  const addrs = Object.fromEntries([...voters, ...(opts.learners ?? [])].map((v) => [v, `${v}:1`]));
  storage.applySnapshot({
    meta: { index: 0, term: 0, confState: { voters, learners: opts.learners ?? [], addrs } },
    data: new Uint8Array(0),
  });
  storage.append((opts.log ?? []).map(([i, t]) => ent(i, t)));
  storage.setHardState({ ...emptyHardState, ...opts.hardState });
  const cfg: RaftConfig = {
    id,
    electionTick: opts.electionTick ?? 10,
    heartbeatTick: opts.heartbeatTick ?? 1,
    storage,
    preVote: opts.preVote ?? false,
    checkQuorum: opts.checkQuorum ?? false,
    applied: opts.applied,
    random: opts.random ?? (() => 0),
    maxInflightMsgs: opts.maxInflightMsgs,
    maxSizePerMsg: opts.maxSizePerMsg,
  };
  return new Raft(cfg);
}

/** Takes the messages a Raft has produced. */
export function take(r: Raft): Message[] {
  const m = r.msgs;
  r.msgs = [];
  return m;
}

/** The [index, term] pairs of a Raft's whole log. */
export function logOf(r: Raft): [number, number][] {
  return r.raftLog.allEntries().map((e) => [e.index, e.term]);
}

/** Persists everything unstable into the storage, as a host would after a Ready (leader counts itself). */
export function persist(r: Raft): void {
  const u = r.raftLog.unstable;
  const storage = r.raftLog.storage as MemoryStorage;
  if (u.entries.length === 0) return;
  const last = u.entries[u.entries.length - 1]!;
  storage.append(u.entries.slice());
  r.raftLog.stableTo(last.index, last.term);
  r.onPersisted(last.index, last.term);
  r.flushCommitBroadcast();
}

/** Makes `r` (with PreVote off) leader of its cluster by an election every other voter grants. */
export function elect(r: Raft): void {
  r.hup(false);
  take(r);
  for (const id of r.trk.voters) {
    if (id !== r.id && r.state !== StateType.Leader)
      r.step(message({ type: MessageType.VoteResp, from: id, to: r.id, term: r.term }));
  }
  take(r);
  persist(r);
}
