import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { decode, encode, RECURSION_DESIRED } from 'dns-packet';
import type { HostPort } from './host-port.js';

/** The answer to an A query: `rcode` is the DNS response code (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...). */
export interface DnsAnswer {
  rcode: string;
  addresses: string[];
}

/** A query that got no answer in time or could not be sent. */
export class DnsTimeoutError extends Error {
  override name = 'DnsTimeoutError';
}

const rcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/**
 * Sends one real DNS query (UDP, recursion desired) for the A records of `name` to `server` and waits for the
 * answer with the same id. Sends it a second time after half the timeout, as stub resolvers do.
 */
export function queryA(
  name: string,
  server: HostPort,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<DnsAnswer> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const id = randomInt(0, 65536);
  const query = encode({
    type: 'query',
    id,
    flags: RECURSION_DESIRED,
    questions: [{ type: 'A', class: 'IN', name }],
  });
  const socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (error: unknown, answer?: DnsAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      socket.close();
      if (answer) resolve(answer);
      else reject(error);
    };
    const abort = () => finish(options.signal?.reason ?? new Error('aborted'));
    const send = (attempt: number) => {
      socket.send(query, server.port, server.host, (error) => {
        if (error)
          finish(
            new DnsTimeoutError(
              `cannot reach the DNS server ${server.host}:${server.port}: ${error.message}`,
            ),
          );
      });
      timer = setTimeout(() => {
        if (attempt < 2) send(attempt + 1);
        else finish(new DnsTimeoutError(`no answer from the DNS server ${server.host}:${server.port}`));
      }, timeoutMs / 2);
    };
    if (options.signal?.aborted) return abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    socket.on('error', (error) => finish(new DnsTimeoutError(`DNS query failed: ${error.message}`)));
    socket.on('message', (message) => {
      let packet: ReturnType<typeof decode>;
      try {
        packet = decode(message);
      } catch {
        return;
      }
      if (packet.id !== id || packet.type !== 'response') return;
      const addresses = (packet.answers ?? []).flatMap((answer) =>
        answer.type === 'A' ? [String(answer.data)] : [],
      );
      finish(undefined, { rcode: rcodeNames[(packet.flags ?? 0) & 0xf] ?? 'SERVFAIL', addresses });
    });
    send(1);
  });
}
