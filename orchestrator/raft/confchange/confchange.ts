/**
 * @module Membership changes, one member at a time: their encoding in a ConfChange entry, and how they
 * transform a ConfState. Changes take effect when the entry is applied.
 */
import { RaftError } from '../errors.js';
import type { ConfState, NodeId } from '../types.js';

/** The kinds of membership change. */
export enum ConfChangeType {
  /** Adds a non-voting learner (or demotes a voter to learner). */
  AddLearner = 'add-learner',
  /** Adds a voter (or promotes a learner). */
  AddVoter = 'add-voter',
  Remove = 'remove',
}

/** One membership change. `addr` (host:port) is replicated with it, so every member can reach every other. */
export interface ConfChange {
  type: ConfChangeType;
  id: NodeId;
  addr: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The bytes of a ConfChange entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  return textEncoder.encode(JSON.stringify({ t: cc.type, i: cc.id, a: cc.addr }));
}

/** Reads a ConfChange entry; throws on bytes that are not one. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const raw = JSON.parse(textDecoder.decode(data)) as { t?: unknown; i?: unknown; a?: unknown };
  const types = Object.values(ConfChangeType) as string[];
  if (
    typeof raw.t !== 'string' ||
    !types.includes(raw.t) ||
    typeof raw.i !== 'string' ||
    typeof raw.a !== 'string'
  ) {
    throw new RaftError('INVARIANT', 'malformed conf change entry');
  }
  return { type: raw.t as ConfChangeType, id: raw.i, addr: raw.a };
}

/**
 * The configuration after `cc`. Deterministic and total: applying a change that is already in effect
 * (an add of a present member, a removal of an absent one) changes nothing.
 */
export function applyConfChange(cs: ConfState, cc: ConfChange): ConfState {
  const voters = cs.voters.filter((id) => id !== cc.id);
  const learners = cs.learners.filter((id) => id !== cc.id);
  const addrs = { ...cs.addrs };
  switch (cc.type) {
    case ConfChangeType.AddVoter:
      voters.push(cc.id);
      if (cc.addr) addrs[cc.id] = cc.addr;
      break;
    case ConfChangeType.AddLearner:
      learners.push(cc.id);
      if (cc.addr) addrs[cc.id] = cc.addr;
      break;
    case ConfChangeType.Remove:
      delete addrs[cc.id];
      break;
  }
  return { voters: keepOrder(cs.voters, voters), learners: keepOrder(cs.learners, learners), addrs };
}

/** Keeps members in their previous order, new ones at the end, so iteration stays deterministic. */
function keepOrder(before: readonly NodeId[], after: NodeId[]): NodeId[] {
  const set = new Set(after);
  const out = before.filter((id) => set.has(id));
  for (const id of after) if (!out.includes(id)) out.push(id);
  return out;
}

/** A deep copy of a ConfState. */
export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners], addrs: { ...cs.addrs } };
}
