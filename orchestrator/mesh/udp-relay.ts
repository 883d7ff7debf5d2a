import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Backend } from './routes.js';

/** A UDP flow (one client address and port) with no datagram either way for this long is forgotten. */
export const udpFlowIdleMs = 30_000;

interface Flow {
  backend: Backend;
  socket: Socket;
  lastActive: number;
}

/**
 * Relays the datagrams of a published UDP port: each client address and port is a flow, pinned to one task
 * (picked when its first datagram arrives) through a socket of its own, whose replies go back to the client
 * from the published port.
 */
export class UdpRelay {
  private readonly flows = new Map<string, Flow>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly listener: Socket,
    private readonly pick: () => Backend | undefined,
    private readonly idleMs = udpFlowIdleMs,
  ) {
    listener.on('message', (message, client) => this.fromClient(message, client));
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, idleMs / 2));
    this.sweeper.unref();
  }

  /** Ends the flows pinned to a task no longer in `backends`: their next datagram picks a routable task. */
  retain(backends: readonly Backend[]): void {
    const live = new Set(backends.map((b) => `${b.taskId}@${b.host}:${b.port}`));
    for (const [key, flow] of this.flows) {
      const { taskId, host, port } = flow.backend;
      if (!live.has(`${taskId}@${host}:${port}`)) this.end(key, flow);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [key, flow] of this.flows) this.end(key, flow);
    try {
      this.listener.close();
    } catch {
      // already closed
    }
  }

  private fromClient(message: Buffer, client: RemoteInfo): void {
    const key = `${client.address}:${client.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const backend = this.pick();
      if (!backend) return;
      const socket = createSocket('udp4');
      flow = { backend, socket, lastActive: Date.now() };
      const current = flow;
      socket.on('message', (reply, from) => {
        if (from.address !== backend.host || from.port !== backend.port) return;
        current.lastActive = Date.now();
        safeSend(this.listener, reply, client.port, client.address);
      });
      socket.on('error', () => this.end(key, current));
      this.flows.set(key, flow);
    }
    flow.lastActive = Date.now();
    safeSend(flow.socket, message, flow.backend.port, flow.backend.host);
  }

  private sweep(): void {
    const oldest = Date.now() - this.idleMs;
    for (const [key, flow] of this.flows) if (flow.lastActive < oldest) this.end(key, flow);
  }

  private end(key: string, flow: Flow): void {
    if (this.flows.get(key) === flow) this.flows.delete(key);
    try {
      flow.socket.close();
    } catch {
      // already closed
    }
  }
}

/** Sends, dropping the datagram if the socket closed meanwhile (UDP promises no delivery anyway). */
function safeSend(socket: Socket, message: Buffer, port: number, host: string): void {
  try {
    socket.send(message, port, host);
  } catch {
    // closed
  }
}
