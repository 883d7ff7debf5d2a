/**
 * @module Wal: the write-ahead log of entries and hard states, in segment files of CRC-checked records.
 * Every snapshot starts a fresh segment that holds what the log still needs (marker, hard state, entries after
 * the snapshot), after which older segments are deleted: the first segment is always self-contained.
 */
import { crc32 } from 'node:zlib';
import { Reader, Writer } from '../codec/binary.js';
import { readEntries, readHardState, writeEntries, writeHardState } from '../codec/message-codec.js';
import { CorruptionError } from '../errors.js';
import type { Entry, HardState } from '../types.js';
import { emptyHardState } from '../types.js';
import { type Disk, type DiskFile, pathJoin, writeFileDurably } from './disk.js';
import { encodeRecord, RECORD_HEADER, RecordType, scanSegment } from './record.js';

/** Transforms payloads on their way to and from the disk (encryption at rest). */
export interface Codec {
  encode(plain: Uint8Array): Uint8Array;
  decode(stored: Uint8Array): Uint8Array;
}

/** Where the log starts: the snapshot it follows (index 0 when there is none). */
export interface SnapshotMarker {
  index: number;
  term: number;
}

/** What the WAL held at open: the last hard state, the snapshot marker, and the entries after it. */
export interface WalContents {
  hardState: HardState;
  snapshot: SnapshotMarker;
  entries: Entry[];
}

/** Options for Wal.open. */
export interface WalOptions {
  codec?: Codec;
  /** A segment is closed and a new one started past this size. Default 64 MiB. */
  segmentBytes?: number;
  logger?: (line: string) => void;
}

const SEGMENT = /^([0-9a-f]{16})\.wal$/;

function segmentName(seq: number): string {
  return `${seq.toString(16).padStart(16, '0')}.wal`;
}

/** Wal appends records to the current segment. Not thread-safe; all calls are synchronous. */
export class Wal {
  private readonly disk: Disk;
  private readonly dir: string;
  private readonly codec: Codec | undefined;
  private readonly segmentBytes: number;
  private seq: number;
  private file: DiskFile;

  private constructor(disk: Disk, dir: string, seq: number, opts: WalOptions) {
    this.disk = disk;
    this.dir = dir;
    this.seq = seq;
    this.codec = opts.codec;
    this.segmentBytes = opts.segmentBytes ?? 64 << 20;
    this.file = disk.openAppend(pathJoin(dir, segmentName(seq)));
  }

  /**
   * Opens (creating if needed) the WAL in `dir` and reads it back. A torn last record is cut off; damage
   * anywhere else throws CorruptionError naming the file and offset.
   */
  static open(disk: Disk, dir: string, opts: WalOptions = {}): { wal: Wal; contents: WalContents } {
    disk.mkdirp(dir);
    const names = disk.list(dir);
    for (const n of names) if (n.endsWith('.tmp')) disk.remove(pathJoin(dir, n));
    const segments = names.filter((n) => SEGMENT.test(n));
    const replay = new Replay(opts.codec);
    if (segments.length === 0) {
      disk.openAppend(pathJoin(dir, segmentName(1))).close();
      disk.syncDir(dir);
      return { wal: new Wal(disk, dir, 1, opts), contents: replay.contents() };
    }
    segments.forEach((name, i) => {
      const path = pathJoin(dir, name);
      const data = disk.readFile(path);
      const isLast = i === segments.length - 1;
      const scan = scanSegment(data, path, isLast);
      if (isLast && scan.validEnd < data.byteLength) {
        opts.logger?.(
          `wal: ${path}: cutting a torn write at byte offset ${scan.validEnd} (${data.byteLength - scan.validEnd} bytes)`,
        );
        disk.truncate(path, scan.validEnd);
      }
      for (const rec of scan.records) replay.record(rec.type, rec.payload, path, rec.offset);
    });
    const seq = Number.parseInt(SEGMENT.exec(segments[segments.length - 1]!)![1]!, 16);
    return { wal: new Wal(disk, dir, seq, opts), contents: replay.contents() };
  }

  /** Appends one record to `w`: header, type, then what `body` writes (through the codec if any). */
  private writeRecord(w: Writer, type: RecordType, body: (w: Writer) => void): void {
    if (this.codec) {
      const inner = new Writer(256);
      body(inner);
      w.raw(encodeRecord(type, this.codec.encode(inner.finish())));
      return;
    }
    const at = w.reserveU32();
    const crcAt = w.reserveU32();
    w.u8(type);
    body(w);
    const end = w.length;
    w.patchU32(at, end - at - RECORD_HEADER);
    w.patchU32(crcAt, crc32(w.view(at + RECORD_HEADER, end)));
  }

