import { connect, type Socket } from 'node:net';
import type { Backend } from './routes.js';

/** How long one connection attempt to a task may take before the next task is tried. */
export const connectTimeoutMs = 3_000;

export interface Connected {
  socket: Socket;
  backend: Backend;
}

/**
 * Connects to the first backend that accepts, trying them in order: a task that stopped (or whose node went
 * away) before this node heard of it costs a retry, not a failed connection. Calls `done` once, with the
 * connected socket or the last error. `cancelled` is checked between attempts (the client went away).
 */
export function connectFirst(
  backends: readonly Backend[],
  done: (error: Error | undefined, connected?: Connected) => void,
  cancelled: () => boolean = () => false,
): void {
  let index = 0;
  let lastError: Error | undefined;
  const attempt = (): void => {
    const backend = backends[index++];
    if (!backend || cancelled()) {
      done(lastError ?? new Error('no task to connect to'));
      return;
    }
    const socket = connect({ host: backend.host, port: backend.port, noDelay: true, allowHalfOpen: true });
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      socket.destroy();
      lastError = new Error(`task ${backend.taskId} at ${backend.host}:${backend.port}: ${error.message}`);
      attempt();
    };
    const timedOut = (): void => fail(new Error('connection timed out'));
    socket.setTimeout(connectTimeoutMs);
    socket.once('timeout', timedOut);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeListener('timeout', timedOut);
      socket.removeListener('error', fail);
      done(undefined, { socket, backend });
    });
  };
  attempt();
}
