/**
 * @module Snapshotter: snapshot files (`<index>-<term>.snap`), written atomically and checked by CRC on load.
 */
import { crc32 } from 'node:zlib';
import { Reader, Writer } from '../codec/binary.js';
import { readSnapshotMeta, writeSnapshotMeta } from '../codec/message-codec.js';
import { CorruptionError } from '../errors.js';
import type { Snapshot } from '../types.js';
import { type Disk, pathJoin, writeFileDurably } from '../wal/disk.js';
import type { Codec } from '../wal/wal.js';

const MAGIC = 0x534e4150; // "SNAP"
const VERSION = 1;
const HEADER = 12;
const SNAP = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

function snapName(index: number, term: number): string {
  return `${index.toString(16).padStart(16, '0')}-${term.toString(16).padStart(16, '0')}.snap`;
}

/** Snapshotter saves and loads snapshot files in one directory. */
export class Snapshotter {
  private readonly disk: Disk;
  private readonly dir: string;
  private readonly codec: Codec | undefined;

  constructor(disk: Disk, dir: string, codec?: Codec) {
    this.disk = disk;
    this.dir = dir;
    this.codec = codec;
    disk.mkdirp(dir);
  }

  /** Writes `snap` durably (all or nothing). */
  save(snap: Snapshot): void {
    const data = this.codec ? this.codec.encode(snap.data) : snap.data;
    const w = new Writer(HEADER + 256 + data.byteLength);
    w.u32(MAGIC).u32(VERSION);
    const crcAt = w.reserveU32();
    writeSnapshotMeta(w, snap.meta);
    w.u64(data.byteLength).raw(data);
    const out = w.finish();
    w.patchU32(crcAt, crc32(out.subarray(HEADER)));
    writeFileDurably(this.disk, pathJoin(this.dir, snapName(snap.meta.index, snap.meta.term)), out);
  }

  /** Loads the snapshot at (index, term); throws CorruptionError when it is missing or damaged. */
  load(index: number, term: number): Snapshot {
    const path = pathJoin(this.dir, snapName(index, term));
    if (!this.disk.exists(path)) {
      throw new CorruptionError(
        path,
        0,
        `snapshot file for index ${index}, term ${term} is missing (the WAL refers to it)`,
      );
    }
    const buf = Buffer.from(this.disk.readFile(path));
    if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC)
      throw new CorruptionError(path, 0, 'not a snapshot file');
    if (buf.readUInt32LE(4) !== VERSION)
      throw new CorruptionError(path, 4, `unsupported snapshot version ${buf.readUInt32LE(4)}`);
    if (crc32(buf.subarray(HEADER)) !== buf.readUInt32LE(8))
      throw new CorruptionError(path, HEADER, 'snapshot checksum mismatch');
    const r = new Reader(buf.subarray(HEADER));
    const meta = readSnapshotMeta(r);
    const stored = r.raw(r.u64());
    if (meta.index !== index || meta.term !== term)
      throw new CorruptionError(path, HEADER, 'snapshot metadata does not match its name');
    let data: Uint8Array;
    try {
      data = this.codec ? this.codec.decode(stored) : stored;
    } catch (err) {
      throw new CorruptionError(path, HEADER, `snapshot cannot be decoded (${(err as Error).message})`);
    }
    return { meta, data };
  }

  /** Deletes every snapshot file except the one at `keepIndex` (and leftovers of interrupted writes). */
  prune(keepIndex: number): void {
    for (const n of this.disk.list(this.dir)) {
      const m = SNAP.exec(n);
      if ((m && Number.parseInt(m[1]!, 16) !== keepIndex) || n.endsWith('.tmp'))
        this.disk.remove(pathJoin(this.dir, n));
    }
  }
}