  private encode(w: Writer, hs: HardState | undefined, ents: readonly Entry[]): void {
    if (ents.length > 0) this.writeRecord(w, RecordType.Entries, (x) => writeEntries(x, ents));
    if (hs) this.writeRecord(w, RecordType.HardState, (x) => writeHardState(x, hs));
  }

  private writer(ents: readonly Entry[]): Writer {
    let size = 128;
    for (const e of ents) size += 32 + e.data.byteLength;
    return new Writer(size);
  }

  /** Appends entries and/or a hard state (not yet durable: call sync()). */
  save(hs: HardState | undefined, ents: readonly Entry[]): void {
    if (!hs && ents.length === 0) return;
    const w = this.writer(ents);
    this.encode(w, hs, ents);
    this.file.append(w.finish());
    if (this.file.size >= this.segmentBytes) this.rotate();
  }

  /** Makes everything saved durable. */
  sync(): void {
    this.file.sync();
  }

  private rotate(): void {
    this.file.sync();
    this.file.close();
    this.seq++;
    this.file = this.disk.openAppend(pathJoin(this.dir, segmentName(this.seq)));
    this.disk.syncDir(this.dir);
  }

  /**
   * Starts a fresh segment after a snapshot: marker, hard state and the entries that follow the snapshot,
   * written durably; then deletes every older segment.
   */
  cut(snap: SnapshotMarker, hs: HardState, retained: readonly Entry[]): void {
    // Older segments must hold no torn tail in case their deletion does not survive a crash.
    this.file.sync();
    const w = this.writer(retained);
    this.writeRecord(w, RecordType.Snapshot, (x) => x.u64(snap.index).u64(snap.term));
    this.encode(w, hs, retained);
    const content = w.finish();
    const next = this.seq + 1;
    writeFileDurably(this.disk, pathJoin(this.dir, segmentName(next)), content);
    this.file.close();
    for (const n of this.disk.list(this.dir)) {
      const m = SEGMENT.exec(n);
      if (m && Number.parseInt(m[1]!, 16) < next) this.disk.remove(pathJoin(this.dir, n));
    }
    this.disk.syncDir(this.dir);
    this.seq = next;
    this.file = this.disk.openAppend(pathJoin(this.dir, segmentName(next)));
  }

  close(): void {
    this.file.close();
  }
}

/** Rebuilds the log from records, in order. */
class Replay {
  private hardState: HardState = emptyHardState;
  private snapshot: SnapshotMarker = { index: 0, term: 0 };
  private entries: Entry[] = [];
  private readonly codec: Codec | undefined;

  constructor(codec: Codec | undefined) {
    this.codec = codec;
  }

  record(type: RecordType, stored: Uint8Array, file: string, offset: number): void {
    let r: Reader;
    try {
      r = new Reader(this.codec ? this.codec.decode(stored) : stored);
    } catch (err) {
      throw new CorruptionError(file, offset, `record cannot be decoded (${(err as Error).message})`);
    }
    try {
      if (type === RecordType.Entries) this.append(readEntries(r), file, offset);
      else if (type === RecordType.HardState) this.hardState = readHardState(r);
      else this.marker({ index: r.u64(), term: r.u64() });
    } catch (err) {
      if (err instanceof CorruptionError) throw err;
      throw new CorruptionError(file, offset, `malformed record (${(err as Error).message})`);
    }
  }

  private append(ents: Entry[], file: string, offset: number): void {
    const base = this.snapshot.index;
    for (const e of ents) {
      if (e.index <= base) continue;
      const pos = e.index - base - 1;
      if (pos > this.entries.length) {
        throw new CorruptionError(
          file,
          offset,
          `entry ${e.index} does not follow the last entry ${base + this.entries.length}`,
        );
      }
      this.entries.length = pos;
      this.entries.push(e);
    }
  }

  private marker(m: SnapshotMarker): void {
    if (m.index <= this.snapshot.index) return;
    const pos = m.index - this.snapshot.index - 1;
    const keep = pos < this.entries.length && this.entries[pos]!.term === m.term;
    this.entries = keep ? this.entries.slice(pos + 1) : [];
    this.snapshot = m;
  }

  contents(): WalContents {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries };
  }
}
