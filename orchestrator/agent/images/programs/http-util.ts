import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { aborted, type Proc, signalExitCode, sleep } from '../shell/process.js';

/** How long a stopping server keeps answering on connections it already has (each answer closes one). */
export const drainMs = 2_000;
/** How long requests still in flight after that may take before their connections are cut. */
const lastRequestsMs = 1_000;

/**
 * Serves until a terminating signal, then drains like a well-behaved server: it accepts no new connection,
 * answers each request that still comes on an open connection with `Connection: close`, and ends once every
 * connection closed (or after `drainMs`, cutting what is left). Clients of a rolling update, kept-alive ones
 * included, so never see a failed request. Returns the exit status a program without signal handling has
 * (128 + signal), or `graceful` for signals in `gracefulSignals`.
 */
export async function serveUntilSignal(
  proc: Proc,
  server: Server,
  options: { graceful?: number; gracefulSignals?: string[] } = {},
): Promise<number> {
  await aborted(proc.signal);
  server.prependListener('request', (_req, res) => {
    res.shouldKeepAlive = false;
  });
  // net's close: stop listening without http's close, which would also cut idle kept-alive connections.
  NetServer.prototype.close.call(server);
  const deadline = Date.now() + drainMs;
  while (Date.now() < deadline && (await connections(server)) > 0) await sleep(20);
  server.closeIdleConnections();
  const last = Date.now() + lastRequestsMs;
  while (Date.now() < last && (await connections(server)) > 0) await sleep(20);
  server.closeAllConnections();
  const signal = String(proc.signal.reason);
  if (options.gracefulSignals?.includes(signal)) return options.graceful ?? 0;
  return signalExitCode(signal);
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}
