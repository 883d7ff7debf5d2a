/**
 * The exec protocol on a container's control socket. The client sends one JSON line (an `ExecRequest`), then
 * both sides exchange frames: a 1-byte type, a 4-byte big-endian length, the payload.
 */

/** What to run inside the container. */
export interface ExecRequest {
  cmd: string[];
  /** `KEY=value` entries added to the container's environment. */
  env?: string[];
  workingDir?: string;
  /** Combine stdout and stderr into one terminal stream, with a line discipline on input. */
  tty?: boolean;
  /** Whether the client will send stdin (otherwise stdin is empty). */
  stdin?: boolean;
  cols?: number;
  rows?: number;
}

export const FrameType = {
  /** client -> runtime: input bytes. */
  stdin: 0,
  /** runtime -> client: output bytes. */
  stdout: 1,
  stderr: 2,
  /** runtime -> client: `{"code": n}`; the last frame. */
  exit: 3,
  /** client -> runtime: end of input. */
  stdinEnd: 4,
  /** client -> runtime: `{"cols": n, "rows": n}`. */
  resize: 5,
  /** client -> runtime: a signal name for the exec's processes (`SIGKILL` ends the exec at once). */
  signal: 6,
} as const;

const maxFrame = 16 * 1024 * 1024;

/** Encodes one frame. */
export function encodeFrame(type: number, payload: Uint8Array | string = Buffer.alloc(0)): Buffer {
  const data =
    typeof payload === 'string'
      ? Buffer.from(payload)
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const header = Buffer.alloc(5);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

/** Splits a byte stream into frames. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete frames they finish. Throws on an oversized frame. */
  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: { type: number; payload: Buffer }[] = [];
    while (this.buffered.length >= 5) {
      const length = this.buffered.readUInt32BE(1);
      if (length > maxFrame) throw new Error(`exec frame of ${length} bytes is too large`);
      if (this.buffered.length < 5 + length) break;
      frames.push({ type: this.buffered[0], payload: this.buffered.subarray(5, 5 + length) });
      this.buffered = this.buffered.subarray(5 + length);
    }
    return frames;
  }
}
