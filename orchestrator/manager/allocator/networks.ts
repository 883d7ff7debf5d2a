/**
 * Overlay network allocation: a subnet from the cluster's default address pools (or the one asked for), its
 * gateway, and a VXLAN id (from 4096, as Docker's overlay driver). Also the `ingress` network every swarm
 * starts with, and the shape a network has inside a task's `NetworksAttachments`.
 */
import { newObjectId } from '../../common/ids.js';
import type { NetworkObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import type { ReadTx, WriteTx } from '../../store/transaction.js';
import {
  formatCidr,
  formatIp,
  gatewayOf,
  nextSubnet,
  overlaps,
  parseCidr,
  parseIp,
  type Subnet,
} from './ipam.js';

/** The option carrying an overlay network's VXLAN id. */
export const vxlanOption = 'com.docker.network.driver.overlay.vxlanid_list';
/** The first VXLAN id (the ingress network's). */
export const firstVxlanId = 4096;
/** The default address pool and subnet size when the cluster object says nothing. */
export const defaultAddrPool = ['10.0.0.0/8'];
export const defaultSubnetSize = 24;
export const ingressNetworkName = 'ingress';

/** What a caller asks for: the spec, and optionally a subnet and gateway. */
export interface NetworkRequest {
  Spec: NetworkObject['Spec'];
  Subnet?: string;
  Gateway?: string;
}

/** Why a network could not be allocated; the message is Docker's. */
export class NetworkAllocationError extends Error {
  override name = 'NetworkAllocationError';
}

function usedSubnets(tx: ReadTx): Subnet[] {
  const used: Subnet[] = [];
  for (const network of tx.list('networks')) {
    for (const config of network.IPAM?.Config ?? []) {
      const subnet = parseCidr(config.Subnet);
      if (subnet) used.push(subnet);
    }
  }
  return used;
}

function usedVxlanIds(tx: ReadTx): Set<number> {
  const used = new Set<number>();
  for (const network of tx.list('networks')) {
    for (const id of (network.Spec.Options?.[vxlanOption] ?? '').split(',')) if (id) used.add(Number(id));
  }
  return used;
}

/** The cluster's address pools and subnet size (SwarmKit's defaults when no cluster object exists yet). */
export function addressPools(tx: ReadTx): { pools: Subnet[]; size: number } {
  const cluster = tx.list('clusters')[0];
  const pools = (cluster?.DefaultAddrPool?.length ? cluster.DefaultAddrPool : defaultAddrPool)
    .map((text) => parseCidr(text))
    .filter((subnet): subnet is Subnet => subnet !== undefined);
  return { pools, size: cluster?.SubnetSize || defaultSubnetSize };
}

/**
 * Creates a network object with its subnet, gateway and VXLAN id, inside `tx`. Throws NetworkAllocationError
 * when the requested subnet overlaps another network's or the pools are exhausted.
 */
export function createNetwork(
  tx: WriteTx,
  request: NetworkRequest,
  id: string = newObjectId(),
): NetworkObject {
  const used = usedSubnets(tx);
  let subnet: Subnet | undefined;
  if (request.Subnet) {
    subnet = parseCidr(request.Subnet);
    if (!subnet) throw new NetworkAllocationError(`invalid subnet ${request.Subnet}`);
    if (used.some((u) => overlaps(u, subnet!))) {
      throw new NetworkAllocationError(
        'invalid pool request: Pool overlaps with other one on this address space',
      );
    }
  } else {
    const { pools, size } = addressPools(tx);
    subnet = nextSubnet(pools, size, used);
    if (!subnet) {
      throw new NetworkAllocationError(
        'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
      );
    }
  }
  const gateway = request.Gateway ? parseIp(request.Gateway) : gatewayOf(subnet);
  const options = { ...request.Spec.Options };
  if (!options[vxlanOption]) {
    const taken = usedVxlanIds(tx);
    let vxlan = firstVxlanId;
    while (taken.has(vxlan)) vxlan += 1;
    options[vxlanOption] = String(vxlan);
  }
  return tx.create('networks', {
    ID: id,
    Spec: { ...request.Spec, Options: options },
    IPAM: {
      Driver: 'default',
      Config: [{ Subnet: formatCidr(subnet), Gateway: formatIp(gateway ?? gatewayOf(subnet)) }],
    },
  });
}

/** The ingress network, if the swarm has one. */
export function findIngressNetwork(tx: ReadTx): NetworkObject | undefined {
  return tx.list('networks').find((network) => network.Spec.Ingress);
}

/**
 * Creates the `ingress` network (the routing mesh's; 10.0.0.0/24 with the default pool) unless one exists.
 * swarmd calls this when it initializes a swarm.
 */
export function ensureIngressNetwork(store: Store): Promise<NetworkObject> {
  return store.update((tx) => {
    const existing = findIngressNetwork(tx);
    if (existing) return existing;
    return createNetwork(tx, {
      Spec: {
        Name: ingressNetworkName,
        Labels: {},
        Driver: 'overlay',
        Options: {},
        Attachable: false,
        Ingress: true,
        Internal: false,
        Scope: 'swarm',
      },
    });
  });
}

/**
 * A network as Docker shows it inside a task's `NetworksAttachments` (SwarmKit's api.Network converted by the
 * daemon): ID, meta, spec, driver state and IPAM.
 */
export function attachmentNetwork(network: NetworkObject): Record<string, unknown> {
  const configs = network.IPAM.Config.map((config) => ({ Subnet: config.Subnet, Gateway: config.Gateway }));
  const spec: Record<string, unknown> = {
    Name: network.Spec.Name,
    Labels: network.Spec.Labels ?? {},
    DriverConfiguration: { Name: network.Spec.Driver },
    IPAMOptions: { Driver: {}, Configs: configs },
    Scope: 'swarm',
  };
  if (network.Spec.Ingress) spec.Ingress = true;
  if (network.Spec.Attachable) spec.Attachable = true;
  if (network.Spec.Internal) spec.Internal = true;
  return {
    ID: network.ID,
    Version: network.Version,
    CreatedAt: network.CreatedAt,
    UpdatedAt: network.UpdatedAt,
    Spec: spec,
    DriverState: { Name: network.Spec.Driver, Options: network.Spec.Options ?? {} },
    IPAMOptions: { Driver: { Name: network.IPAM.Driver }, Configs: configs },
  };
}
