/**
 * Published ports (SwarmKit's allocator/portallocator and controlapi's checkPortConflicts): an ingress port is
 * the swarm's, on every node, so two services cannot publish the same one; a port left at 0 gets the first
 * free one from 30000-32767. Host-mode ports may repeat across services: the scheduler keeps them apart.
 */
import type { EndpointPortConfig, EndpointSpec } from '../../api/engine-types.js';
import type { ServiceObject } from '../../store/objects.js';
import type { ReadTx } from '../../store/transaction.js';

/** The range ingress ports are auto-assigned from. */
export const dynamicPortStart = 30000;
export const dynamicPortEnd = 32767;

/** A published port another service uses; the message is Docker's. */
export class PortConflictError extends Error {
  override name = 'PortConflictError';
}

/** No dynamic port is left. */
export class PortsExhaustedError extends Error {
  override name = 'PortsExhaustedError';
}

type Protocol = NonNullable<EndpointPortConfig['Protocol']>;

const protocolOf = (port: EndpointPortConfig): Protocol => port.Protocol ?? 'tcp';
const modeOf = (port: EndpointPortConfig): 'ingress' | 'host' => port.PublishMode ?? 'ingress';
const keyOf = (protocol: Protocol, published: number) => `${protocol}/${published}`;

/** Every published port of a service: as its spec asks and as they were allocated. */
function portsOf(service: ServiceObject): EndpointPortConfig[] {
  return [...(service.Spec.EndpointSpec?.Ports ?? []), ...(service.Endpoint?.Ports ?? [])];
}

/**
 * Refuses `spec` ports that another service already publishes (SwarmKit's checkPortConflicts). `serviceId` is
 * the service being updated, whose own ports do not conflict.
 */
export function checkPortConflicts(tx: ReadTx, spec: EndpointSpec | undefined, serviceId?: string): void {
  const ingress = new Set<string>();
  const host = new Set<string>();
  for (const port of spec?.Ports ?? []) {
    if (!port.PublishedPort) continue;
    (modeOf(port) === 'ingress' ? ingress : host).add(keyOf(protocolOf(port), port.PublishedPort));
  }
  if (ingress.size === 0 && host.size === 0) return;
  for (const service of tx.list('services')) {
    if (service.ID === serviceId) continue;
    for (const port of portsOf(service)) {
      if (!port.PublishedPort) continue;
      const key = keyOf(protocolOf(port), port.PublishedPort);
      const name = service.Spec.Name;
      if (modeOf(port) === 'host' && ingress.has(key)) {
        throw new PortConflictError(
          `port '${port.PublishedPort}' is already in use by service '${name}' (${service.ID}) as a host-published port`,
        );
      }
      if (modeOf(port) === 'ingress' && (ingress.has(key) || host.has(key))) {
        throw new PortConflictError(
          `port '${port.PublishedPort}' is already in use by service '${name}' (${service.ID}) as an ingress port`,
        );
      }
    }
  }
}

/**
 * The ports a service publishes, allocated: ingress ports without a published port get one from the dynamic
 * range, keeping the one `previous` gave the same target port. Call after `checkPortConflicts`.
 */
export function allocatePorts(
  tx: ReadTx,
  spec: EndpointSpec | undefined,
  previous: readonly EndpointPortConfig[] | undefined,
  serviceId?: string,
): EndpointPortConfig[] {
  const requested = spec?.Ports ?? [];
  if (requested.length === 0) return [];
  const taken = new Set<string>();
  for (const service of tx.list('services')) {
    if (service.ID === serviceId) continue;
    for (const port of portsOf(service)) {
      if (port.PublishedPort) taken.add(keyOf(protocolOf(port), port.PublishedPort));
    }
  }
  for (const port of requested) {
    if (port.PublishedPort) taken.add(keyOf(protocolOf(port), port.PublishedPort));
  }
  const allocated: EndpointPortConfig[] = [];
  for (const port of requested) {
    const protocol = protocolOf(port);
    const mode = modeOf(port);
    const result: EndpointPortConfig = { ...port, Protocol: protocol, PublishMode: mode };
    if (!port.PublishedPort && mode === 'ingress') {
      const before = previous?.find(
        (p) => p.TargetPort === port.TargetPort && protocolOf(p) === protocol && modeOf(p) === 'ingress',
      )?.PublishedPort;
      let published = before && !taken.has(keyOf(protocol, before)) ? before : undefined;
      for (
        let candidate = dynamicPortStart;
        published === undefined && candidate <= dynamicPortEnd;
        candidate++
      ) {
        if (!taken.has(keyOf(protocol, candidate))) published = candidate;
      }
      if (published === undefined) {
        throw new PortsExhaustedError(
          `no free port left in the dynamic range ${dynamicPortStart}-${dynamicPortEnd}; publish an explicit port`,
        );
      }
      taken.add(keyOf(protocol, published));
      result.PublishedPort = published;
    }
    allocated.push(result);
  }
  return allocated;
}
