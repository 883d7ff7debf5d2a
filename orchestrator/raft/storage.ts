/**
 * @module The Storage interface the core reads its stable log through, and MemoryStorage, the in-memory
 * implementation the host keeps in step with its write-ahead log.
 */
import { CompactedError, UnavailableError } from './errors.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';
import { EntryType, emptyConfState, emptyHardState, entrySize } from './types.js';

/**
 * Storage gives the core read access to the stable (persisted) log. Methods throw CompactedError for an
 * index folded into the snapshot and UnavailableError for one past the end.
 */
export interface Storage {
  /** The hard state and membership saved at the last restart point. */
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any, at most `maxSize` bytes otherwise. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /** The term of entry `index`; valid for firstIndex()-1 ..= lastIndex(). */
  term(index: number): number;
  lastIndex(): number;
  /** The first index still held as an entry (snapshot index + 1). */
  firstIndex(): number;
  /** The latest snapshot, to send to a follower that is too far behind. */
  snapshot(): Snapshot;
}

/** Keeps `maxSize` bytes' worth of `ents` (always at least one entry). */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n]!);
    if (size > maxSize) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

/**
 * MemoryStorage holds the stable log in memory. `ents[0]` is a dummy entry standing for the snapshot
 * (its index and term), so `ents[i].index === ents[0].index + i` always holds.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState;
  private snap: Snapshot = {
    meta: { index: 0, term: 0, confState: emptyConfState() },
    data: new Uint8Array(0),
  };
  private ents: Entry[] = [{ index: 0, term: 0, type: EntryType.Normal, data: new Uint8Array(0) }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  /** Records the hard state last persisted. */
  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) throw new UnavailableError();
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    if (index < offset) throw new CompactedError();
    if (index - offset >= this.ents.length) throw new UnavailableError();
    return this.ents[index - offset]!.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log by a snapshot (received from the leader, or loaded at start). */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index < this.snap.meta.index)
      throw new Error('raft: applySnapshot: snapshot is out of date');
    this.snap = snap;
    this.ents = [
      { index: snap.meta.index, term: snap.meta.term, type: EntryType.Normal, data: new Uint8Array(0) },
    ];
  }

  /** Records a snapshot of the applied state at `index` (<= last index); the log is not compacted. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) throw new Error('raft: createSnapshot: snapshot is out of date');
    if (index > this.lastIndex())
      throw new Error(`raft: createSnapshot: index ${index} is beyond the last index`);
    this.snap = { meta: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Drops entries up to `compactIndex` (which must be <= the snapshot index the caller has saved). */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) return;
    if (compactIndex > this.lastIndex())
      throw new Error(`raft: compact ${compactIndex} is beyond the last index`);
    const i = compactIndex - offset;
    const head = this.ents[i]!;
    const rest = this.ents.slice(i + 1);
    this.ents = [
      { index: head.index, term: head.term, type: EntryType.Normal, data: new Uint8Array(0) },
      ...rest,
    ];
  }

  /** Appends entries, replacing any suffix they conflict with. Entries before the first index are ignored. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[entries.length - 1]!.index;
    if (last < first) return;
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const offset = entries[0]!.index - this.ents[0]!.index;
    if (offset > this.ents.length) {
      throw new Error(`raft: missing log entry [last: ${this.lastIndex()}, append at: ${entries[0]!.index}]`);
    }
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of entries) this.ents.push(e);
  }
}
