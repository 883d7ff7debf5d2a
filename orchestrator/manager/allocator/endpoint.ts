/**
 * A service's endpoint (SwarmKit's allocator for services): its published ports and one virtual IP per network
 * it is attached to, the ingress network included when it publishes ingress ports (VIP mode only).
 */
import type { ServiceSpec } from '../../api/engine-types.js';
import type { ServiceObject } from '../../store/objects.js';
import type { ReadTx } from '../../store/transaction.js';
import type { Reservations } from './address-book.js';
import { findIngressNetwork } from './networks.js';
import { allocatePorts } from './ports.js';

export type ServiceEndpoint = NonNullable<ServiceObject['Endpoint']>;

/** Why an endpoint could not be allocated; the message is Docker's where it has one. */
export class EndpointAllocationError extends Error {
  override name = 'EndpointAllocationError';
  constructor(
    message: string,
    /** True when the problem is the cluster's state, not the request (gRPC FailedPrecondition). */
    readonly precondition = false,
  ) {
    super(message);
  }
}

/** True if the service publishes a port through the routing mesh (SwarmKit's IsIngressNetworkNeeded). */
export function needsIngress(spec: ServiceSpec): boolean {
  return (spec.EndpointSpec?.Ports ?? []).some((port) => (port.PublishMode ?? 'ingress') === 'ingress');
}

/** The ids of the networks the service's tasks attach to (names were resolved to ids by controlapi). */
export function taskNetworkIds(spec: ServiceSpec): string[] {
  const attachments = spec.TaskTemplate?.Networks?.length
    ? spec.TaskTemplate.Networks
    : (spec.Networks ?? []);
  return attachments.map((attachment) => attachment.Target ?? '').filter((target) => target !== '');
}

/** The networks that get a virtual IP: ingress first when needed, then the task networks. */
export function vipNetworkIds(tx: ReadTx, spec: ServiceSpec): string[] {
  if (spec.EndpointSpec?.Mode === 'dnsrr') return [];
  const ids: string[] = [];
  if (needsIngress(spec)) {
    const ingress = findIngressNetwork(tx);
    if (!ingress) {
      throw new EndpointAllocationError(
        'service needs ingress network, but no ingress network is present',
        true,
      );
    }
    ids.push(ingress.ID);
  }
  for (const id of taskNetworkIds(spec)) if (!ids.includes(id)) ids.push(id);
  return ids;
}

/**
 * Allocates the endpoint of a service spec: ports (see `allocatePorts`) and virtual IPs, keeping those of
 * `previous` on networks the service stays attached to.
 */
export function allocateEndpoint(
  tx: ReadTx,
  reservations: Reservations,
  spec: ServiceSpec,
  previous: ServiceEndpoint | undefined,
  serviceId?: string,
): ServiceEndpoint {
  const endpoint: ServiceEndpoint = { Spec: spec.EndpointSpec ?? {} };
  const ports = allocatePorts(tx, spec.EndpointSpec, previous?.Ports, serviceId);
  if (ports.length > 0) endpoint.Ports = ports;
  const vips: NonNullable<ServiceEndpoint['VirtualIPs']> = [];
  for (const networkId of vipNetworkIds(tx, spec)) {
    const kept = previous?.VirtualIPs?.find((vip) => vip.NetworkID === networkId);
    if (kept) {
      vips.push(kept);
      continue;
    }
    const network = tx.get('networks', networkId);
    if (!network) throw new EndpointAllocationError(`network ${networkId} not found`);
    const addr = reservations.allocate(network);
    if (!addr) {
      throw new EndpointAllocationError(
        `could not allocate a virtual IP on network ${network.Spec.Name}: its subnet ${network.IPAM.Config[0]?.Subnet} is full`,
      );
    }
    vips.push({ NetworkID: networkId, Addr: addr });
  }
  if (vips.length > 0) endpoint.VirtualIPs = vips;
  return endpoint;
}

/** True if the service's stored endpoint lacks a virtual IP it should have (the allocator then completes it). */
export function endpointIncomplete(tx: ReadTx, service: ServiceObject): boolean {
  let wanted: string[];
  try {
    wanted = vipNetworkIds(tx, service.Spec);
  } catch {
    return false; // no ingress network: nothing the allocator can do
  }
  const have = new Set((service.Endpoint?.VirtualIPs ?? []).map((vip) => vip.NetworkID));
  const portsWanted = (service.Spec.EndpointSpec?.Ports ?? []).length;
  return wanted.some((id) => !have.has(id)) || (service.Endpoint?.Ports ?? []).length !== portsWanted;
}
