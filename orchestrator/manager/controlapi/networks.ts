/**
 * Swarm-scoped networks, as the Engine API's `/networks` endpoints need them on a manager (the daemon's
 * network router and daemon/cluster/networks.go, SwarmKit's controlapi/network.go): overlay networks created
 * with a subnet from the cluster's pools, listed and inspected beside the node's local networks, and removed
 * once nothing uses them.
 */
import type { Network } from '../../api/engine-types.js';
import type { Filters } from '../../api/filters.js';
import { matchesFilter, matchesLabels } from '../../api/filters.js';
import type { NetworkObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { ReadTx } from '../../store/transaction.js';
import { needsIngress, taskNetworkIds } from '../allocator/endpoint.js';
import { contains, parseCidr, parseIp } from '../allocator/ipam.js';
import { createNetwork as allocateNetwork, NetworkAllocationError } from '../allocator/networks.js';
import {
  alreadyExists,
  conflictError,
  failedPrecondition,
  forbidden,
  invalidArgument,
  invalidParameter,
} from './errors.js';
import { findNetwork } from './lookup.js';

/** Filters `GET /networks` accepts. */
export const networkFilters = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;

/** Networks every Docker engine has; they cannot be created or removed. */
export const predefinedNetworks = ['bridge', 'host', 'none', 'default'];

export interface NetworkOptions {
  /** The node's local networks (bridge, host, none, docker_gwbridge...), listed beside the swarm's. */
  localNetworks?: () => Network[];
}

/** The nodes that run a task attached to the network (every ready node for the ingress network). */
function peersOf(tx: ReadTx, network: NetworkObject): { Name: string; IP: string }[] {
  const nodeIds = new Set<string>();
  if (network.Spec.Ingress) {
    for (const node of tx.list('nodes')) if (node.Status.State === 'ready') nodeIds.add(node.ID);
  } else {
    for (const task of tx.list('tasks')) {
      if (!task.NodeID || stateRank(task.Status.State) > rankOf.running) continue;
      const attached = (task.NetworksAttachments ?? []).some(
        (a) => (a.Network as { ID?: string } | undefined)?.ID === network.ID,
      );
      if (attached) nodeIds.add(task.NodeID);
    }
  }
  return [...nodeIds].flatMap((id) => {
    const node = tx.get('nodes', id);
    return node ? [{ Name: node.Description?.Hostname ?? node.ID, IP: node.Status.Addr }] : [];
  });
}

/** A stored network in Docker's `Network` shape (BasicNetworkFromGRPC plus the inspect fields). */
export function toApiNetwork(tx: ReadTx, network: NetworkObject): Network {
  const result: Network = {
    Name: network.Spec.Name,
    Id: network.ID,
    Created: network.CreatedAt,
    Scope: 'swarm',
    Driver: network.Spec.Driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: {
      Driver: network.IPAM.Driver,
      Options: {},
      Config: network.IPAM.Config.map((config) => ({ Subnet: config.Subnet, Gateway: config.Gateway })),
    },
    Internal: network.Spec.Internal,
    Attachable: network.Spec.Attachable,
    Ingress: network.Spec.Ingress,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: network.Spec.Options ?? {},
    Labels: network.Spec.Labels ?? {},
  };
  const peers = peersOf(tx, network);
  if (peers.length > 0) result.Peers = peers;
  return result;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter(
      `json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go struct field CreateRequest.${field} of type map[string]string`,
    );
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw invalidParameter(
        `json: cannot unmarshal ${typeof v} into Go value of type string (${field}.${key})`,
      );
  }
  return value as Record<string, string>;
}

function bool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw invalidParameter(
      `json: cannot unmarshal ${typeof value} into Go struct field CreateRequest.${field} of type bool`,
    );
  }
  return value;
}

