/**
 * @module Binary encodings of entries, hard states, snapshot metadata and messages (wire and WAL).
 */
import { RaftError } from '../errors.js';
import type { ConfState, Entry, HardState, Message, SnapshotMeta } from '../types.js';
import { EntryType, MessageType } from '../types.js';
import { Reader, Writer } from './binary.js';

const FLAG_REJECT = 1;
const FLAG_TRANSFER = 2;
const FLAG_SNAPSHOT = 4;

/** Writes one entry: term, index, type, length-prefixed data. */
export function writeEntry(w: Writer, e: Entry): void {
  w.u64(e.term).u64(e.index).u8(e.type).bytes(e.data);
}

/** Reads one entry (its data is a view into the input). */
export function readEntry(r: Reader): Entry {
  const term = r.u64();
  const index = r.u64();
  const type = r.u8();
  if (type !== EntryType.Normal && type !== EntryType.ConfChange)
    throw new RaftError('DECODE', `unknown entry type ${type}`);
  return { term, index, type, data: r.bytes() };
}

/** Writes a count, then the entries. */
export function writeEntries(w: Writer, ents: readonly Entry[]): void {
  w.u32(ents.length);
  for (const e of ents) writeEntry(w, e);
}

/** Reads what writeEntries wrote. */
export function readEntries(r: Reader): Entry[] {
  const n = r.u32();
  const ents = new Array<Entry>(n);
  for (let i = 0; i < n; i++) ents[i] = readEntry(r);
  return ents;
}

/** Writes term, vote and commit. */
export function writeHardState(w: Writer, hs: HardState): void {
  w.u64(hs.term).str(hs.vote).u64(hs.commit);
}

/** Reads what writeHardState wrote. */
export function readHardState(r: Reader): HardState {
  return { term: r.u64(), vote: r.str(), commit: r.u64() };
}

/** Writes a configuration (JSON: small, and off the hot path). */
export function writeConfState(w: Writer, cs: ConfState): void {
  w.str(JSON.stringify(cs));
}

/** Reads and validates what writeConfState wrote. */
export function readConfState(r: Reader): ConfState {
  const cs = JSON.parse(r.str()) as ConfState;
  if (!Array.isArray(cs.voters) || !Array.isArray(cs.learners) || typeof cs.addrs !== 'object') {
    throw new RaftError('DECODE', 'malformed configuration');
  }
  return cs;
}

/** Writes a snapshot's index, term and configuration. */
export function writeSnapshotMeta(w: Writer, meta: SnapshotMeta): void {
  w.u64(meta.index).u64(meta.term);
  writeConfState(w, meta.confState);
}

/** Reads what writeSnapshotMeta wrote. */
export function readSnapshotMeta(r: Reader): SnapshotMeta {
  const index = r.u64();
  const term = r.u64();
  return { index, term, confState: readConfState(r) };
}

/**
 * Encodes a message. With `withoutSnapshotData`, a snapshot's bytes are left out (the TCP transport streams
 * them in chunks after the message); the length is still recorded.
 */
/** About how many bytes a message encodes to (snapshot data excluded), to size buffers. */
export function messageSizeHint(m: Message): number {
  let size = 96 + m.context.byteLength + m.from.length + m.to.length;
  for (const e of m.entries) size += 21 + e.data.byteLength;
  return size;
}

export function encodeMessage(m: Message, withoutSnapshotData = false): Buffer {
  const w = new Writer(messageSizeHint(m));
  writeMessage(w, m, withoutSnapshotData);
  return w.finish();
}

/** Writes a message into `w` (see encodeMessage). */
export function writeMessage(w: Writer, m: Message, withoutSnapshotData = false): void {
  const flags =
    (m.reject ? FLAG_REJECT : 0) | (m.transfer ? FLAG_TRANSFER : 0) | (m.snapshot ? FLAG_SNAPSHOT : 0);
  w.u8(m.type).u8(flags).str(m.from).str(m.to);
  w.u64(m.term).u64(m.logTerm).u64(m.index).u64(m.commit).u64(m.rejectHint);
  w.bytes(m.context);
  writeEntries(w, m.entries);
  if (m.snapshot) {
    writeSnapshotMeta(w, m.snapshot.meta);
    if (withoutSnapshotData) w.u64(m.snapshot.data.byteLength);
    else w.u64(m.snapshot.data.byteLength).raw(m.snapshot.data);
  }
}

/**
 * Decodes a message. When the snapshot data was left out, `snapshotDataLength` says how many bytes to expect
 * and `snapshot.data` is empty.
 */
export function decodeMessage(
  b: Uint8Array,
  withoutSnapshotData = false,
): { msg: Message; snapshotDataLength: number } {
  const r = new Reader(b);
  const type = r.u8();
  if (!(type in MessageType)) throw new RaftError('DECODE', `unknown message type ${type}`);
  const flags = r.u8();
  const from = r.str();
  const to = r.str();
  const term = r.u64();
  const logTerm = r.u64();
  const index = r.u64();
  const commit = r.u64();
  const rejectHint = r.u64();
  const context = r.bytes();
  const entries = readEntries(r);
  const msg: Message = {
    type,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    reject: (flags & FLAG_REJECT) !== 0,
    rejectHint,
    transfer: (flags & FLAG_TRANSFER) !== 0,
    context,
  };
  let snapshotDataLength = 0;
  if (flags & FLAG_SNAPSHOT) {
    const meta = readSnapshotMeta(r);
    snapshotDataLength = r.u64();
    const data = withoutSnapshotData ? new Uint8Array(0) : r.raw(snapshotDataLength);
    msg.snapshot = { meta, data };
  }
  return { msg, snapshotDataLength };
}
