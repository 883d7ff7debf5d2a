/**
 * @module Length-prefixed frames on a byte stream: `[u32 length][u8 kind][payload]`, length = 1 + payload.
 */

/** Frame kinds of the TCP transport. Values are part of the wire format. */
export enum FrameKind {
  /** First frame on a connection: protocol version, sender id and sender address. */
  Hello = 1,
  /** One encoded Raft message. */
  Message = 2,
  /** A snapshot message without its data; `Chunk` frames with the data follow. */
  SnapshotHead = 3,
  SnapshotChunk = 4,
}

/** The largest frame accepted: anything bigger is a protocol error (snapshots travel in chunks). */
export const MAX_FRAME = 512 << 20;

/** Builds the header of a frame whose payload is `payloadLength` bytes. */
export function frameHeader(kind: FrameKind, payloadLength: number): Buffer {
  const h = Buffer.allocUnsafe(5);
  h.writeUInt32LE(payloadLength + 1, 0);
  h[4] = kind;
  return h;
}

/** One frame: a header and its payload, as a single buffer. */
export function frame(kind: FrameKind, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.byteLength);
  out.writeUInt32LE(payload.byteLength + 1, 0);
  out[4] = kind;
  out.set(payload, 5);
  return out;
}

/** FrameReader cuts a byte stream into frames. Payloads are copies, independent of the socket's buffers. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes; returns the complete frames. Throws on a frame length out of bounds. */
  push(data: Buffer): { kind: number; payload: Buffer }[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: { kind: number; payload: Buffer }[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const len = this.peekLength();
      if (len < 1 || len > MAX_FRAME) throw new Error(`invalid frame length ${len}`);
      if (this.buffered < 4 + len) break;
      const whole = this.take(4 + len);
      out.push({ kind: whole[4]!, payload: whole.subarray(5) });
    }
    return out;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32LE(0);
    return Buffer.concat(this.chunks).readUInt32LE(0);
  }

  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const need = n - filled;
      if (c.length <= need) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, need);
        this.chunks[0] = c.subarray(need);
        filled += need;
      }
    }
    this.buffered -= n;
    return out;
  }
}
