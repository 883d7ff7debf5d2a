/**
 * A node's view of the mesh table, indexed for the lookups traffic needs: which service a published port,
 * virtual IP or name belongs to, which task an overlay address is, and where a service's tasks listen.
 */
import type { MeshNetwork, MeshPort, MeshService, MeshTable, MeshTask } from './mesh-table.js';

/** Where one connection or datagram may go: a task's real listening address for the wanted port. */
export interface Backend {
  taskId: string;
  host: string;
  port: number;
}

/** A published port as this node serves it. */
export interface PublishedRoute {
  service: MeshService;
  port: MeshPort;
}

/** What an overlay address is. */
export type OverlayTarget =
  | { kind: 'service'; service: MeshService }
  | { kind: 'task'; service: MeshService; task: MeshTask }
  | { kind: 'unknown' };

export class Routes {
  readonly version: number;
  /** `tcp/8080` -> the service publishing it, for ports this node must listen on. */
  readonly published = new Map<string, PublishedRoute>();
  private readonly byVip = new Map<string, MeshService>();
  private readonly byTaskAddr = new Map<string, { service: MeshService; task: MeshTask }>();
  private readonly subnets: { base: number; mask: number }[];
  readonly networks: MeshNetwork[];
  readonly services: MeshService[];

  /** Published ports two services claim (the allocator prevents it; a table could still say so). */
  readonly conflicts: string[] = [];

  constructor(
    table: MeshTable,
    private readonly nodeId: string,
  ) {
    this.version = table.version;
    this.networks = table.networks;
    this.services = table.services;
    this.subnets = table.networks.flatMap((n) => {
      const subnet = parseSubnet(n.subnet);
      return subnet ? [subnet] : [];
    });
    for (const service of table.services) {
      for (const network of service.networks) if (network.vip) this.byVip.set(network.vip, service);
      for (const task of service.tasks) {
        for (const { addr } of task.addresses) this.byTaskAddr.set(addr, { service, task });
      }
      for (const port of service.ports) {
        if (port.publishMode === 'host' && !service.tasks.some((t) => t.nodeId === nodeId)) continue;
        const key = portKey(port.protocol, port.publishedPort);
        const taken = this.published.get(key);
        if (taken) {
          this.conflicts.push(
            `port ${key} is published by both ${taken.service.name} and ${service.name}; ${taken.service.name} keeps it`,
          );
          continue;
        }
        this.published.set(key, { service, port });
      }
    }
  }

  /** The backends a published port balances over: all routable tasks (ingress) or this node's (host mode). */
  publishedBackends(route: PublishedRoute): Backend[] {
    const tasks =
      route.port.publishMode === 'host'
        ? route.service.tasks.filter((t) => t.nodeId === this.nodeId)
        : route.service.tasks;
    return backendsOf(tasks, route.port.targetPort, route.port.protocol);
  }

  /** What an overlay address (virtual IP or task address) stands for. */
  overlayTarget(addr: string): OverlayTarget {
    const service = this.byVip.get(addr);
    if (service) return { kind: 'service', service };
    const task = this.byTaskAddr.get(addr);
    if (task) return { kind: 'task', ...task };
    return { kind: 'unknown' };
  }

  /** Whether an IPv4 address lies in one of the swarm's overlay networks. */
  isOverlay(addr: string): boolean {
    const value = ipv4ToNumber(addr);
    return value !== undefined && this.subnets.some((s) => (value & s.mask) >>> 0 === s.base);
  }

  /** The key of a published port in `published`. */
  static portKey = portKey;
}

/** The backends among `tasks` for one target port. */
export function backendsOf(
  tasks: readonly MeshTask[],
  targetPort: number,
  protocol: 'tcp' | 'udp',
): Backend[] {
  const backends: Backend[] = [];
  for (const task of tasks) {
    const endpoint = task.endpoints.find((e) => e.targetPort === targetPort && e.protocol === protocol);
    if (endpoint) backends.push({ taskId: task.id, host: endpoint.hostAddr, port: endpoint.hostPort });
  }
  return backends;
}

function portKey(protocol: 'tcp' | 'udp', port: number): string {
  return `${protocol}/${port}`;
}

export function ipv4ToNumber(addr: string): number | undefined {
  const parts = addr.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const byte = Number(part);
    if (byte > 255) return undefined;
    value = value * 256 + byte;
  }
  return value;
}

function parseSubnet(cidr: string): { base: number; mask: number } | undefined {
  const [addr, bits] = cidr.split('/');
  const base = addr === undefined ? undefined : ipv4ToNumber(addr);
  const length = Number(bits);
  if (base === undefined || !Number.isInteger(length) || length < 0 || length > 32) return undefined;
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}
