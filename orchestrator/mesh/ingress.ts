import type { Socket } from 'node:net';
import type { Balancer } from './balancer.js';
import { connectFirst } from './connect.js';
import type { Forwarder, Redial } from './forwarder.js';
import type { NativeRelay } from './native-relay.js';
import { listenNative, listenTcp, listenUdp, type RetryingListener } from './retrying-listener.js';
import type { Backend, Routes } from './routes.js';
import { UdpRelay } from './udp-relay.js';

/** Failed connections of a port are logged at most this often. */
const failureLogIntervalMs = 10_000;

export interface IngressOptions {
  nodeAddr: string;
  balancer: Balancer;
  forwarder: Forwarder;
  /** When set, TCP ports are accepted and balanced by the native relay, not in JavaScript. */
  relay?: NativeRelay;
  log(line: string): void;
  listenRetryMs?: number;
}

/**
 * The routing mesh's published ports on one node: a listener per published port, each connection sent to
 * the next routable task of the service (on any node for ingress ports, on this node for host-mode ports).
 * Which service a port belongs to is looked up per connection, so a table update takes effect at once.
 */
export class Ingress {
  private readonly listeners = new Map<string, RetryingListener>();
  private readonly relays = new Map<string, UdpRelay>();
  /** Native listener ids of the TCP ports the native relay serves. */
  private readonly nativeListeners = new Map<string, number>();
  private routes: Routes | undefined;
  private readonly lastFailureLog = new Map<string, number>();

  constructor(private readonly options: IngressOptions) {}

  /** Opens listeners for the table's ports and closes those of ports gone; live connections carry on. */
  update(routes: Routes): void {
    this.routes = routes;
    for (const [key, listener] of this.listeners) {
      if (routes.published.has(key)) continue;
      listener.close();
      this.listeners.delete(key);
      this.nativeListeners.delete(key);
      this.relays.get(key)?.close();
      this.relays.delete(key);
    }
    for (const [key, route] of routes.published) {
      if (!this.listeners.has(key))
        this.listeners.set(key, this.listen(key, route.port.protocol, route.port.publishedPort));
    }
    for (const [key, listener] of this.nativeListeners) this.setNativeBackends(key, listener);
    for (const [key, relay] of this.relays) {
      const route = routes.published.get(key);
      relay.retain(route ? routes.publishedBackends(route) : []);
    }
  }

  /** The published ports this node listens on now, as `tcp/8080`. */
  get listening(): string[] {
    return [...this.listeners].filter(([, l]) => l.listening).map(([key]) => key);
  }

  close(): void {
    for (const listener of this.listeners.values()) listener.close();
    this.listeners.clear();
    this.nativeListeners.clear();
    for (const relay of this.relays.values()) relay.close();
    this.relays.clear();
  }

  private listen(key: string, protocol: 'tcp' | 'udp', port: number): RetryingListener {
    const options = {
      host: this.options.nodeAddr,
      port,
      purpose: `routing mesh, published port ${port}/${protocol}`,
      log: this.options.log,
      ...(this.options.listenRetryMs ? { retryMs: this.options.listenRetryMs } : {}),
    };
    const relay = this.options.relay;
    if (protocol === 'tcp' && relay) {
      return listenNative(options, relay, (listener) => {
        this.nativeListeners.set(key, listener);
        this.setNativeBackends(key, listener);
      });
    }
    if (protocol === 'tcp') return listenTcp(options, (socket) => this.onConnection(key, socket));
    return listenUdp(options, (socket) => {
      const relay = new UdpRelay(socket, () => this.pickUdp(key));
      this.relays.get(key)?.close();
      this.relays.set(key, relay);
    });
  }

  /** Logs a connection that found no task, at most once per port every `failureLogIntervalMs`. */
  private logFailure(key: string, line: string): void {
    const now = Date.now();
    if ((this.lastFailureLog.get(key) ?? 0) + failureLogIntervalMs > now) return;
    this.lastFailureLog.set(key, now);
    this.options.log(line);
  }

  private setNativeBackends(key: string, listener: number): void {
    const route = this.routes?.published.get(key);
    const backends = route && this.routes ? this.routes.publishedBackends(route) : [];
    this.options.relay?.setBackends(listener, backends);
  }

  private onConnection(key: string, client: Socket): void {
    const route = this.routes?.published.get(key);
    const backends = route && this.routes ? this.routes.publishedBackends(route) : [];
    if (!route || backends.length === 0) {
      client.resetAndDestroy();
      return;
    }
    let gone = false;
    client.once('error', () => (gone = true));
    client.once('close', () => (gone = true));
    const tried = new Set<string>();
    const connectTo = (order: Backend[], done: (socket: Socket | undefined) => void): void => {
      const untried = order.filter((b) => !tried.has(backendKey(b)));
      connectFirst(
        untried,
        (error, connected) => {
          const last = connected ? untried.indexOf(connected.backend) : untried.length - 1;
          for (const b of untried.slice(0, last + 1)) tried.add(backendKey(b));
          if (!connected) {
            if (!gone)
              this.logFailure(
                key,
                `${route.service.name} ${key}: no task accepted the connection: ${error?.message}`,
              );
            done(undefined);
            return;
          }
          done(connected.socket);
        },
        () => gone,
      );
    };
    // A task that closes the connection before answering (it stopped before this node heard) is replaced
    // by one of the tasks of the table in use then.
    const redial: Redial = (done) => {
      const current = this.routes?.published.get(key);
      connectTo(current && this.routes ? this.routes.publishedBackends(current) : [], done);
    };
    connectTo(this.options.balancer.order(`${route.service.id}/${key}`, backends), (socket) => {
      if (!socket) {
        client.resetAndDestroy();
        return;
      }
      if (gone) {
        socket.destroy();
        return;
      }
      this.options.forwarder.forward(client, socket, undefined, undefined, redial);
    });
  }

  private pickUdp(key: string): Backend | undefined {
    const route = this.routes?.published.get(key);
    if (!route || !this.routes) return undefined;
    return this.options.balancer.order(`${route.service.id}/${key}`, this.routes.publishedBackends(route))[0];
  }
}

function backendKey(backend: Backend): string {
  return `${backend.host}:${backend.port}`;
}
