import { createServer, isIPv4, type Server, type Socket } from 'node:net';
import type { Balancer } from './balancer.js';
import { connectFirst } from './connect.js';
import type { Forwarder } from './forwarder.js';
import type { Names } from './names.js';
import { type Backend, backendsOf, type Routes } from './routes.js';

const maxHeadBytes = 8 * 1024;
const established = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n');
const headTimeoutMs = 10_000;

/** Where a CONNECT goes, or why it does not. */
type Decision = { backends: Backend[]; balanceKey?: string } | { status: number; reason: string };

/**
 * The node's gateway for its containers: an HTTP CONNECT proxy onto the overlay networks. A service's
 * virtual IP (or name) balances over the service's routable tasks, a task's address reaches that task; any
 * other destination is refused, so containers cannot use it to reach arbitrary host addresses.
 *
 * Refusals say what a direct connection would have met (the container runtime maps them back): 502 for an
 * address whose service or task does not listen on the port (connection refused), 404 for an overlay address
 * nobody has (no route to host), 403 for an address off the overlay networks.
 */
export class Gateway {
  private server: Server | undefined;
  private readonly pending = new Set<Socket>();
  private routes: Routes | undefined;
  private names: Names | undefined;

  constructor(
    private readonly host: string,
    private readonly balancer: Balancer,
    private readonly forwarder: Forwarder,
    private readonly log: (line: string) => void,
  ) {}

  /** The `addr:port` containers send CONNECT requests to. */
  get address(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('the gateway is not started');
    return `${this.host}:${address.port}`;
  }

  update(routes: Routes, names: Names): void {
    this.routes = routes;
    this.names = names;
  }

  async start(): Promise<void> {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      this.onConnection(socket),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: 0, backlog: 1024 }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log(`gateway: ${error.message}`));
    this.server = server;
  }

  close(): void {
    this.server?.close();
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
  }

  /** Decides where `CONNECT <host>:<port>` goes. */
  decide(host: string, port: number): Decision {
    const routes = this.routes;
    const names = this.names;
    if (!routes || !names)
      return { status: 502, reason: 'this node has not received the swarm routing table yet' };
    let target: ReturnType<Routes['overlayTarget']>;
    if (isIPv4(host)) {
      target = routes.overlayTarget(host);
      if (target.kind === 'unknown') {
        if (!routes.isOverlay(host)) {
          return {
            status: 403,
            reason: `${host} is not on a swarm overlay network: the gateway only reaches services and tasks`,
          };
        }
        return { status: 404, reason: `no service or running task has the address ${host}` };
      }
    } else {
      const named = names.lookup(host);
      if (!named) return { status: 404, reason: `${host} is not the name of a service or task of the swarm` };
      target =
        named.kind === 'task'
          ? { kind: 'task', service: named.service, task: named.task }
          : { kind: 'service', service: named.service };
    }
    if (target.kind === 'task') {
      const backends = backendsOf([target.task], port, 'tcp');
      if (backends.length === 0)
        return { status: 502, reason: `task ${target.task.name} does not listen on port ${port}` };
      return { backends };
    }
    const service = target.service;
    if (service.tasks.length === 0)
      return { status: 502, reason: `service ${service.name} has no running task` };
    const backends = backendsOf(service.tasks, port, 'tcp');
    if (backends.length === 0)
      return { status: 502, reason: `no task of service ${service.name} listens on port ${port}` };
    return { backends, balanceKey: `${service.id}/gateway/${port}` };
  }

  private onConnection(socket: Socket): void {
    this.pending.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const done = (): void => {
      socket.removeListener('data', onData);
      socket.setTimeout(0);
      this.pending.delete(socket);
    };
    const refuse = (status: number, reason: string): void => {
      done();
      // Read on (and drop) what the client still sends, so its end is seen and the socket closes.
      socket.resume();
      socket.setTimeout(headTimeoutMs, () => socket.destroy());
      const body = `${reason}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    const onData = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > maxHeadBytes) refuse(431, 'the CONNECT request head is too large');
        return;
      }
      socket.pause();
      done();
      const request = parseConnect(head.subarray(0, end).toString('latin1'));
      const rest = head.subarray(end + 4);
      if ('status' in request) {
        refuse(request.status, request.reason);
        return;
      }
      const decision = this.decide(request.host, request.port);
      if ('status' in decision) {
        refuse(decision.status, decision.reason);
        return;
      }
      this.pending.add(socket);
      const order = decision.balanceKey
        ? this.balancer.order(decision.balanceKey, decision.backends)
        : decision.backends;
      let gone = false;
      socket.once('close', () => (gone = true));
      connectFirst(
        order,
        (error, connected) => {
          this.pending.delete(socket);
          if (!connected) {
            refuse(502, `cannot reach ${request.host}:${request.port}: ${error?.message}`);
            return;
          }
          if (gone) {
            connected.socket.destroy();
            return;
          }
          this.forwarder.forward(socket, connected.socket, rest, established);
        },
        () => gone,
      );
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.setTimeout(headTimeoutMs, () => socket.destroy());
    socket.once('close', () => this.pending.delete(socket));
  }
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
};

function parseConnect(head: string): { host: string; port: number } | { status: number; reason: string } {
  const line = head.split('\r\n', 1)[0] ?? '';
  const match = /^(\S+) (\S+) HTTP\/1\.[01]$/.exec(line);
  if (!match)
    return { status: 400, reason: 'expected an HTTP request line: CONNECT <address>:<port> HTTP/1.1' };
  if (match[1] !== 'CONNECT')
    return { status: 405, reason: `the gateway only accepts CONNECT, not ${match[1]}` };
  const authority = match[2]!;
  const colon = authority.lastIndexOf(':');
  const host = authority.slice(0, colon);
  const port = Number(authority.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535 || host.startsWith('[')) {
    return { status: 400, reason: `expected CONNECT <IPv4 address or name>:<port>, got ${authority}` };
  }
  return { host, port };
}