/** Validates the IPAM part of a create request (SwarmKit's validateIPAMConfiguration). */
function ipamRequest(value: unknown): { Subnet?: string; Gateway?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParameter('invalid IPAM: it must be an object');
  const ipam = value as { Driver?: unknown; Config?: unknown };
  if (ipam.Driver !== undefined && ipam.Driver !== '' && ipam.Driver !== 'default') {
    throw invalidArgument(`ipam driver ${String(ipam.Driver)} is not supported: use the default IPAM driver`);
  }
  const configs = ipam.Config ?? [];
  if (!Array.isArray(configs)) throw invalidParameter('invalid IPAM: Config must be a list');
  if (configs.length === 0) return {};
  if (configs.length > 1) throw invalidArgument('ipam configuration: swarmlab networks take one subnet');
  const config = configs[0] as { Subnet?: unknown; Gateway?: unknown; IPRange?: unknown };
  const subnetText = typeof config.Subnet === 'string' ? config.Subnet : '';
  const subnet = parseCidr(subnetText);
  if (!subnet || subnet.bits > 30) throw invalidArgument(`ipam configuration: invalid subnet ${subnetText}`);
  if (typeof config.IPRange === 'string' && config.IPRange !== '') {
    const range = parseCidr(config.IPRange);
    if (!range) throw invalidArgument(`ipam configuration: invalid range ${config.IPRange}`);
    if (!contains(subnet, range.base)) {
      throw invalidArgument(
        `ipam configuration: subnet ${subnetText} does not contain range ${config.IPRange}`,
      );
    }
  }
  let gateway: string | undefined;
  if (typeof config.Gateway === 'string' && config.Gateway !== '') {
    const ip = parseIp(config.Gateway);
    if (ip === undefined) throw invalidArgument(`ipam configuration: invalid gateway ${config.Gateway}`);
    if (!contains(subnet, ip)) {
      throw invalidArgument(
        `ipam configuration: subnet ${subnetText} does not contain gateway ${config.Gateway}`,
      );
    }
    gateway = config.Gateway;
  }
  return { Subnet: subnetText, Gateway: gateway };
}

/** True if a create request asks for a swarm network (the overlay driver, or scope swarm). */
export function isSwarmNetworkRequest(body: unknown): boolean {
  const request = (body ?? {}) as { Driver?: unknown; Scope?: unknown };
  return request.Driver === 'overlay' || request.Scope === 'swarm';
}

/** Creates an overlay network; returns Docker's NetworkCreateResponse. */
export async function createNetwork(
  store: Store,
  body: unknown,
  options: NetworkOptions = {},
): Promise<{ Id: string; Warning: string }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidParameter(
      'invalid network config: the request body must be a JSON object (a NetworkCreateRequest)',
    );
  }
  const request = body as Record<string, unknown>;
  const name = request.Name;
  if (typeof name !== 'string' || name === '') throw invalidParameter('network name must not be empty');
  if (predefinedNetworks.includes(name))
    throw forbidden(`${name} is a pre-defined network and cannot be created`);
  const driver = request.Driver ?? 'overlay';
  if (driver !== 'overlay') {
    throw invalidParameter(
      `swarm networks use the overlay driver, not ${String(driver)}: use --driver overlay`,
    );
  }
  if (request.ConfigOnly === true || (request.ConfigFrom as { Network?: unknown } | undefined)?.Network) {
    throw invalidParameter('config-only networks are not supported by swarmlab');
  }
  const ingress = bool(request.Ingress, 'Ingress');
  const attachable = bool(request.Attachable, 'Attachable');
  const internal = bool(request.Internal, 'Internal');
  if (ingress && attachable) throw invalidArgument('ingress network cannot be attachable');
  if (ingress && internal) throw invalidArgument('ingress network cannot be internal');
  const labels = stringMap(request.Labels, 'Labels');
  const networkOptions = stringMap(request.Options, 'Options');
  const ipam = ipamRequest(request.IPAM);
  if (options.localNetworks?.().some((network) => network.Name === name)) {
    throw conflictError(`network with name ${name} already exists`);
  }

  return store.update((tx) => {
    if (tx.byName('networks', name)) throw conflictError(`network with name ${name} already exists`);
    if (ingress) {
      const existing = tx.list('networks').find((network) => network.Spec.Ingress);
      if (existing) throw alreadyExists(`ingress network (${existing.ID}) is already present`);
    }
    try {
      const network = allocateNetwork(tx, {
        Spec: {
          Name: name,
          Labels: labels,
          Driver: 'overlay',
          Options: networkOptions,
          Attachable: attachable,
          Ingress: ingress,
          Internal: internal,
          Scope: 'swarm',
        },
        Subnet: ipam.Subnet,
        Gateway: ipam.Gateway,
      });
      return { Id: network.ID, Warning: '' };
    } catch (error) {
      if (error instanceof NetworkAllocationError) throw invalidArgument(error.message);
      throw error;
    }
  });
}

function matchesText(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return text.includes(pattern);
  }
}

