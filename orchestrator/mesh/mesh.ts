import { Balancer } from './balancer.js';
import { connectTimeoutMs } from './connect.js';
import { DnsServer } from './dns-server.js';
import { defaultIdleTimeoutMs, type Forwarder, JsRelay } from './forwarder.js';
import { Gateway } from './gateway.js';
import { Ingress } from './ingress.js';
import type { MeshTable } from './mesh-table.js';
import { Names } from './names.js';
import { NativeRelay, nativeBinding } from './native-relay.js';
import { Routes } from './routes.js';

export interface MeshOptions {
  /** The node's address: published ports, the DNS server and the gateway listen there. */
  nodeAddr: string;
  nodeId: string;
  log(line: string): void;
  /** Relayed connections idle this long are closed (default 15 minutes, as IPVS). */
  idleTimeoutMs?: number;
  /** How long a published port that is taken waits before trying again (default 5 s). */
  listenRetryMs?: number;
  /** `native`: relay in the native addon (the default when it is built); `js`: in JavaScript. */
  relay?: 'native' | 'js';
  /** How long the native relay polls for more traffic before it sleeps (default 0: it sleeps at once). */
  relaySpinUs?: number;
}

/** The native relay polls this long after its last event before sleeping: see MeshOptions.relaySpinUs. */
export const defaultRelaySpinUs = 0;

/**
 * A node's routing mesh and service discovery: the published ports of the swarm's services (ingress on every
 * node, host mode where a task runs), the gateway containers reach other services through, and the DNS
 * server that resolves service and task names. Driven by the mesh table the leader sends (`update`).
 */
export class Mesh {
  private readonly balancer = new Balancer();
  private readonly forwarder: Forwarder;
  private readonly ingress: Ingress;
  private readonly gateway: Gateway;
  private readonly dns: DnsServer;
  private routes: Routes | undefined;
  private reportedConflicts = new Set<string>();
  private started = false;
  private closed = false;

  constructor(private readonly options: MeshOptions) {
    const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
    const native = options.relay === 'js' ? undefined : nativeBinding();
    if (options.relay === 'native' && !native) {
      throw new Error(
        'the native mesh relay is not built: run node orchestrator/mesh/native/build.mjs (needs make and a C compiler)',
      );
    }
    const relay = native
      ? new NativeRelay(native, idleTimeoutMs, connectTimeoutMs, options.relaySpinUs ?? defaultRelaySpinUs)
      : undefined;
    this.forwarder = relay ?? new JsRelay(idleTimeoutMs);
    this.ingress = new Ingress({
      nodeAddr: options.nodeAddr,
      balancer: this.balancer,
      forwarder: this.forwarder,
      ...(relay ? { relay } : {}),
      log: options.log,
      ...(options.listenRetryMs ? { listenRetryMs: options.listenRetryMs } : {}),
    });
    this.gateway = new Gateway(options.nodeAddr, this.balancer, this.forwarder, options.log);
    this.dns = new DnsServer(options.nodeAddr, options.log);
  }

  /** Starts the DNS server and the gateway (published ports follow the table). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.dns.start();
    await this.gateway.start();
    if (this.routes) this.apply(this.routes);
  }

  /** Takes a new table: new connections follow it at once, open ones carry on. An equal table is a no-op. */
  update(table: MeshTable): void {
    if (this.closed || table.version === this.routes?.version) return;
    const routes = new Routes(table, this.options.nodeId);
    for (const conflict of routes.conflicts) {
      if (!this.reportedConflicts.has(conflict)) this.options.log(`routing mesh: ${conflict}`);
    }
    this.reportedConflicts = new Set(routes.conflicts);
    this.apply(routes);
  }

  /** The DNS server containers use, `addr:port`. */
  get dnsAddr(): string {
    return this.dns.address;
  }

  /** The CONNECT gateway containers reach services through, `addr:port`. */
  get gatewayAddr(): string {
    return this.gateway.address;
  }

  /** Which relay moves the bytes. */
  get relay(): 'native' | 'js' {
    return this.forwarder instanceof NativeRelay ? 'native' : 'js';
  }

  /** Version of the table in use. */
  get version(): number | undefined {
    return this.routes?.version;
  }

  /** Published ports this node listens on now, as `tcp/8080`. */
  get publishedPorts(): string[] {
    return this.ingress.listening;
  }

  /** Connections being relayed now (ingress and gateway). */
  get activeConnections(): number {
    return this.forwarder.active;
  }

  /** Closes every listener and relayed connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.ingress.close();
    this.gateway.close();
    this.dns.close();
    this.forwarder.closeAll();
  }

  private apply(routes: Routes): void {
    this.routes = routes;
    if (!this.started) return;
    const names = new Names(routes);
    this.dns.setNames(names);
    this.gateway.update(routes, names);
    this.ingress.update(routes);
  }
}
