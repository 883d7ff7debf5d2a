import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import type { NativeRelay } from './native-relay.js';

/** How long a listener whose port is taken waits before trying again. */
export const listenRetryMs = 5_000;

/** A listening socket on a fixed port that keeps trying while the port is taken, and never throws. */
export interface RetryingListener {
  readonly listening: boolean;
  close(): void;
}

interface Options {
  host: string;
  port: number;
  /** Says what the port is for, in log lines. */
  purpose: string;
  log(line: string): void;
  retryMs?: number;
}

/** Listens on a TCP port; connections arrive paused (nothing read until the handler pipes them). */
export function listenTcp(options: Options, onConnection: (socket: Socket) => void): RetryingListener {
  return retrying(options, () => {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, onConnection);
    server.on('error', () => {}); // errors after listening: nothing to do but keep serving
    return {
      listen: (ready, failed) => {
        server.once('error', failed);
        server.listen({ host: options.host, port: options.port, backlog: 1024 }, () => {
          server.removeListener('error', failed);
          ready();
        });
      },
      close: () => server.close(),
    };
  });
}

/** Binds a UDP port. */
export function listenUdp(options: Options, onSocket: (socket: UdpSocket) => void): RetryingListener {
  return retrying(options, () => {
    const socket = createSocket({ type: 'udp4' });
    return {
      listen: (ready, failed) => {
        socket.once('error', failed);
        socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
          socket.removeListener('error', failed);
          socket.on('error', () => {});
          onSocket(socket);
          ready();
        });
      },
      close: () => {
        try {
          socket.close();
        } catch {
          // already closed
        }
      },
    };
  });
}

/** Listens on a TCP port in the native relay, which accepts and relays on its own thread. */
export function listenNative(
  options: Options,
  relay: NativeRelay,
  onListening: (listener: number) => void,
): RetryingListener {
  return retrying(options, () => {
    let id: number | undefined;
    return {
      listen: (ready, failed) => {
        try {
          id = relay.listen(options.host, options.port);
        } catch (error) {
          failed(error as NodeJS.ErrnoException);
          return;
        }
        onListening(id);
        ready();
      },
      close: () => {
        if (id !== undefined) relay.closeListener(id);
      },
    };
  });
}

type Attempt = (ready: () => void, failed: (error: NodeJS.ErrnoException) => void) => void;

function retrying(options: Options, create: () => { listen: Attempt; close: () => void }): RetryingListener {
  let closed = false;
  let listening = false;
  let current: { close: () => void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reported = '';
  const where = `${options.host}:${options.port}`;
  const attempt = (): void => {
    if (closed) return;
    const instance = create();
    current = instance;
    instance.listen(
      () => {
        listening = true;
        if (reported) options.log(`${options.purpose}: now listening on ${where}`);
        if (closed) instance.close();
      },
      (error) => {
        instance.close();
        current = undefined;
        if (closed) return;
        const reason = describeListenError(error);
        // Say it once per distinct cause, not on every retry.
        if (reason !== reported) {
          options.log(
            `${options.purpose}: cannot listen on ${where}: ${reason}; retrying every ${Math.round((options.retryMs ?? listenRetryMs) / 1000)}s`,
          );
          reported = reason;
        }
        timer = setTimeout(attempt, options.retryMs ?? listenRetryMs);
        timer.unref();
      },
    );
  };
  attempt();
  return {
    get listening() {
      return listening && !closed;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      current?.close();
    },
  };
}

function describeListenError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the port is already in use by another process or service';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges this node does not have)';
    case 'EADDRNOTAVAIL':
      return 'the address is not available on this machine';
    default:
      return error.message;
  }
}
