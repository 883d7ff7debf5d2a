/**
 * Service discovery names, as Docker's embedded DNS answers them: `<service>` (its virtual IP, or its tasks'
 * addresses in dnsrr mode), network aliases, `tasks.<service>` (the routable tasks' addresses), a task's
 * container name `<service>.<slot>.<task id>`, each optionally qualified with a network name
 * (`<service>.<network>`), case-insensitively, with or without the final dot.
 */
import type { MeshService, MeshTask } from './mesh-table.js';
import type { Routes } from './routes.js';

/** What a name stands for; `networkId` narrows the answer to one network (a qualified name or an alias). */
export type NameTarget =
  | { kind: 'service'; service: MeshService; networkId?: string }
  | { kind: 'tasks'; service: MeshService; networkId?: string }
  | { kind: 'task'; service: MeshService; task: MeshTask; networkId?: string };

/** Index of the names of one table. */
export class Names {
  private readonly services = new Map<string, { service: MeshService; networkId?: string }>();
  private readonly tasks = new Map<string, { service: MeshService; task: MeshTask }>();
  private readonly networks = new Map<string, string>();
  private readonly ingressNetworks = new Set<string>();
  private readonly reverse = new Map<string, string>();

  constructor(routes: Routes) {
    for (const network of routes.networks) {
      if (network.ingress) this.ingressNetworks.add(network.id);
      else this.networks.set(network.name.toLowerCase(), network.id);
    }
    for (const service of routes.services) {
      this.services.set(service.name.toLowerCase(), { service });
      for (const network of service.networks) {
        for (const alias of network.aliases) {
          const key = alias.toLowerCase();
          if (!this.services.has(key)) this.services.set(key, { service, networkId: network.id });
        }
        if (network.vip && !this.ingressNetworks.has(network.id)) this.reverse.set(network.vip, service.name);
      }
      for (const task of service.tasks) {
        this.tasks.set(task.name.toLowerCase(), { service, task });
        for (const { addr, networkId } of task.addresses) {
          if (!this.ingressNetworks.has(networkId)) this.reverse.set(addr, task.name);
        }
      }
    }
  }

  /** What `name` stands for, or undefined for a name the swarm does not have. */
  lookup(name: string): NameTarget | undefined {
    const key = name.toLowerCase().replace(/\.$/, '');
    const direct = this.match(key);
    if (direct) return direct;
    for (const [networkName, networkId] of this.networks) {
      if (!key.endsWith(`.${networkName}`)) continue;
      const target = this.match(key.slice(0, -networkName.length - 1));
      if (!target?.service.networks.some((n) => n.id === networkId)) continue;
      if (target.networkId && target.networkId !== networkId) continue;
      return { ...target, networkId };
    }
    return undefined;
  }

  /** The IPv4 addresses a name's A records hold (never on the ingress network, which is not for discovery). */
  addresses(target: NameTarget): string[] {
    const onNetwork = (networkId: string): boolean =>
      !this.ingressNetworks.has(networkId) && (!target.networkId || target.networkId === networkId);
    const taskAddresses = (tasks: readonly MeshTask[]): string[] =>
      tasks.flatMap((t) => t.addresses.filter((a) => onNetwork(a.networkId)).map((a) => a.addr));
    if (target.kind === 'task') return taskAddresses([target.task]);
    if (target.kind === 'tasks' || target.service.endpointMode === 'dnsrr')
      return taskAddresses(target.service.tasks);
    return target.service.networks.flatMap((n) => (n.vip && onNetwork(n.id) ? [n.vip] : []));
  }

  /** The name behind an overlay address (a PTR query): a service for a virtual IP, a container name for a task. */
  reverseLookup(addr: string): string | undefined {
    return this.reverse.get(addr);
  }

  private match(key: string): NameTarget | undefined {
    const service = this.services.get(key);
    if (service) return { kind: 'service', ...service };
    if (key.startsWith('tasks.')) {
      const of = this.services.get(key.slice('tasks.'.length));
      if (of) return { kind: 'tasks', ...of };
    }
    const task = this.tasks.get(key);
    if (task) return { kind: 'task', ...task };
    return undefined;
  }
}
