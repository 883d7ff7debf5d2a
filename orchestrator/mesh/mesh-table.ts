/**
 * The mesh table: everything a node's routing mesh needs to know about the swarm, computed from the store by
 * the leader and sent to every node. A pure function of the store's tables, so every manager computes the same
 * table from the same state.
 */
import { createHash } from 'node:crypto';
import type { NetworkAttachment } from '../api/engine-types.js';
import type { NetworkObject, ServiceObject, TaskEndpoint, TaskObject } from '../store/objects.js';
import type { ReadTx } from '../store/transaction.js';

/** An overlay network: the mesh needs its name (DNS `<name>.<network>`) and subnet (what the gateway serves). */
export interface MeshNetwork {
  id: string;
  name: string;
  /** CIDR, e.g. `10.0.1.0/24`; empty until the allocator gave the network a subnet. */
  subnet: string;
  ingress: boolean;
}

/** A service's attachment to one network: its virtual IP there (vip mode) and the aliases it answers to. */
export interface MeshServiceNetwork {
  id: string;
  /** Bare address, no prefix length; absent in dnsrr mode or before allocation. */
  vip?: string;
  aliases: string[];
}

/** A published port (`Endpoint.Ports`). */
export interface MeshPort {
  publishedPort: number;
  targetPort: number;
  protocol: 'tcp' | 'udp';
  publishMode: 'ingress' | 'host';
}

/** A task traffic may go to: running, meant to run, healthy or without a healthcheck, on a node not down. */
export interface MeshTask {
  id: string;
  /** The container name, `<service>.<slot or node id>.<task id>`. */
  name: string;
  nodeId: string;
  /** Overlay addresses, one per network, without prefix length. */
  addresses: { networkId: string; addr: string }[];
  /** Where the task's container really listens, per target port. */
  endpoints: TaskEndpoint[];
}

export interface MeshService {
  id: string;
  name: string;
  /** `vip`: the name resolves to the virtual IP; `dnsrr`: to the task addresses. */
  endpointMode: 'vip' | 'dnsrr';
  networks: MeshServiceNetwork[];
  ports: MeshPort[];
  /** Routable tasks only, sorted by id. */
  tasks: MeshTask[];
}

export interface MeshTable {
  /** Equal tables have equal versions (a hash of the content): compare to skip sending an unchanged table. */
  version: number;
  networks: MeshNetwork[];
  services: MeshService[];
}

/** Computes the mesh table from the store (`store.view(meshTable)`). */
export function meshTable(view: ReadTx): MeshTable {
  const downNodes = new Set(
    view
      .list('nodes')
      .filter((n) => n.Status.State === 'down')
      .map((n) => n.ID),
  );
  const networks = view.list('networks').map(meshNetwork).sort(byId);
  const services = view
    .list('services')
    .map((service) => meshService(service, view.tasksByService(service.ID), downNodes))
    .sort(byId);
  const content = { networks, services };
  return { version: versionOf(content), ...content };
}

/** Whether traffic may go to a task (see MeshTask). */
export function isRoutable(task: TaskObject, downNodes: ReadonlySet<string> = new Set()): boolean {
  return (
    task.Status.State === 'running' &&
    task.DesiredState === 'running' &&
    task._health !== 'starting' &&
    task._health !== 'unhealthy' &&
    task.NodeID !== undefined &&
    !downNodes.has(task.NodeID)
  );
}

/** `10.0.1.5/24` -> `10.0.1.5`. */
export function bareAddress(cidrOrAddr: string): string {
  const slash = cidrOrAddr.indexOf('/');
  return slash < 0 ? cidrOrAddr : cidrOrAddr.slice(0, slash);
}

function meshNetwork(network: NetworkObject): MeshNetwork {
  return {
    id: network.ID,
    name: network.Spec.Name,
    subnet: network.IPAM.Config[0]?.Subnet ?? '',
    ingress: network.Spec.Ingress,
  };
}

function meshService(
  service: ServiceObject,
  tasks: TaskObject[],
  downNodes: ReadonlySet<string>,
): MeshService {
  const spec = service.Spec;
  const endpointMode = service.Endpoint?.Spec?.Mode ?? spec.EndpointSpec?.Mode ?? 'vip';
  const attachments = spec.TaskTemplate.Networks ?? spec.Networks ?? [];
  const vips = service.Endpoint?.VirtualIPs ?? [];
  const networkIds = new Set<string>();
  for (const attachment of attachments) if (attachment.Target) networkIds.add(attachment.Target);
  for (const vip of vips) if (vip.NetworkID) networkIds.add(vip.NetworkID);
  const networks = [...networkIds].sort().map((id): MeshServiceNetwork => {
    const vip = endpointMode === 'vip' ? vips.find((v) => v.NetworkID === id)?.Addr : undefined;
    const aliases = attachments.find((a) => a.Target === id)?.Aliases ?? [];
    return { id, ...(vip ? { vip: bareAddress(vip) } : {}), aliases: [...aliases] };
  });
  const ports = (service.Endpoint?.Ports ?? spec.EndpointSpec?.Ports ?? [])
    .filter((p) => p.PublishedPort && p.TargetPort && (p.Protocol ?? 'tcp') !== 'sctp')
    .map(
      (p): MeshPort => ({
        publishedPort: p.PublishedPort!,
        targetPort: p.TargetPort!,
        protocol: p.Protocol === 'udp' ? 'udp' : 'tcp',
        publishMode: p.PublishMode === 'host' ? 'host' : 'ingress',
      }),
    );
  return {
    id: service.ID,
    name: spec.Name,
    endpointMode,
    networks,
    ports,
    tasks: tasks
      .filter((t) => isRoutable(t, downNodes))
      .map((t) => meshTask(t, spec.Name))
      .sort(byId),
  };
}

function meshTask(task: TaskObject, serviceName: string): MeshTask {
  const slot = task.Slot ? String(task.Slot) : (task.NodeID ?? '');
  return {
    id: task.ID,
    name: `${serviceName}.${slot}.${task.ID}`,
    nodeId: task.NodeID!,
    addresses: (task.NetworksAttachments ?? []).flatMap((attachment) => {
      const networkId = attachedNetworkId(attachment);
      const addr = attachment.Addresses?.[0];
      return networkId && addr ? [{ networkId, addr: bareAddress(addr) }] : [];
    }),
    endpoints: (task._endpoints ?? []).map((e) => ({ ...e })),
  };
}

/** The network of an attachment: the allocator stores the swarm network object (`ID`) or an engine one (`Id`). */
function attachedNetworkId(attachment: NetworkAttachment): string | undefined {
  const network = attachment.Network as { ID?: string; Id?: string } | undefined;
  return network?.ID ?? network?.Id;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function versionOf(content: unknown): number {
  // 48 bits of a content hash: a safe integer, and collisions are out of reach for a lab's tables.
  return createHash('sha256').update(JSON.stringify(content)).digest().readUIntBE(0, 6);
}
