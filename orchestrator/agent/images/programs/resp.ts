/** RESP (REdis Serialization Protocol) encoding and decoding, as Redis 2.x-7.x speak it. */

export type RespValue = string | number | null | RespError | RespValue[] | { simple: string };

/** An error reply (`-ERR ...`). */
export class RespError {
  constructor(readonly message: string) {}
}

/** Encodes a reply: strings as bulk strings, `{simple}` as status replies, numbers as integers. */
export function encodeResp(value: RespValue): string {
  if (value === null) return '$-1\r\n';
  if (value instanceof RespError) return `-${value.message}\r\n`;
  if (Array.isArray(value)) return `*${value.length}\r\n${value.map(encodeResp).join('')}`;
  if (typeof value === 'number') return `:${value}\r\n`;
  if (typeof value === 'object') return `+${value.simple}\r\n`;
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

/**
 * Decodes one command (a RESP array of bulk strings, or an inline command line) from the start of `buffer`.
 * Undefined when the buffer holds no complete command yet; throws on a protocol error.
 */
export function decodeCommand(buffer: Buffer): { args: string[]; consumed: number } | undefined {
  if (buffer.length === 0) return undefined;
  if (buffer[0] !== 0x2a) {
    const end = buffer.indexOf('\n');
    if (end < 0) {
      if (buffer.length > 64 * 1024) throw new Error('Protocol error: too big inline request');
      return undefined;
    }
    const line = buffer.subarray(0, end).toString('utf8').replace(/\r$/, '');
    return { args: line.split(/\s+/).filter(Boolean), consumed: end + 1 };
  }
  let at = 0;
  const readLine = (): string | undefined => {
    const end = buffer.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const line = buffer.subarray(at, end).toString('utf8');
    at = end + 2;
    return line;
  };
  const header = readLine();
  if (header === undefined) return undefined;
  const count = Number(header.slice(1));
  if (!Number.isInteger(count) || count > 1024 * 1024)
    throw new Error('Protocol error: invalid multibulk length');
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const lengthLine = readLine();
    if (lengthLine === undefined) return undefined;
    if (lengthLine[0] !== '$') throw new Error(`Protocol error: expected '$', got '${lengthLine[0] ?? ''}'`);
    const length = Number(lengthLine.slice(1));
    if (!Number.isInteger(length) || length < 0 || length > 512 * 1024 * 1024)
      throw new Error('Protocol error: invalid bulk length');
    if (buffer.length < at + length + 2) return undefined;
    args.push(buffer.subarray(at, at + length).toString('utf8'));
    at += length + 2;
  }
  return { args, consumed: at };
}

/** Decodes one reply from the start of `buffer` (for redis-cli); undefined when incomplete. */
export function decodeReply(buffer: Buffer, start = 0): { value: RespValue; consumed: number } | undefined {
  const end = buffer.indexOf('\r\n', start);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buffer[start]);
  const line = buffer.subarray(start + 1, end).toString('utf8');
  const next = end + 2;
  switch (type) {
    case '+':
      return { value: { simple: line }, consumed: next };
    case '-':
      return { value: new RespError(line), consumed: next };
    case ':':
      return { value: Number(line), consumed: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, consumed: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.subarray(next, next + length).toString('utf8'), consumed: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, consumed: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = decodeReply(buffer, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.consumed;
      }
      return { value: items, consumed: at };
    }
    default:
      throw new Error(`unknown reply type '${type}'`);
  }
}
