/**
 * @module WAL records: `[u32 body length][u32 CRC-32 of body][body = u8 type, payload]`, and the scanner that
 * reads a segment back, telling a torn last write (repairable) from corruption (fatal).
 */
import { crc32 } from 'node:zlib';
import { CorruptionError } from '../errors.js';

/** Bytes before a record's body. */
export const RECORD_HEADER = 8;
const SECTOR = 512;

/** What a record holds. */
export enum RecordType {
  /** A batch of log entries (a later entry at an existing index replaces the suffix from there). */
  Entries = 1,
  HardState = 2,
  /** Snapshot marker: the log now starts after (index, term); earlier entries are in the snapshot file. */
  Snapshot = 3,
}

/** Encodes one record. */
export function encodeRecord(type: RecordType, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER + 1 + payload.byteLength);
  out[RECORD_HEADER] = type;
  out.set(payload, RECORD_HEADER + 1);
  const body = out.subarray(RECORD_HEADER);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  return out;
}

/** A record read back. */
export interface ScannedRecord {
  type: RecordType;
  payload: Uint8Array;
  offset: number;
}

/** The records of a segment, and where valid data ends (less than the file size when a torn tail was cut). */
export interface ScanResult {
  records: ScannedRecord[];
  validEnd: number;
}

function isRecordType(t: number | undefined): t is RecordType {
  return t === RecordType.Entries || t === RecordType.HardState || t === RecordType.Snapshot;
}

function validAt(buf: Buffer, p: number): boolean {
  if (p + RECORD_HEADER >= buf.length) return false;
  const len = buf.readUInt32LE(p);
  if (len < 1 || p + RECORD_HEADER + len > buf.length || !isRecordType(buf[p + RECORD_HEADER])) return false;
  return crc32(buf.subarray(p + RECORD_HEADER, p + RECORD_HEADER + len)) === buf.readUInt32LE(p + 4);
}

function allZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/** True when some sector-aligned piece of [from, to) is all zeros: a sector that never reached the disk. */
function hasZeroPiece(buf: Buffer, from: number, to: number): boolean {
  let start = from;
  while (start < to) {
    const end = Math.min(to, (Math.floor(start / SECTOR) + 1) * SECTOR);
    if (allZero(buf, start, end)) return true;
    start = end;
  }
  return false;
}

/**
 * Reads every record of a segment. In the last segment, a bad record is a torn write when it runs past the
 * end of the file, has a sector that was never written (zeros), or no valid record follows it; the scan then
 * stops there (nothing after it was ever acknowledged, since acknowledgements follow fsync). Any other bad
 * record is corruption: CorruptionError names the file and offset.
 */
export function scanSegment(data: Uint8Array, file: string, isLast: boolean): ScanResult {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const records: ScannedRecord[] = [];
  let off = 0;
  const bad = (what: string, end: number): ScanResult => {
    if (!isLast) throw new CorruptionError(file, off, what);
    const torn = end > buf.length || hasZeroPiece(buf, off, Math.min(end, buf.length));
    if (torn) return { records, validEnd: off };
    for (let p = off + 1; p < buf.length; p++) {
      if (validAt(buf, p)) throw new CorruptionError(file, off, what);
    }
    return { records, validEnd: off };
  };
  while (off < buf.length) {
    if (buf.length - off < RECORD_HEADER) return bad('truncated record header', Number.POSITIVE_INFINITY);
    const len = buf.readUInt32LE(off);
    const crc = buf.readUInt32LE(off + 4);
    if (len === 0 && crc === 0 && allZero(buf, off, buf.length)) {
      if (!isLast) throw new CorruptionError(file, off, 'unexpected zeros at the end of a closed segment');
      return { records, validEnd: off };
    }
    if (len < 1) return bad('invalid record length', off + RECORD_HEADER);
    const end = off + RECORD_HEADER + len;
    if (end > buf.length) return bad('record extends past the end of the file', end);
    const body = buf.subarray(off + RECORD_HEADER, end);
    if (crc32(body) !== crc) return bad('record checksum mismatch', end);
    const type = body[0];
    if (!isRecordType(type)) return bad(`unknown record type ${type}`, end);
    records.push({ type, payload: body.subarray(1), offset: off });
    off = end;
  }
  return { records, validEnd: off };
}
