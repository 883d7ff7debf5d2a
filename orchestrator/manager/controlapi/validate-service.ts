/**
 * Validation of a service spec as the Docker daemon and SwarmKit's controlapi do it (their messages), before
 * anything is written. Returns the spec normalized as Docker stores it: replicated mode with a replica count,
 * port protocol and publish mode filled in, labels present. Checks that need the store (secrets, networks,
 * port conflicts) are controlapi's, inside the write.
 */
import type { ServiceSpec } from '../../api/engine-types.js';
import { ConstraintSyntaxError, parseConstraints } from '../scheduler/constraint.js';
import { invalidArgument, invalidParameter, unimplemented } from './errors.js';

/** A spec that passed validation: a name (maybe empty: the caller picks one) and a container task. */
export type ValidServiceSpec = ServiceSpec & {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: NonNullable<ServiceSpec['TaskTemplate']>;
};

/** Docker's text (ErrMismatchedRuntime), and what to give. */
const mismatchedRuntime =
  'mismatched Runtime and *Spec fields: give the container to run in TaskTemplate.ContainerSpec, e.g. {"TaskTemplate": {"ContainerSpec": {"Image": "nginx"}}}';

const validDnsName = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
const mib = 1024 * 1024;
// Docker's reference grammar: [domain[:port]/]path-component(/path-component)*[:tag][@digest]
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const imageReference = new RegExp(
  `^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function typeError(path: string, value: unknown, goType: string): never {
  throw invalidParameter(
    `json: cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type ${goType}`,
  );
}

function object(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) typeError(path, value, 'struct');
  return value as Record<string, unknown>;
}

function uint(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) typeError(path, value, 'uint64');
  if (value < 0)
    throw invalidParameter(
      `json: cannot unmarshal number ${value} into Go struct field ${path} of type uint64`,
    );
  return value;
}

function int(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) typeError(path, value, 'int64');
  return value;
}

function string(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') typeError(path, value, 'string');
  return value;
}

function stringMap(value: unknown, path: string): Record<string, string> | undefined {
  const map = object(value, path);
  if (!map) return undefined;
  for (const [key, v] of Object.entries(map)) string(v, `${path}.${key}`);
  return map as Record<string, string>;
}

function array(value: unknown, path: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) typeError(path, value, 'slice');
  return value;
}

function validateResources(resources: Record<string, unknown> | undefined, path: string): void {
  if (!resources) return;
  const cpus = int(resources.NanoCPUs, `${path}.NanoCPUs`) ?? 0;
  const memory = int(resources.MemoryBytes, `${path}.MemoryBytes`) ?? 0;
  if (cpus !== 0 && cpus < 1e6) {
    throw invalidArgument(`invalid cpu value ${cpus / 1e9}: Must be at least 0.001`);
  }
  if (memory !== 0 && memory < 4 * mib) {
    throw invalidArgument(`invalid memory value ${memory}: Must be at least 4MiB`);
  }
}

function validateUpdateConfig(
  config: Record<string, unknown> | undefined,
  kind: 'update' | 'rollback',
): void {
  if (!config) return;
  const path = kind === 'update' ? 'ServiceSpec.UpdateConfig' : 'ServiceSpec.RollbackConfig';
  uint(config.Parallelism, `${path}.Parallelism`);
  const delay = int(config.Delay, `${path}.Delay`) ?? 0;
  const monitor = int(config.Monitor, `${path}.Monitor`) ?? 0;
  const ratio = config.MaxFailureRatio;
  if (ratio !== undefined && typeof ratio !== 'number')
    typeError(`${path}.MaxFailureRatio`, ratio, 'float32');
  const action = string(config.FailureAction, `${path}.FailureAction`);
  const actions = kind === 'update' ? ['', 'pause', 'continue', 'rollback'] : ['', 'pause', 'continue'];
  if (action !== undefined && !actions.includes(action)) {
    throw invalidParameter(`unrecognized ${kind} failure action ${action}`);
  }
  const order = string(config.Order, `${path}.Order`);
  if (order !== undefined && !['', 'stop-first', 'start-first'].includes(order)) {
    throw invalidParameter(`unrecognized ${kind} order ${order}`);
  }
  if (delay < 0) throw invalidArgument(`TaskSpec: ${kind}-delay cannot be negative`);
  if (monitor < 0) throw invalidArgument(`TaskSpec: ${kind}-monitor cannot be negative`);
  if (typeof ratio === 'number' && (ratio < 0 || ratio > 1)) {
    throw invalidArgument(`TaskSpec: ${kind}-maxfailureratio cannot be less than 0 or bigger than 1`);
  }
}

function validateMounts(mounts: unknown[] | undefined): void {
  const targets = new Set<string>();
  for (const [i, raw] of (mounts ?? []).entries()) {
    const mount = object(raw, `ContainerSpec.Mounts[${i}]`) ?? {};
    const type = string(mount.Type, 'Mount.Type') ?? 'volume';
    if (!['bind', 'volume', 'tmpfs', 'npipe', 'cluster'].includes(type)) {
      throw invalidParameter(`invalid MountType: "${type}"`);
    }
    const target = string(mount.Target, 'Mount.Target') ?? '';
    const source = string(mount.Source, 'Mount.Source') ?? '';
    if (!target.startsWith('/')) {
      throw invalidArgument(`invalid mount target, must be an absolute path: ${target}`);
    }
    if (type === 'bind' && !source.startsWith('/')) {
      throw invalidArgument(`invalid bind mount source, must be an absolute path: ${source}`);
    }
    if (type === 'tmpfs' && source !== '') {
      throw invalidArgument('invalid tmpfs source, source must be empty');
    }
    if (targets.has(target)) throw invalidArgument(`ContainerSpec: duplicate mount point: ${target}`);
    targets.add(target);
  }
}

function validateReferences(refs: unknown[] | undefined, kind: 'secret' | 'config'): void {
  const targets = new Map<string, string>();
  const Kind = kind === 'secret' ? 'Secret' : 'Config';
  for (const [i, raw] of (refs ?? []).entries()) {
    const ref = object(raw, `ContainerSpec.${Kind}s[${i}]`) ?? {};
    const id = string(ref[`${Kind}ID`], `${Kind}Reference.${Kind}ID`) ?? '';
    const name = string(ref[`${Kind}Name`], `${Kind}Reference.${Kind}Name`) ?? '';
    if (id === '' || name === '') throw invalidArgument(`malformed ${kind} reference`);
    const file = object(ref.File, `${Kind}Reference.File`);
    if (!file && (kind === 'secret' || ref.Runtime === undefined)) {
      throw invalidArgument(`malformed ${kind} reference, no target provided`);
    }
    if (file) {
      const fileName = string(file.Name, `${Kind}ReferenceFileTarget.Name`) ?? '';
      uint(file.Mode, `${Kind}ReferenceFileTarget.Mode`);
      if (fileName === '')
        throw invalidArgument(`malformed file ${kind} reference, invalid target file name provided`);
      const previous = targets.get(fileName);
      if (previous !== undefined) {
        throw invalidArgument(
          `${kind} references '${previous}' and '${name}' have a conflicting target: '${fileName}'`,
        );
      }
      targets.set(fileName, name);
    }
  }
}

function validateContainerSpec(container: Record<string, unknown>): void {
  const image = string(container.Image, 'ContainerSpec.Image') ?? '';
  if (image === '') throw invalidArgument('ContainerSpec: image reference must be provided');
  if (!imageReference.test(image))
    throw invalidArgument(`ContainerSpec: "${image}" is not a valid repository/tag`);
  for (const field of ['Command', 'Args', 'Env']) {
    for (const [i, item] of (array(container[field], `ContainerSpec.${field}`) ?? []).entries()) {
      string(item, `ContainerSpec.${field}[${i}]`);
    }
  }
  stringMap(container.Labels, 'ContainerSpec.Labels');
  validateMounts(array(container.Mounts, 'ContainerSpec.Mounts'));
  validateReferences(array(container.Secrets, 'ContainerSpec.Secrets'), 'secret');
  validateReferences(array(container.Configs, 'ContainerSpec.Configs'), 'config');
  const health = object(container.HealthCheck, 'ContainerSpec.HealthCheck');
  if (health) {
    for (const field of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval']) {
      const value = int(health[field], `HealthConfig.${field}`) ?? 0;
      if (value !== 0 && value < 1e6) {
        throw invalidArgument(`ContainerSpec: ${field} in HealthConfig cannot be less than 1ms`);
      }
    }
    if ((int(health.Retries, 'HealthConfig.Retries') ?? 0) < 0) {
      throw invalidArgument('ContainerSpec: Retries in HealthConfig cannot be negative');
    }
  }
  int(container.StopGracePeriod, 'ContainerSpec.StopGracePeriod');
}

function validateTaskTemplate(template: Record<string, unknown>): void {
  const container = object(template.ContainerSpec, 'TaskSpec.ContainerSpec');
  const runtime = string(template.Runtime, 'TaskSpec.Runtime') ?? '';
  if (
    template.PluginSpec !== undefined ||
    template.NetworkAttachmentSpec !== undefined ||
    (runtime !== '' && runtime !== 'container')
  ) {
    throw unimplemented('RuntimeSpec: swarmlab runs container tasks only (TaskTemplate.ContainerSpec)');
  }
  if (!container) throw invalidParameter(mismatchedRuntime);
  const resources = object(template.Resources, 'TaskSpec.Resources');
  validateResources(object(resources?.Limits, 'TaskSpec.Resources.Limits'), 'Resources.Limits');
  validateResources(
    object(resources?.Reservations, 'TaskSpec.Resources.Reservations'),
    'Resources.Reservations',
  );

  const restart = object(template.RestartPolicy, 'TaskSpec.RestartPolicy');
  if (restart) {
    const condition = string(restart.Condition, 'RestartPolicy.Condition');
    if (condition !== undefined && !['', 'none', 'on-failure', 'any'].includes(condition)) {
      throw invalidParameter(`invalid RestartCondition: "${condition}"`);
    }
    uint(restart.MaxAttempts, 'RestartPolicy.MaxAttempts');
    if ((int(restart.Delay, 'RestartPolicy.Delay') ?? 0) < 0) {
      throw invalidArgument('TaskSpec: restart-delay cannot be negative');
    }
    if ((int(restart.Window, 'RestartPolicy.Window') ?? 0) < 0) {
      throw invalidArgument('TaskSpec: restart-window cannot be negative');
    }
  }

  const placement = object(template.Placement, 'TaskSpec.Placement');
  if (placement) {
    const constraints = array(placement.Constraints, 'Placement.Constraints') ?? [];
    constraints.forEach((c, i) => {
      string(c, `Placement.Constraints[${i}]`);
    });
    try {
      parseConstraints(constraints as string[]);
    } catch (error) {
      if (error instanceof ConstraintSyntaxError) throw invalidArgument(error.message);
      throw error;
    }
    uint(placement.MaxReplicas, 'Placement.MaxReplicas');
  }
  uint(template.ForceUpdate, 'TaskSpec.ForceUpdate');
  for (const [i, raw] of (array(template.Networks, 'TaskSpec.Networks') ?? []).entries()) {
    const attachment = object(raw, `TaskSpec.Networks[${i}]`) ?? {};
    if (!string(attachment.Target, 'NetworkAttachmentConfig.Target')) {
      throw invalidArgument('network attachment: the Target network must be given');
    }
  }
  validateContainerSpec(container);
}

function validateEndpointSpec(endpoint: Record<string, unknown> | undefined): void {
  if (!endpoint) return;
  const mode = string(endpoint.Mode, 'EndpointSpec.Mode') ?? '';
  if (!['', 'vip', 'dnsrr'].includes(mode)) throw invalidParameter(`invalid resolution mode: "${mode}"`);
  const seen = new Set<string>();
  for (const [i, raw] of (array(endpoint.Ports, 'EndpointSpec.Ports') ?? []).entries()) {
    const port = object(raw, `EndpointSpec.Ports[${i}]`) ?? {};
    const protocol = string(port.Protocol, 'PortConfig.Protocol') ?? 'tcp';
    const publishMode = string(port.PublishMode, 'PortConfig.PublishMode') || 'ingress';
    const target = uint(port.TargetPort, 'PortConfig.TargetPort') ?? 0;
    const published = uint(port.PublishedPort, 'PortConfig.PublishedPort') ?? 0;
    if (!['', 'tcp', 'udp', 'sctp'].includes(protocol)) {
      throw invalidParameter(`invalid protocol "${protocol}" for port ${target}: use tcp, udp or sctp`);
    }
    if (!['ingress', 'host'].includes(publishMode)) {
      throw invalidParameter(`invalid publish mode "${publishMode}" for port ${target}: use ingress or host`);
    }
    if (target < 1 || target > 65535) {
      throw invalidArgument(`EndpointSpec: invalid target port ${target}: must be between 1 and 65535`);
    }
    if (published > 65535) {
      throw invalidArgument(`EndpointSpec: invalid published port ${published}: must be between 1 and 65535`);
    }
    if (mode === 'dnsrr' && publishMode === 'ingress') {
      throw invalidArgument("EndpointSpec: port published with ingress mode can't be used with dnsrr mode");
    }
    if (published === 0) continue;
    const key = `${protocol || 'tcp'}/${published}`;
    if (seen.has(key)) throw invalidArgument('EndpointSpec: duplicate published ports provided');
    seen.add(key);
  }
}

function validateMode(mode: Record<string, unknown> | undefined): void {
  if (!mode) return;
  const kinds = ['Replicated', 'Global', 'ReplicatedJob', 'GlobalJob'].filter(
    (k) => mode[k] !== undefined && mode[k] !== null,
  );
  if (kinds.length > 1) throw invalidParameter(`invalid mode: only one of ${kinds.join(', ')} may be set`);
  if (kinds[0] === 'ReplicatedJob' || kinds[0] === 'GlobalJob') {
    throw unimplemented(
      'job services (ReplicatedJob, GlobalJob) are not supported by swarmlab; use Replicated or Global',
    );
  }
  const replicated = object(mode.Replicated, 'ServiceSpec.Mode.Replicated');
  if (replicated) uint(replicated.Replicas, 'ReplicatedService.Mode.Replicated.Replicas');
  object(mode.Global, 'ServiceSpec.Mode.Global');
}

/**
 * Validates a service spec from a request body (SwarmKit's validateServiceSpec plus the daemon's decoding
 * and conversion checks) and returns it normalized. Throws an ApiError with Docker's message.
 */
export function validateServiceSpec(body: unknown): ValidServiceSpec {
  const raw = object(body, 'ServiceSpec');
  if (!raw)
    throw invalidParameter('invalid service spec: the request body must be a JSON object (a ServiceSpec)');
  const spec = structuredClone(raw) as Record<string, unknown>;

  const name = string(spec.Name, 'ServiceSpec.Name') ?? '';
  if (name !== '') {
    if (!validDnsName.test(name)) throw invalidArgument('name must be valid as a DNS name component');
    if (name.length > 63) throw invalidArgument('name must be 63 characters or fewer');
  }
  stringMap(spec.Labels, 'ServiceSpec.Labels');
  const template = object(spec.TaskTemplate, 'ServiceSpec.TaskTemplate');
  if (!template) throw invalidParameter(mismatchedRuntime);
  validateTaskTemplate(template);
  validateMode(object(spec.Mode, 'ServiceSpec.Mode'));
  validateUpdateConfig(object(spec.UpdateConfig, 'ServiceSpec.UpdateConfig'), 'update');
  validateUpdateConfig(object(spec.RollbackConfig, 'ServiceSpec.RollbackConfig'), 'rollback');
  validateEndpointSpec(object(spec.EndpointSpec, 'ServiceSpec.EndpointSpec'));
  array(spec.Networks, 'ServiceSpec.Networks');

  return normalize(spec as ServiceSpec);
}

function normalize(spec: ServiceSpec): ValidServiceSpec {
  const normalized = { ...spec, Name: spec.Name ?? '', Labels: spec.Labels ?? {} } as ValidServiceSpec;
  const mode = spec.Mode ?? {};
  if (mode.Global) normalized.Mode = { Global: {} };
  else normalized.Mode = { Replicated: { Replicas: mode.Replicated?.Replicas ?? 1 } };
  if (spec.EndpointSpec) {
    normalized.EndpointSpec = {
      ...spec.EndpointSpec,
      Mode: spec.EndpointSpec.Mode || 'vip',
      ...(spec.EndpointSpec.Ports
        ? {
            Ports: spec.EndpointSpec.Ports.map((port) => ({
              ...port,
              Protocol: port.Protocol || 'tcp',
              PublishMode: port.PublishMode || 'ingress',
            })),
          }
        : {}),
    };
  }
  return normalized;
}
