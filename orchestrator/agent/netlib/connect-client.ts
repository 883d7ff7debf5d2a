import { connect, type Socket } from 'node:net';
import { formatHostPort, type HostPort } from './host-port.js';

/** The gateway answered the CONNECT with something other than 200; `status` is its HTTP status (0: no answer). */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const maxHeaderBytes = 8192;

/** Opens a plain TCP connection, failing after `timeoutMs`. */
export function connectDirect(target: HostPort, options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect ETIMEDOUT ${formatHostPort(target)}`), { code: 'ETIMEDOUT' }));
    }, options.timeoutMs ?? 10_000);
    const abort = () => socket.destroy(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      reject(error);
    });
  });
}

/**
 * Opens a tunnel to `target` through the node's mesh gateway with a standard HTTP CONNECT preface
 * (`CONNECT 10.0.1.5:8080 HTTP/1.1`). Resolves with the socket once the gateway answered `200`; any bytes the
 * gateway sent after its header are put back, so the socket reads as a direct connection to the target.
 */
export async function connectThroughGateway(
  gateway: HostPort,
  target: HostPort,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Socket> {
  const socket = await connectDirect(gateway, options);
  const authority = formatHostPort(target);
  return new Promise<Socket>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(
      () => fail(new GatewayError(0, `no answer from the gateway for ${authority}`)),
      options.timeoutMs ?? 10_000,
    );
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('error', fail);
      socket.off('end', onEnd);
    };
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onEnd = () => fail(new GatewayError(0, `the gateway closed the connection to ${authority}`));
    // 'readable' + read() keeps the socket out of flowing mode, so no byte is lost before the caller reads.
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > maxHeaderBytes)
          fail(new GatewayError(0, 'the gateway sent an oversized answer'));
        return;
      }
      const head = buffered.subarray(0, end).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!status)
        return fail(new GatewayError(0, `the gateway sent a malformed answer: ${head.split('\r\n')[0]}`));
      if (status[1] !== '200') {
        const reason = head.split('\r\n')[0].replace(/^HTTP\/1\.[01] /, '');
        return fail(new GatewayError(Number(status[1]), `the gateway refused ${authority}: ${reason}`));
      }
      cleanup();
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('readable', onReadable);
    socket.on('error', fail);
    socket.on('end', onEnd);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}
