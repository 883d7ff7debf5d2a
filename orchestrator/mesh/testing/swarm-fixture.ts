/**
 * A real store with the objects the mesh reads (networks, services, tasks, nodes), written as the managers
 * would write them, for tests of the mesh table and of the node-side mesh.
 */

import type { EndpointPortConfig, TaskState } from '../../api/engine-types.js';
import { newObjectId } from '../../common/ids.js';
import type { NetworkObject, ServiceObject, TaskEndpoint, TaskObject } from '../../store/objects.js';
import { LocalProposer } from '../../store/proposer.js';
import { Store } from '../../store/store.js';
import { type MeshTable, meshTable } from '../mesh-table.js';

export interface ServiceOptions {
  ports?: EndpointPortConfig[];
  /** Networks with the service's virtual IP on each (`10.0.1.2/24`). */
  networks?: { network: NetworkObject; vip?: string; aliases?: string[] }[];
  endpointMode?: 'vip' | 'dnsrr';
}

export interface TaskOptions {
  nodeId: string;
  slot?: number;
  state?: TaskState;
  desired?: TaskState;
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** Overlay addresses per network (`10.0.1.5/24`). */
  addresses?: { network: NetworkObject; addr: string }[];
  endpoints?: TaskEndpoint[];
}

export class SwarmFixture {
  readonly store = new Store();

  constructor() {
    this.store.setProposer(new LocalProposer(this.store));
  }

  table(): MeshTable {
    return this.store.view(meshTable);
  }

  network(name: string, subnet: string, ingress = false): Promise<NetworkObject> {
    return this.store.update((tx) =>
      tx.create('networks', {
        ID: newObjectId(),
        Spec: {
          Name: name,
          Labels: {},
          Driver: 'overlay',
          Options: {},
          Attachable: false,
          Ingress: ingress,
          Internal: false,
          Scope: 'swarm',
        },
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: subnet.replace(/\d+\/\d+$/, '1') }] },
      }),
    );
  }

  node(state: 'ready' | 'down' = 'ready'): Promise<string> {
    const id = newObjectId();
    return this.store.update((tx) => {
      tx.create('nodes', {
        ID: id,
        Spec: { Role: 'worker', Availability: 'active', Labels: {} },
        Status: { State: state, Addr: '127.0.0.1' },
        Description: { Hostname: id.slice(0, 8) },
        _clusterAddr: '127.0.0.1:2377',
      });
      return id;
    });
  }

  async setNodeState(id: string, state: 'ready' | 'down'): Promise<void> {
    await this.store.update((tx) => {
      const node = tx.get('nodes', id)!;
      tx.update('nodes', { ...node, Status: { ...node.Status, State: state } });
    });
  }

  service(name: string, options: ServiceOptions = {}): Promise<ServiceObject> {
    const networks = options.networks ?? [];
    return this.store.update((tx) =>
      tx.create('services', {
        ID: newObjectId(),
        Spec: {
          Name: name,
          TaskTemplate: {
            ContainerSpec: { Image: 'app:1' },
            Networks: networks.map((n) => ({ Target: n.network.ID, Aliases: n.aliases ?? [] })),
          },
          Mode: { Replicated: { Replicas: 1 } },
          EndpointSpec: { Mode: options.endpointMode ?? 'vip', Ports: options.ports ?? [] },
        },
        Endpoint: {
          Spec: { Mode: options.endpointMode ?? 'vip', Ports: options.ports ?? [] },
          Ports: options.ports ?? [],
          VirtualIPs: networks.flatMap((n) => (n.vip ? [{ NetworkID: n.network.ID, Addr: n.vip }] : [])),
        },
      }),
    );
  }

  async removeService(id: string): Promise<void> {
    await this.store.update((tx) => tx.delete('services', id));
  }

  task(service: ServiceObject, options: TaskOptions): Promise<TaskObject> {
    const slot = options.slot ?? 1;
    return this.store.update((tx) =>
      tx.create('tasks', {
        ID: newObjectId(),
        Name: `${service.Spec.Name}.${slot}`,
        ServiceID: service.ID,
        Slot: slot,
        NodeID: options.nodeId,
        Spec: service.Spec.TaskTemplate,
        DesiredState: options.desired ?? 'running',
        Status: { State: options.state ?? 'running', Timestamp: new Date().toISOString() },
        NetworksAttachments: (options.addresses ?? []).map((a) => ({
          Network: { ID: a.network.ID, Spec: { Name: a.network.Spec.Name } } as never,
          Addresses: [a.addr],
        })),
        ...(options.endpoints ? { _endpoints: options.endpoints } : {}),
        ...(options.health ? { _health: options.health } : {}),
      }),
    );
  }

  /** Changes a task as the orchestrator (desired state) or an agent's report (state, health) would. */
  async updateTask(
    id: string,
    change: { state?: TaskState; desired?: TaskState; health?: 'starting' | 'healthy' | 'unhealthy' },
  ): Promise<void> {
    await this.store.update((tx) => {
      const task = tx.get('tasks', id)!;
      tx.update('tasks', {
        ...task,
        DesiredState: change.desired ?? task.DesiredState,
        Status: { ...task.Status, State: change.state ?? task.Status.State },
        ...(change.health ? { _health: change.health } : {}),
      });
    });
  }
}

/** A random loopback address away from 127.0.0.x, so concurrent tests of other engineers do not collide. */
export function randomLoopback(): string {
  const byte = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
  return `127.${byte(100, 254)}.${byte(0, 255)}.${byte(1, 254)}`;
}
