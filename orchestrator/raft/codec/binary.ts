/**
 * @module Writer and Reader: little-endian binary encoding helpers for messages and WAL records.
 */
import { RaftError } from '../errors.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Writer appends to a growing buffer. Integers up to 2^53 are written as 64-bit. */
export class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
    return this;
  }

  u64(v: number): this {
    this.ensure(8);
    this.buf.writeUInt32LE(v % 4294967296, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / 4294967296), this.pos + 4);
    this.pos += 8;
    return this;
  }

  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.byteLength);
    return this.raw(b);
  }

  raw(b: Uint8Array): this {
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
    return this;
  }

  /** Length-prefixed UTF-8 string. */
  str(s: string): this {
    return this.bytes(textEncoder.encode(s));
  }

  /** Reserves 4 bytes to fill later with `patchU32`; returns their position. */
  reserveU32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  get length(): number {
    return this.pos;
  }

  /** A view of bytes [from, to) written so far (valid until the next write). */
  view(from: number, to: number): Buffer {
    return this.buf.subarray(from, to);
  }

  /** The bytes written (a view: do not write more afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reader reads what Writer wrote; throws a RaftError on truncated input. */
export class Reader {
  private readonly buf: Buffer;
  pos = 0;

  constructor(b: Uint8Array) {
    this.buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RaftError('DECODE', 'truncated input');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  /** Length-prefixed bytes, as a view into the input (no copy). */
  bytes(): Uint8Array {
    const n = this.u32();
    return this.raw(n);
  }

  raw(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  str(): string {
    return textDecoder.decode(this.bytes());
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }
}