/** Docker's network list filters, on the API shape. */
function matches(network: Network, filters: Filters, inUse: (network: Network) => boolean): boolean {
  for (const type of filters.get('type') ?? []) {
    if (type !== 'custom' && type !== 'builtin') throw invalidParameter(`invalid filter: 'type'='${type}'`);
  }
  for (const scope of filters.get('scope') ?? []) {
    if (!['swarm', 'global', 'local'].includes(scope))
      throw invalidParameter(`invalid filter: 'scope'='${scope}'`);
  }
  const builtin = predefinedNetworks.includes(network.Name ?? '');
  return (
    matchesFilter(filters, 'id', (id) => matchesText(id, network.Id ?? '')) &&
    matchesFilter(filters, 'name', (name) => matchesText(name, network.Name ?? '')) &&
    matchesFilter(filters, 'driver', (driver) => driver === network.Driver) &&
    matchesFilter(filters, 'scope', (scope) => scope === network.Scope) &&
    matchesFilter(filters, 'type', (type) => (type === 'builtin') === builtin) &&
    matchesFilter(filters, 'dangling', (value) =>
      ['true', '1'].includes(value) ? !inUse(network) : inUse(network),
    ) &&
    matchesLabels(filters, network.Labels)
  );
}

/** True if a service or a live task uses the network. */
function networkInUse(tx: ReadTx, id: string): boolean {
  const ingress = tx.get('networks', id)?.Spec.Ingress === true;
  return (
    tx.list('services').some((s) => (ingress ? needsIngress(s.Spec) : taskNetworkIds(s.Spec).includes(id))) ||
    tx
      .list('tasks')
      .some(
        (t) =>
          stateRank(t.Status.State) <= rankOf.running &&
          (t.NetworksAttachments ?? []).some((a) => (a.Network as { ID?: string } | undefined)?.ID === id),
      )
  );
}

/** The local networks and the swarm's, filtered. */
export function listNetworks(store: Store, filters: Filters, options: NetworkOptions = {}): Network[] {
  return store.view((tx) => {
    const swarmIds = new Set(tx.list('networks').map((n) => n.ID));
    const all = [
      ...(options.localNetworks?.() ?? []),
      ...tx.list('networks').map((n) => toApiNetwork(tx, n)),
    ];
    const inUse = (network: Network) =>
      swarmIds.has(network.Id ?? '') ? networkInUse(tx, network.Id ?? '') : true;
    return all.filter((network) => matches(network, filters, inUse));
  });
}

/** One network by id, name or id prefix; local networks first, as the daemon looks them up. */
export function getNetwork(store: Store, idOrName: string, options: NetworkOptions = {}): Network {
  const local = options
    .localNetworks?.()
    .find(
      (n) =>
        n.Id === idOrName || n.Name === idOrName || (idOrName !== '' && (n.Id ?? '').startsWith(idOrName)),
    );
  if (local) return local;
  return store.view((tx) => toApiNetwork(tx, findNetwork(tx, idOrName)));
}

/** Removes a swarm network nothing uses (SwarmKit's removeNetwork and removeIngressNetwork). */
export async function removeNetwork(
  store: Store,
  idOrName: string,
  options: NetworkOptions = {},
): Promise<void> {
  const local = options.localNetworks?.().find((n) => n.Id === idOrName || n.Name === idOrName);
  if (local && predefinedNetworks.includes(local.Name ?? '')) {
    throw forbidden(`${local.Name} is a pre-defined network and cannot be removed`);
  }
  await store.update((tx) => {
    const network = findNetwork(tx, idOrName);
    if (network.Spec.Ingress) {
      const dependent = tx.list('services').find((s) => needsIngress(s.Spec));
      if (dependent) {
        throw failedPrecondition(
          `ingress network cannot be removed because service ${dependent.ID} depends on it`,
        );
      }
    } else {
      const service = tx.list('services').find((s) => taskNetworkIds(s.Spec).includes(network.ID));
      if (service) throw failedPrecondition(`network ${network.ID} is in use by service ${service.ID}`);
    }
    const task = tx
      .list('tasks')
      .find(
        (t) =>
          stateRank(t.DesiredState) <= rankOf.running &&
          stateRank(t.Status.State) <= rankOf.running &&
          (t.NetworksAttachments ?? []).some(
            (a) => (a.Network as { ID?: string } | undefined)?.ID === network.ID,
          ),
      );
    if (task) throw failedPrecondition(`network ${network.ID} is in use by task ${task.ID}`);
    tx.delete('networks', network.ID);
  });
}
