/**
 * @module The safety properties of Raft (Figure 3 of the paper), checked against every node after every step
 * of a simulation: Election Safety, Leader Append-Only, Log Matching, Leader Completeness, State Machine Safety.
 */
import type { RaftLog } from '../log.js';
import type { Entry, NodeId } from '../types.js';
import { StateType } from '../types.js';

/** Thrown when a property does not hold. */
export class InvariantViolation extends Error {
  constructor(property: string, detail: string) {
    super(`${property} violated: ${detail}`);
    this.name = 'InvariantViolation';
  }
}

/** FNV-1a over bytes: a cheap fingerprint of entry payloads. */
export function fingerprint(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ b, 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ c, 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

const dataPrints = new WeakMap<Uint8Array, number>();
function dataPrint(e: Entry): number {
  let p = dataPrints.get(e.data);
  if (p === undefined) {
    p = fingerprint(e.data, 0x811c9dc5 ^ e.type);
    dataPrints.set(e.data, p);
  }
  return p;
}

/** What the checker needs to see of one node. */
export interface NodeView {
  id: NodeId;
  term: number;
  state: StateType;
  log: RaftLog;
}

interface Shadow {
  /** Index of the entry before `terms[0]`. */
  base: number;
  /** Fingerprint of the log up to `base`. */
  basePrefix: number;
  terms: number[];
  /** prefix[i]: fingerprint of the log up to base + 1 + i. */
  prefix: number[];
}

interface EntryRecord {
  data: number;
  prefix: number;
}

/** Observes nodes over time and throws InvariantViolation on the first broken property. */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) -> fingerprint of the payload and of the whole log up to it. Log Matching. */
  private readonly entries = new Map<string, EntryRecord>();
  /** The committed log (terms by index) as learnt from every node. */
  private readonly committedTerms = new Map<number, number>();
  private committedIndex = 0;
  /** index -> [term, payload fingerprint] of what some state machine applied there. */
  private readonly applied = new Map<number, [number, number]>();
  private readonly shadows = new Map<NodeId, Shadow>();
  private readonly leaders = new Map<NodeId, { term: number; lastIndex: number; lastTerm: number }>();
  private readonly commitSeen = new Map<NodeId, number>();
  /** Checks performed (statistics). */
  checks = 0;

  constructor() {
    this.entries.set('0:0', { data: 0, prefix: 0 });
  }

  /** A node restarted from disk: its in-memory view is gone. */
  forget(id: NodeId): void {
    this.shadows.delete(id);
    this.leaders.delete(id);
    this.commitSeen.delete(id);
  }

  /** Checks every property that involves `n`. */
  check(n: NodeView): void {
    this.checks++;
    this.checkLogMatching(n);
    this.checkCommitted(n);
    if (n.state === StateType.Leader) this.checkLeader(n);
    else this.leaders.delete(n.id);
  }

  private prefixAt(index: number, term: number, who: NodeId): number {
    const rec = this.entries.get(`${index}:${term}`);
    if (!rec)
      throw new InvariantViolation(
        'Log Matching',
        `${who}'s log starts after ${index}/${term}, an entry no node ever held`,
      );
    return rec.prefix;
  }

  /** Log Matching: entries with the same index and term have the same payload and the same history. */
  private checkLogMatching(n: NodeView): void {
    const log = n.log;
    const first = log.firstIndex();
    const last = log.lastIndex();
    const snapIndex = first - 1;
    let sh = this.shadows.get(n.id);
    if (!sh || sh.base !== snapIndex) {
      const snapTerm = log.term(snapIndex) ?? 0;
      sh = { base: snapIndex, basePrefix: this.prefixAt(snapIndex, snapTerm, n.id), terms: [], prefix: [] };
      this.shadows.set(n.id, sh);
    }
    const basePrefix = sh.basePrefix;
    // Find how much of the shadow still matches the log (usually all of it).
    let keep = Math.min(sh.terms.length, last - sh.base);
    while (keep > 0 && log.term(sh.base + keep) !== sh.terms[keep - 1]) keep--;
    sh.terms.length = keep;
    sh.prefix.length = keep;
    if (sh.base + keep >= last) return;
    const ents = log.slice(sh.base + keep + 1, last + 1, Number.MAX_SAFE_INTEGER);
    let prev = keep > 0 ? sh.prefix[keep - 1]! : basePrefix;
    for (const e of ents) {
      const data = dataPrint(e);
      const prefix = mix(prev, e.term, data);
      const key = `${e.index}:${e.term}`;
      const rec = this.entries.get(key);
      if (!rec) this.entries.set(key, { data, prefix });
      else if (rec.data !== data) {
        throw new InvariantViolation(
          'Log Matching',
          `${n.id} holds entry ${e.index}/${e.term} with a different payload than another node`,
        );
      } else if (rec.prefix !== prefix) {
        throw new InvariantViolation(
          'Log Matching',
          `${n.id}'s log up to ${e.index}/${e.term} differs from another node's log up to the same entry`,
        );
      }
      sh.terms.push(e.term);
      sh.prefix.push(prefix);
      prev = prefix;
    }
  }

  /** Committed entries never change, on any node. */
  private checkCommitted(n: NodeView): void {
    const log = n.log;
    const commit = log.committed;
    const from = Math.max(this.commitSeen.get(n.id) ?? 0, log.firstIndex() - 1) + 1;
    for (let i = from; i <= commit; i++) {
      const t = log.term(i);
      if (t === undefined) continue;
      const known = this.committedTerms.get(i);
      if (known === undefined) this.committedTerms.set(i, t);
      else if (known !== t) {
        throw new InvariantViolation(
          'State Machine Safety',
          `${n.id} committed ${i}/${t} but ${i}/${known} was committed before`,
        );
      }
    }
    if (commit > this.committedIndex) this.committedIndex = commit;
    this.commitSeen.set(n.id, commit);
  }

  /** Election Safety, Leader Append-Only and Leader Completeness. */
  private checkLeader(n: NodeView): void {
    const log = n.log;
    const known = this.leaderOfTerm.get(n.term);
    if (known === undefined) this.leaderOfTerm.set(n.term, n.id);
    else if (known !== n.id)
      throw new InvariantViolation(
        'Election Safety',
        `${known} and ${n.id} are both leaders of term ${n.term}`,
      );
    const last = log.lastIndex();
    const prev = this.leaders.get(n.id);
    if (!prev || prev.term !== n.term) {
      // Leader Completeness: a new leader holds every committed entry.
      if (last < this.committedIndex) {
        throw new InvariantViolation(
          'Leader Completeness',
          `leader ${n.id} of term ${n.term} has ${last} entries, ${this.committedIndex} are committed`,
        );
      }
      for (let i = Math.max(1, log.firstIndex() - 1); i <= this.committedIndex; i++) {
        const want = this.committedTerms.get(i);
        if (want !== undefined && log.term(i) !== want) {
          throw new InvariantViolation(
            'Leader Completeness',
            `leader ${n.id} of term ${n.term} lacks committed entry ${i}/${want}`,
          );
        }
      }
    } else {
      // Leader Append-Only: a leader never removes or rewrites what it holds.
      if (last < prev.lastIndex || log.term(prev.lastIndex) !== prev.lastTerm) {
        throw new InvariantViolation(
          'Leader Append-Only',
          `leader ${n.id} of term ${n.term} lost entry ${prev.lastIndex}/${prev.lastTerm}`,
        );
      }
    }
    this.leaders.set(n.id, { term: n.term, lastIndex: last, lastTerm: log.term(last) ?? 0 });
  }

  /** State Machine Safety: no two state machines apply different entries at the same index. */
  onApply(id: NodeId, index: number, term: number, data: Uint8Array): void {
    const print = fingerprint(data);
    const seen = this.applied.get(index);
    if (!seen) this.applied.set(index, [term, print]);
    else if (seen[0] !== term || seen[1] !== print) {
      throw new InvariantViolation(
        'State Machine Safety',
        `${id} applied ${index}/${term}, another node applied ${index}/${seen[0]}`,
      );
    }
    const committed = this.committedTerms.get(index);
    if (committed !== undefined && committed !== term) {
      throw new InvariantViolation(
        'State Machine Safety',
        `${id} applied ${index}/${term} but ${index}/${committed} is committed`,
      );
    }
  }
}
