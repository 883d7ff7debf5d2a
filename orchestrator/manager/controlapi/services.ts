/**
 * Services, as the Engine API's `/services` endpoints need them (SwarmKit's controlapi/service.go and the
 * daemon's daemon/cluster/services.go): validate first, then one store update that checks references
 * (networks, secrets, ports) and allocates the endpoint. The orchestrators take it from there.
 */
import type { NetworkAttachmentConfig, ServiceSpec } from '../../api/engine-types.js';
import { type Filters, matchesFilter, matchesLabels } from '../../api/filters.js';
import { newObjectId } from '../../common/ids.js';
import { SequenceConflictError } from '../../store/errors.js';
import type { ServiceObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import type { WriteTx } from '../../store/transaction.js';
import { AddressBook, type Reservations } from '../allocator/address-book.js';
import { allocateEndpoint, EndpointAllocationError, needsIngress } from '../allocator/endpoint.js';
import { findIngressNetwork } from '../allocator/networks.js';
import { checkPortConflicts, PortConflictError, PortsExhaustedError } from '../allocator/ports.js';
import { deepEqual } from '../orchestrator/deep-equal.js';
import { isGlobal, replicasOf } from '../orchestrator/new-task.js';
import {
  alreadyExists,
  failedPrecondition,
  forbidden,
  invalidArgument,
  invalidParameter,
  unimplemented,
} from './errors.js';
import { findNetwork, findService } from './lookup.js';
import { randomServiceName } from './names.js';
import { withDefaults } from './service-defaults.js';
import { type ValidServiceSpec, validateServiceSpec } from './validate-service.js';

/** Filters `GET /services` accepts. */
export const serviceFilters = ['id', 'name', 'label', 'mode'] as const;

export interface ServiceWriteOptions {
  /** Names of the node's local networks (bridge, host, ...): services cannot use them. */
  isLocalNetwork?: (name: string) => boolean;
}

/** Replaces network names by ids, as the daemon's populateNetworkID does; refuses the ingress network. */
function resolveNetworks(
  tx: WriteTx,
  attachments: NetworkAttachmentConfig[] | undefined,
  options: ServiceWriteOptions,
): NetworkAttachmentConfig[] | undefined {
  if (!attachments) return undefined;
  return attachments.map((attachment) => {
    const target = attachment.Target ?? '';
    let network: ReturnType<typeof findNetwork>;
    try {
      network = findNetwork(tx, target);
    } catch (error) {
      if (options.isLocalNetwork?.(target)) {
        throw forbidden(
          `The network ${target} cannot be used with services. Only networks scoped to the swarm can be used, such as those created with the overlay driver.`,
        );
      }
      throw error;
    }
    if (network.Spec.Ingress) {
      throw invalidArgument(
        `Service cannot be explicitly attached to the ingress network "${network.Spec.Name}"`,
      );
    }
    return { ...attachment, Target: network.ID };
  });
}

function withResolvedNetworks(
  tx: WriteTx,
  spec: ValidServiceSpec,
  options: ServiceWriteOptions,
): ValidServiceSpec {
  const resolved = { ...spec, TaskTemplate: { ...spec.TaskTemplate } };
  const taskNetworks = resolveNetworks(tx, spec.TaskTemplate.Networks, options);
  if (taskNetworks) resolved.TaskTemplate.Networks = taskNetworks;
  const serviceNetworks = resolveNetworks(tx, spec.Networks, options);
  if (serviceNetworks) resolved.Networks = serviceNetworks;
  return resolved;
}

/** SwarmKit's checkSecretExistence and checkConfigExistence. */
function checkReferences(tx: WriteTx, spec: ServiceSpec): void {
  const container = spec.TaskTemplate?.ContainerSpec;
  const missingSecrets = (container?.Secrets ?? [])
    .filter((ref) => tx.get('secrets', ref.SecretID ?? '')?.Spec.Name !== ref.SecretName)
    .map((ref) => ref.SecretName ?? '');
  if (missingSecrets.length > 0) {
    throw invalidArgument(
      `${missingSecrets.length === 1 ? 'secret' : 'secrets'} not found: ${missingSecrets.join(', ')}`,
    );
  }
  // swarmlab keeps no configs: every config reference is missing.
  const missingConfigs = (container?.Configs ?? []).map((ref) => ref.ConfigName ?? '');
  if (missingConfigs.length > 0) {
    throw invalidArgument(
      `${missingConfigs.length === 1 ? 'config' : 'configs'} not found: ${missingConfigs.join(', ')}`,
    );
  }
}

/** Allocates the endpoint, mapping allocation failures to Docker's errors. */
function endpointFor(
  tx: WriteTx,
  reservations: Reservations,
  spec: ServiceSpec,
  previous: ServiceObject['Endpoint'],
  serviceId?: string,
): NonNullable<ServiceObject['Endpoint']> {
  try {
    checkPortConflicts(tx, spec.EndpointSpec, serviceId);
    if (needsIngress(spec) && !findIngressNetwork(tx)) {
      throw failedPrecondition('service needs ingress network, but no ingress network is present');
    }
    return allocateEndpoint(tx, reservations, spec, previous, serviceId);
  } catch (error) {
    if (error instanceof PortConflictError) throw invalidArgument(error.message);
    if (error instanceof PortsExhaustedError) throw failedPrecondition(error.message);
    if (error instanceof EndpointAllocationError) {
      throw error.precondition ? failedPrecondition(error.message) : invalidArgument(error.message);
    }
    throw error;
  }
}

/** Creates a service; returns its id. */
export async function createService(
  store: Store,
  body: unknown,
  options: ServiceWriteOptions = {},
): Promise<{ ID: string }> {
  const validated = validateServiceSpec(body);
  const reservations = AddressBook.of(store).reservations();
  try {
    return await store.update((tx) => {
      const spec = withResolvedNetworks(tx, validated, options);
      if (spec.Name === '')
        spec.Name = randomServiceName((name) => tx.byName('services', name) !== undefined);
      checkReferences(tx, spec);
      if (tx.byName('services', spec.Name)) {
        throw alreadyExists(`name conflicts with an existing object: service ${spec.Name} already exists`);
      }
      const id = newObjectId();
      const endpoint = endpointFor(tx, reservations, spec, undefined);
      const service: Omit<ServiceObject, 'Version' | 'CreatedAt' | 'UpdatedAt'> = {
        ID: id,
        Spec: spec,
        Endpoint: endpoint,
        _specVersion: 0,
      };
      tx.create('services', service);
      return { ID: id };
    });
  } finally {
    reservations.release();
  }
}

export interface UpdateServiceOptions extends ServiceWriteOptions {
  /** The `version` query parameter: the service version the client's spec is based on. */
  version: string | null;
  /** The `rollback` query parameter: `previous` swaps the previous spec back in. */
  rollback?: string | null;
}

/** Updates (or, with `rollback=previous`, rolls back) a service. */
export async function updateService(
  store: Store,
  idOrName: string,
  body: unknown,
  options: UpdateServiceOptions,
): Promise<{ Warnings?: string[] }> {
  const rawVersion = options.version ?? '';
  if (!/^\d+$/.test(rawVersion)) {
    throw invalidParameter(
      `invalid service version '${rawVersion}': pass the service's Version.Index as the version query parameter`,
    );
  }
  const version = Number(rawVersion);
  const rollback = options.rollback ?? '';
  if (!['', 'none', 'previous'].includes(rollback))
    throw invalidParameter(`unrecognized rollback option ${rollback}`);
  const validated = validateServiceSpec(body);
  const reservations = AddressBook.of(store).reservations();
  try {
    await store.update((tx) => {
      const current = findService(tx, idOrName) as ServiceObject;
      const requested = withResolvedNetworks(tx, validated, options);
      checkReferences(tx, requested);
      if (isGlobal(current) !== (requested.Mode?.Global !== undefined)) {
        throw unimplemented('service mode change is not allowed');
      }
      if (current.Spec.Name !== requested.Name) throw unimplemented('renaming services is not supported');
      if (current.Version.Index !== version) throw new SequenceConflictError('services', current.ID);

      let next: ServiceObject;
      if (rollback === 'previous') {
        if (!current.PreviousSpec)
          throw failedPrecondition(`service ${current.ID} does not have a previous spec`);
        next = {
          ...current,
          Spec: current.PreviousSpec as ServiceObject['Spec'],
          PreviousSpec: current.Spec,
          _specVersion: current._previousSpecVersion,
          _previousSpecVersion: current._specVersion,
          UpdateStatus: {
            State: 'rollback_started',
            Message: 'manually requested rollback',
            StartedAt: new Date().toISOString(),
          },
        };
      } else {
        next = {
          ...current,
          Spec: requested,
          PreviousSpec: current.Spec,
          _previousSpecVersion: current._specVersion,
          // Unique and increasing: no two specs of the service share a version.
          _specVersion: current.Version.Index,
          UpdateStatus: undefined,
        };
      }
      const endpointChanged = !deepEqual(next.Spec.EndpointSpec, current.Spec.EndpointSpec);
      const networksChanged = !deepEqual(next.Spec.TaskTemplate.Networks, current.Spec.TaskTemplate.Networks);
      if (endpointChanged || networksChanged || !current.Endpoint) {
        next.Endpoint = endpointFor(tx, reservations, next.Spec, current.Endpoint, current.ID);
      }
      tx.update('services', next);
    });
  } finally {
    reservations.release();
  }
  return {};
}

/** Removes a service; its tasks are shut down and then deleted by the orchestrators and the task reaper. */
export async function removeService(store: Store, idOrName: string): Promise<void> {
  await store.update((tx) => {
    const service = findService(tx, idOrName);
    tx.delete('services', service.ID);
  });
}

/** A service as the API returns it; `insertDefaults` fills in the spec's defaults. */
export function getService(store: Store, idOrName: string, insertDefaults = false): ServiceObject {
  const service = store.view((tx) => findService(tx, idOrName));
  if (!insertDefaults) return service;
  // Like SwarmKit, only the current spec gets the defaults.
  return { ...service, Spec: withDefaults(service.Spec) as ServiceObject['Spec'] };
}

function modeName(service: ServiceObject): string {
  return isGlobal(service) ? 'global' : 'replicated';
}

/**
 * The services matching `filters` (`id` and `name` match prefixes, `label` and `mode` exactly); `status`
 * adds ServiceStatus (running tasks on nodes that are not down, desired tasks) as `docker service ls` shows.
 */
export function listServices(store: Store, filters: Filters, status = false): ServiceObject[] {
  for (const mode of filters.get('mode') ?? []) {
    if (!['replicated', 'global', 'replicated-job', 'global-job'].includes(mode)) {
      throw invalidParameter(`Invalid filter: 'mode'='${mode}'`);
    }
  }
  return store.view((tx) => {
    const services = tx
      .list('services')
      .filter(
        (service) =>
          matchesFilter(filters, 'id', (id) => service.ID.startsWith(id)) &&
          matchesFilter(filters, 'name', (name) => service.Spec.Name.startsWith(name)) &&
          matchesFilter(filters, 'mode', (mode) => mode === modeName(service)) &&
          matchesLabels(filters, service.Spec.Labels),
      );
    if (!status) return services;
    const activeNodes = new Set(
      tx
        .list('nodes')
        .filter((n) => n.Status.State !== 'down')
        .map((n) => n.ID),
    );
    return services.map((service) => {
      let running = 0;
      let desired = 0;
      for (const task of tx.tasksByService(service.ID)) {
        if (task.DesiredState !== 'running' || !task.NodeID || !activeNodes.has(task.NodeID)) continue;
        desired += 1;
        if (task.Status.State === 'running') running += 1;
      }
      return {
        ...service,
        ServiceStatus: {
          RunningTasks: running,
          DesiredTasks: isGlobal(service) ? desired : replicasOf(service),
          CompletedTasks: 0,
        },
      };
    });
  });
}
