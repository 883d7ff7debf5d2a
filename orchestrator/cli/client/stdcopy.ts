// Docker's multiplexed stream framing (stdcopy): an 8-byte header [stream, 0, 0, 0, size (big endian)]
// before each chunk of stdout (1) or stderr (2) output; stream 3 carries a daemon error.

/** Reads frames from `source` and hands each payload to `onFrame` with its stream number. */
export async function demultiplex(
  source: AsyncIterable<Buffer | string>,
  onFrame: (stream: number, payload: Buffer) => void,
  head: Buffer = Buffer.alloc(0),
): Promise<void> {
  let pending = head;
  const drain = () => {
    while (pending.length >= 8) {
      const stream = pending[0]!;
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) return;
      const payload = pending.subarray(8, 8 + size);
      pending = pending.subarray(8 + size);
      if (stream === 3) throw new Error(`error from daemon in stream: ${payload.toString('utf8')}`);
      if (stream !== 0 && stream !== 1 && stream !== 2) {
        throw new Error(`Unrecognized input header: ${stream}`);
      }
      onFrame(stream, payload);
    }
  };
  drain();
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    pending = pending.length ? Buffer.concat([pending, buffer]) : buffer;
    drain();
  }
}

/** Builds one frame (for tests and for daemons speaking the format). */
export function frame(stream: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}
