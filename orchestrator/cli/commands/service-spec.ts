// The ServiceSpec that `docker service create` sends and the changes `docker service update` makes to one
// (docker's serviceOptions.ToService and updateService), with fields in the order Go encodes them.
import { readFileSync } from 'node:fs';
import type { Network, Secret, ServiceSpec } from '../../api/engine-types.js';
import { type EngineClient, encodeFilters } from '../client/engine-client.js';
import type { FlagValues } from '../cobra/flags.js';
import {
  type FileReference,
  kvToMap,
  type MountSpec,
  type NetworkAttachment,
  type PortConfig,
  validateEnv,
} from './service-values.js';

type Obj = Record<string, unknown>;

/** Orders an object's keys as Go's struct declares them (unknown keys keep their place at the end). */
function ordered(object: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  for (const [key, value] of Object.entries(object))
    if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

const serviceSpecKeys = [
  'Name',
  'Labels',
  'TaskTemplate',
  'Mode',
  'UpdateConfig',
  'RollbackConfig',
  'Networks',
  'EndpointSpec',
];
const taskSpecKeys = [
  'ContainerSpec',
  'PluginSpec',
  'NetworkAttachmentSpec',
  'Resources',
  'RestartPolicy',
  'Placement',
  'Networks',
  'LogDriver',
  'ForceUpdate',
  'Runtime',
];
const containerSpecKeys = [
  'Image',
  'Labels',
  'Command',
  'Args',
  'Hostname',
  'Env',
  'Dir',
  'User',
  'Groups',
  'Privileges',
  'Init',
  'StopSignal',
  'TTY',
  'OpenStdin',
  'ReadOnly',
  'Mounts',
  'StopGracePeriod',
  'Healthcheck',
  'Hosts',
  'DNSConfig',
  'Secrets',
  'Configs',
  'Isolation',
  'Sysctls',
  'CapabilityAdd',
  'CapabilityDrop',
  'Ulimits',
  'OomScoreAdj',
];
const updateConfigKeys = ['Parallelism', 'Delay', 'FailureAction', 'Monitor', 'MaxFailureRatio', 'Order'];

/** Drops what Go's omitempty drops and orders keys as docker's Go types encode a ServiceSpec. */
export function normalizeServiceSpec(spec: ServiceSpec): ServiceSpec {
  const s = spec as Obj;
  const task = (s.TaskTemplate ?? {}) as Obj;
  const container = task.ContainerSpec as Obj | undefined;
  if (container) {
    if (container.HealthCheck !== undefined && container.Healthcheck === undefined) {
      container.Healthcheck = container.HealthCheck;
      delete container.HealthCheck;
    }
    for (const key of ['Labels', 'Sysctls']) {
      if (container[key] && Object.keys(container[key] as Obj).length === 0) delete container[key];
    }
    for (const key of [
      'Command',
      'Args',
      'Env',
      'Groups',
      'Mounts',
      'Hosts',
      'Secrets',
      'Configs',
      'CapabilityAdd',
      'CapabilityDrop',
      'Ulimits',
    ]) {
      if (Array.isArray(container[key]) && (container[key] as unknown[]).length === 0) delete container[key];
    }
    for (const key of ['Hostname', 'Dir', 'User', 'StopSignal', 'Isolation'])
      if (container[key] === '') delete container[key];
    for (const key of ['TTY', 'OpenStdin', 'ReadOnly']) if (container[key] === false) delete container[key];
    if (container.OomScoreAdj === 0) delete container.OomScoreAdj;
    task.ContainerSpec = ordered(container, containerSpecKeys);
  }
  if (Array.isArray(task.Networks) && task.Networks.length === 0) delete task.Networks;
  const placement = task.Placement as Obj | undefined;
  if (placement) {
    for (const key of ['Constraints', 'Preferences', 'Platforms']) {
      if (Array.isArray(placement[key]) && (placement[key] as unknown[]).length === 0) delete placement[key];
    }
    if (placement.MaxReplicas === 0) delete placement.MaxReplicas;
  }
  s.TaskTemplate = ordered(task, taskSpecKeys);
  for (const key of ['UpdateConfig', 'RollbackConfig']) {
    if (s[key]) s[key] = ordered(s[key] as Obj, updateConfigKeys);
  }
  const endpoint = s.EndpointSpec as Obj | undefined;
  if (endpoint) {
    if (Array.isArray(endpoint.Ports) && endpoint.Ports.length === 0) delete endpoint.Ports;
    s.EndpointSpec = ordered(endpoint, ['Mode', 'Ports']);
  }
  if (Array.isArray(s.Networks) && s.Networks.length === 0) delete s.Networks;
  return ordered(s, serviceSpecKeys) as ServiceSpec;
}

const updateDefaults = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 5e9,
  MaxFailureRatio: 0,
  Order: 'stop-first',
};

function changed(flags: FlagValues, ...names: string[]): boolean {
  return names.some((name) => flags.changed(name));
}

function updateConfigFromFlags(
  flags: FlagValues,
  prefix: 'update' | 'rollback',
  base?: Obj,
): Obj | undefined {
  const names = ['parallelism', 'delay', 'monitor', 'failure-action', 'max-failure-ratio', 'order'].map(
    (n) => `${prefix}-${n}`,
  );
  if (!changed(flags, ...names)) return base;
  const config: Obj = base ? { ...base } : { ...updateDefaults };
  if (flags.changed(`${prefix}-parallelism`)) config.Parallelism = flags.get<number>(`${prefix}-parallelism`);
  if (flags.changed(`${prefix}-delay`)) config.Delay = Number(flags.get<bigint>(`${prefix}-delay`));
  if (flags.changed(`${prefix}-monitor`)) config.Monitor = Number(flags.get<bigint>(`${prefix}-monitor`));
  if (flags.changed(`${prefix}-failure-action`))
    config.FailureAction = flags.get<string>(`${prefix}-failure-action`);
  if (flags.changed(`${prefix}-max-failure-ratio`))
    config.MaxFailureRatio = flags.get<number>(`${prefix}-max-failure-ratio`);
  if (flags.changed(`${prefix}-order`)) config.Order = flags.get<string>(`${prefix}-order`);
  for (const key of ['Delay', 'Monitor']) if (config[key] === 0) delete config[key];
  if (config.FailureAction === '') delete config.FailureAction;
  if (config.Order === '') delete config.Order;
  return ordered(config, updateConfigKeys);
}

function restartPolicy(flags: FlagValues, base?: Obj): Obj | undefined {
  if (!changed(flags, 'restart-condition', 'restart-delay', 'restart-max-attempts', 'restart-window'))
    return base;
  const policy: Obj = base ? { ...base } : { Condition: 'any', Delay: 5e9, MaxAttempts: 0 };
  if (flags.changed('restart-condition')) policy.Condition = flags.get<string>('restart-condition');
  if (flags.changed('restart-delay')) policy.Delay = Number(flags.get<bigint>('restart-delay'));
  if (flags.changed('restart-max-attempts')) policy.MaxAttempts = flags.get<number>('restart-max-attempts');
  if (flags.changed('restart-window')) policy.Window = Number(flags.get<bigint>('restart-window'));
  return ordered(policy, ['Condition', 'Delay', 'MaxAttempts', 'Window']);
}

function healthConfig(flags: FlagValues): Obj | undefined {
  const cmd = flags.get<string>('health-cmd');
  const durations = ['health-interval', 'health-timeout', 'health-start-period', 'health-start-interval'];
  const have =
    cmd !== '' ||
    durations.some((d) => flags.get(d) !== undefined) ||
    flags.get<number>('health-retries') !== 0;
  if (flags.get<boolean>('no-healthcheck')) {
    if (have) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!have) return undefined;
  const health: Obj = {};
  if (cmd !== '') health.Test = ['CMD-SHELL', cmd];
  const set = (key: string, flag: string) => {
    const value = flags.get<bigint | undefined>(flag);
    if (value) health[key] = Number(value);
  };
  set('Interval', 'health-interval');
  set('Timeout', 'health-timeout');
  set('StartPeriod', 'health-start-period');
  set('StartInterval', 'health-start-interval');
  if (flags.get<number>('health-retries')) health.Retries = flags.get<number>('health-retries');
  return health;
}

/** docker's EffectiveCapAddCapDrop: upper case, CAP_ prefixed, "ALL" handled, duplicates dropped. */
function capabilities(add: string[], drop: string[]): [string[], string[]] {
  const normalize = (cap: string) => {
    const upper = cap.trim().toUpperCase();
    if (upper === 'ALL' || upper === '') return upper;
    return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  };
  const adds = [...new Set(add.map(normalize).filter(Boolean))];
  const drops = [...new Set(drop.map(normalize).filter(Boolean))];
  if (adds.includes('ALL')) return [['ALL'], drops.filter((d) => d === 'ALL')];
  if (drops.includes('ALL')) return [adds, ['ALL']];
  return [adds.filter((a) => !drops.includes(a)).sort(), drops.sort()];
}

/** docker's ReadKVStrings: the env files' lines, then the --env values. */
function readEnv(files: string[], values: string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(
        `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
      );
    }
    for (const raw of text.split('\n')) {
      const line = raw.replace(/^\s+/, '');
      if (line === '' || line.startsWith('#')) continue;
      out.push(validateEnv(line.replace(/\r$/, ''), env));
    }
  }
  return [...out, ...values];
}

function dedupeEnv(values: string[]): string[] {
  let current: string[] = [];
  for (const value of values) {
    const key = value.split('=')[0]!;
    current = current.filter((c) => c === value || !c.startsWith(`${key}=`));
    if (!current.includes(value)) current.push(value);
  }
  return current;
}

function serviceMode(flags: FlagValues): Obj {
  const mode = flags.get<string>('mode');
  const replicas = flags.get<number | undefined>('replicas');
  const maxReplicas = flags.get<number>('replicas-max-per-node');
  const maxConcurrent = flags.get<number | undefined>('max-concurrent');
  switch (mode) {
    case 'global':
      if (replicas !== undefined)
        throw new Error('replicas can only be used with replicated or replicated-job mode');
      if (maxReplicas > 0)
        throw new Error('replicas-max-per-node can only be used with replicated or replicated-job mode');
      if (maxConcurrent !== undefined)
        throw new Error('max-concurrent can only be used with replicated-job mode');
      return { Global: {} };
    case 'replicated':
      if (maxConcurrent !== undefined)
        throw new Error('max-concurrent can only be used with replicated-job mode');
      return { Replicated: replicas !== undefined ? { Replicas: replicas } : {} };
    case 'replicated-job': {
      const concurrent = maxConcurrent ?? replicas;
      const job: Obj = {};
      if (concurrent !== undefined) job.MaxConcurrent = concurrent;
      if (replicas !== undefined) job.TotalCompletions = replicas;
      return { ReplicatedJob: job };
    }
    case 'global-job':
      if (maxReplicas > 0)
        throw new Error('replicas-max-per-node can only be used with replicated or replicated-job mode');
      if (maxConcurrent !== undefined)
        throw new Error('max-concurrent can only be used with replicated-job mode');
      if (replicas !== undefined)
        throw new Error('replicas can only be used with replicated or replicated-job mode');
      return { GlobalJob: {} };
    default:
      throw new Error(`Unknown mode: ${mode}, only replicated and global supported`);
  }
}

/** Checks that each network exists (GET /networks/{name}?scope=swarm); returns them sorted by target. */
async function convertNetworks(
  client: EngineClient,
  networks: NetworkAttachment[],
): Promise<NetworkAttachment[]> {
  const out: NetworkAttachment[] = [];
  for (const net of networks) {
    await client.get<Network>(`/networks/${net.Target}`, { scope: 'swarm' });
    out.push(
      ordered({ Target: net.Target, Aliases: net.Aliases, DriverOpts: net.DriverOpts }, [
        'Target',
        'Aliases',
        'DriverOpts',
      ]) as unknown as NetworkAttachment,
    );
  }
  return out.sort((a, b) => (a.Target < b.Target ? -1 : a.Target > b.Target ? 1 : 0));
}

/** docker's ParseSecrets / ParseConfigs: looks the names up and fills in their IDs. */
export async function resolveFileReferences(
  client: EngineClient,
  refs: FileReference[],
  kind: 'secret' | 'config',
): Promise<Obj[]> {
  if (refs.length === 0) return [];
  const targets = new Set<string>();
  for (const ref of refs) {
    if (targets.has(ref.File.Name)) throw new Error(`duplicate ${kind} target for ${ref.Name} not allowed`);
    targets.add(ref.File.Name);
  }
  const names: Record<string, boolean> = {};
  for (const ref of refs) names[ref.Name] = true;
  const found = await client.get<Secret[]>(kind === 'secret' ? '/secrets' : '/configs', {
    filters: encodeFilters({ name: names }),
  });
  const ids = new Map((found ?? []).map((s) => [s.Spec?.Name ?? '', s.ID ?? '']));
  return refs.map((ref) => {
    const id = ids.get(ref.Name);
    if (id === undefined) throw new Error(`${kind} not found: ${ref.Name}`);
    return kind === 'secret'
      ? { File: { ...ref.File }, SecretID: id, SecretName: ref.Name }
      : { File: { ...ref.File }, ConfigID: id, ConfigName: ref.Name };
  });
}

/** The spec of `docker service create IMAGE [ARG...]` (docker's ToService). */
export async function buildServiceSpec(
  flags: FlagValues,
  image: string,
  args: string[],
  client: EngineClient,
  env: NodeJS.ProcessEnv,
): Promise<ServiceSpec> {
  const [capAdd, capDrop] = capabilities(flags.get<string[]>('cap-add'), flags.get<string[]>('cap-drop'));
  const mode = serviceMode(flags);
  const container: Obj = {
    Image: image,
    Labels: kvToMap(flags.get<string[]>('container-label')),
    Command: flags.get<string[] | undefined>('entrypoint'),
    Args: args.length ? args : undefined,
    Hostname: flags.get<string>('hostname'),
    Env: dedupeEnv(readEnv(flags.get<string[]>('env-file'), flags.get<string[]>('env'), env)),
    Dir: flags.get<string>('workdir'),
    User: flags.get<string>('user'),
    Groups: flags.get<string[]>('group'),
    Init: flags.get<boolean>('init'),
    StopSignal: flags.get<string>('stop-signal'),
    TTY: flags.get<boolean>('tty'),
    ReadOnly: flags.get<boolean>('read-only'),
    Mounts: flags.get<MountSpec[]>('mount'),
    StopGracePeriod: flags.changed('stop-grace-period')
      ? Number(flags.get<bigint>('stop-grace-period'))
      : undefined,
    Healthcheck: healthConfig(flags),
    Hosts: flags.get<string[]>('host').map((h) => {
      const sep = h.indexOf(':') >= 0 ? h.indexOf(':') : h.indexOf('=');
      return `${h.slice(sep + 1)} ${h.slice(0, sep)}`;
    }),
    DNSConfig: ordered(
      {
        Nameservers: flags.get<string[]>('dns').length ? flags.get<string[]>('dns') : undefined,
        Search: flags.get<string[]>('dns-search').length ? flags.get<string[]>('dns-search') : undefined,
        Options: flags.get<string[]>('dns-option').length ? flags.get<string[]>('dns-option') : undefined,
      },
      ['Nameservers', 'Search', 'Options'],
    ),
    Isolation: flags.get<string>('isolation'),
    Sysctls: kvToMap(flags.get<string[]>('sysctl')),
    CapabilityAdd: capAdd,
    CapabilityDrop: capDrop,
    Ulimits: flags.get<unknown[]>('ulimit'),
    OomScoreAdj: flags.get<number>('oom-score-adj'),
  };
  const credentialSpec = flags.get<Obj | undefined>('credential-spec');
  if (credentialSpec) container.Privileges = { CredentialSpec: credentialSpec };
  const limits: Obj = {};
  if (flags.get<number>('limit-cpu')) limits.NanoCPUs = flags.get<number>('limit-cpu');
  if (flags.get<number>('limit-memory')) limits.MemoryBytes = flags.get<number>('limit-memory');
  if (flags.get<number>('limit-pids')) limits.Pids = flags.get<number>('limit-pids');
  const reservations: Obj = {};
  if (flags.get<number>('reserve-cpu')) reservations.NanoCPUs = flags.get<number>('reserve-cpu');
  if (flags.get<number>('reserve-memory')) reservations.MemoryBytes = flags.get<number>('reserve-memory');
  const placement: Obj = {
    Constraints: flags.get<string[]>('constraint'),
    Preferences: flags.get<unknown[]>('placement-pref'),
    MaxReplicas: flags.get<number>('replicas-max-per-node'),
  };
  const task: Obj = {
    ContainerSpec: container,
    Resources: { Limits: limits, Reservations: reservations },
    RestartPolicy: restartPolicy(flags),
    Placement: placement,
    Networks: await convertNetworks(client, flags.get<NetworkAttachment[]>('network')),
    LogDriver: flags.get<string>('log-driver')
      ? { Name: flags.get<string>('log-driver'), Options: kvToMap(flags.get<string[]>('log-opt')) }
      : undefined,
    ForceUpdate: 0,
  };
  const spec: Obj = {
    Name: flags.get<string>('name'),
    Labels: kvToMap(flags.get<string[]>('label')),
    TaskTemplate: task,
    Mode: mode,
    UpdateConfig: updateConfigFromFlags(flags, 'update'),
    RollbackConfig: updateConfigFromFlags(flags, 'rollback'),
    EndpointSpec: {
      Mode: flags.get<string>('endpoint-mode').toLowerCase(),
      Ports: flags.get<PortConfig[]>('publish'),
    },
  };
  if (spec.Name === '') delete spec.Name;
  const secrets = await resolveFileReferences(client, flags.get<FileReference[]>('secret'), 'secret');
  if (secrets.length) container.Secrets = secrets;
  const configs = await resolveFileReferences(client, flags.get<FileReference[]>('config'), 'config');
  if (configs.length) container.Configs = configs;
  return normalizeServiceSpec(spec as ServiceSpec);
}

function toRemoveSet(flags: FlagValues, name: string): Set<string> {
  return new Set(flags.changed(name) ? flags.get<string[]>(name) : []);
}

function updateMap(
  flags: FlagValues,
  add: string,
  remove: string,
  current: Record<string, string> | undefined,
) {
  let out = current;
  if (flags.changed(add)) out = { ...(out ?? {}), ...kvToMap(flags.get<string[]>(add)) };
  if (out && flags.changed(remove)) {
    out = { ...out };
    for (const key of flags.get<string[]>(remove)) delete out[key];
  }
  return out;
}

function portKey(port: PortConfig): string {
  return `${port.PublishedPort}:${port.TargetPort}/${port.Protocol || 'tcp'}/${port.PublishMode || 'ingress'}`;
}

/** Applies `docker service update` flags to `spec` (docker's updateService); returns the new spec. */
export async function updateServiceSpec(
  spec: ServiceSpec,
  flags: FlagValues,
  client: EngineClient,
): Promise<ServiceSpec> {
  const s = structuredClone(spec) as Obj;
  const task = (s.TaskTemplate ??= {}) as Obj;
  const container = (task.ContainerSpec ??= {}) as Obj;
  const str = (flag: string, object: Obj, key: string) => {
    if (flags.changed(flag)) object[key] = flags.get<string>(flag);
  };
  s.Labels = updateMap(flags, 'label-add', 'label-rm', s.Labels as Record<string, string>);
  container.Labels = updateMap(
    flags,
    'container-label-add',
    'container-label-rm',
    container.Labels as Record<string, string>,
  );
  str('image', container, 'Image');
  if (flags.changed('args')) container.Args = flags.get<string[]>('args');
  if (flags.changed('entrypoint')) container.Command = flags.get<string[]>('entrypoint');
  // Environment: remove, then add or replace by key.
  const envKey = (v: string) => v.split('=')[0]!;
  const envRemove = toRemoveSet(flags, 'env-rm');
  let environment = ((container.Env as string[]) ?? []).filter((v) => !envRemove.has(envKey(v)));
  if (flags.changed('env-add')) {
    const byKey = new Map(environment.map((v) => [envKey(v), v]));
    for (const v of flags.get<string[]>('env-add')) byKey.set(envKey(v), v);
    environment = [...byKey.values()];
  }
  container.Env = environment;
  str('workdir', container, 'Dir');
  str('user', container, 'User');
  str('hostname', container, 'Hostname');
  // Mounts: added ones replace those with the same target; removed by target; sorted by source, target.
  if (changed(flags, 'mount-add', 'mount-rm')) {
    const byTarget = new Map<string, MountSpec>();
    for (const mount of flags.get<MountSpec[]>('mount-add')) {
      if (byTarget.has(mount.Target ?? '')) throw new Error('duplicate mount target');
      byTarget.set(mount.Target ?? '', mount);
    }
    for (const mount of (container.Mounts as MountSpec[]) ?? [])
      if (!byTarget.has(mount.Target ?? '')) byTarget.set(mount.Target ?? '', mount);
    const remove = toRemoveSet(flags, 'mount-rm');
    container.Mounts = [...byTarget.values()]
      .filter((m) => !remove.has(m.Target ?? ''))
      .sort((a, b) => {
        const sa = String(a.Source ?? '');
        const sb = String(b.Source ?? '');
        if (sa === sb) return String(a.Target) < String(b.Target) ? -1 : 1;
        return sa < sb ? -1 : 1;
      });
  }
  const resources = () => (task.Resources ??= {}) as Obj;
  if (changed(flags, 'limit-cpu', 'limit-memory', 'limit-pids')) {
    const limits = ((resources().Limits as Obj) ??= {});
    if (flags.changed('limit-cpu')) limits.NanoCPUs = flags.get<number>('limit-cpu');
    if (flags.changed('limit-memory')) limits.MemoryBytes = flags.get<number>('limit-memory');
    if (flags.changed('limit-pids')) limits.Pids = flags.get<number>('limit-pids');
    resources().Limits = limits;
  }
  if (changed(flags, 'reserve-cpu', 'reserve-memory')) {
    const reservations = ((resources().Reservations as Obj) ??= {});
    if (flags.changed('reserve-cpu')) reservations.NanoCPUs = flags.get<number>('reserve-cpu');
    if (flags.changed('reserve-memory')) reservations.MemoryBytes = flags.get<number>('reserve-memory');
    resources().Reservations = reservations;
  }
  if (flags.changed('stop-grace-period'))
    container.StopGracePeriod = Number(flags.get<bigint>('stop-grace-period'));
  task.RestartPolicy = restartPolicy(flags, task.RestartPolicy as Obj | undefined);
  if (
    changed(
      flags,
      'constraint-add',
      'constraint-rm',
      'placement-pref-add',
      'placement-pref-rm',
      'replicas-max-per-node',
    )
  ) {
    const placement = ((task.Placement as Obj) ??= {});
    if (changed(flags, 'constraint-add', 'constraint-rm')) {
      const all = [...((placement.Constraints as string[]) ?? []), ...flags.get<string[]>('constraint-add')];
      const remove = toRemoveSet(flags, 'constraint-rm');
      placement.Constraints = all.filter((c) => !remove.has(c)).sort();
    }
    if (changed(flags, 'placement-pref-add', 'placement-pref-rm')) {
      const remove = new Set(
        flags
          .get<Array<{ Spread: { SpreadDescriptor: string } }>>('placement-pref-rm')
          .map((p) => p.Spread.SpreadDescriptor),
      );
      const prefs = (
        (placement.Preferences as Array<{ Spread?: { SpreadDescriptor?: string } }>) ?? []
      ).filter((p) => !remove.has(p.Spread?.SpreadDescriptor ?? ''));
      placement.Preferences = [...prefs, ...flags.get<unknown[]>('placement-pref-add')];
    }
    if (flags.changed('replicas-max-per-node'))
      placement.MaxReplicas = flags.get<number>('replicas-max-per-node');
    task.Placement = placement;
  }
  if (changed(flags, 'network-add', 'network-rm')) {
    const current = ((task.Networks as NetworkAttachment[]) ?? []).length
      ? (task.Networks as NetworkAttachment[])
      : ((s.Networks as NetworkAttachment[]) ?? []);
    delete s.Networks;
    const removeIds = new Set<string>();
    for (const name of toRemoveSet(flags, 'network-rm')) {
      const network = await client.get<Network>(`/networks/${name}`, { scope: 'swarm' });
      removeIds.add(network.Id ?? '');
    }
    const next = current.filter((n) => !removeIds.has(n.Target));
    const existing = new Set(next.map((n) => n.Target));
    for (const net of flags.get<NetworkAttachment[]>('network-add')) {
      const network = await client.get<Network>(`/networks/${net.Target}`, { scope: 'swarm' });
      const id = network.Id ?? net.Target;
      if (existing.has(id)) throw new Error(`service is already attached to network ${id}`);
      next.push({ ...net, Target: id });
      existing.add(id);
    }
    task.Networks = next.sort((a, b) => (a.Target < b.Target ? -1 : a.Target > b.Target ? 1 : 0));
  }
  if (flags.changed('replicas')) {
    const mode = (s.Mode ?? {}) as Obj;
    if (mode.Replicated)
      mode.Replicated = { ...(mode.Replicated as Obj), Replicas: flags.get<number>('replicas') };
    else if (mode.ReplicatedJob)
      mode.ReplicatedJob = {
        ...(mode.ReplicatedJob as Obj),
        TotalCompletions: flags.get<number>('replicas'),
      };
    else throw new Error('replicas can only be used with replicated or replicated-job mode');
  }
  if (flags.changed('max-concurrent')) {
    const mode = (s.Mode ?? {}) as Obj;
    if (!mode.ReplicatedJob) throw new Error('max-concurrent can only be used with replicated-job mode');
    mode.ReplicatedJob = {
      ...(mode.ReplicatedJob as Obj),
      MaxConcurrent: flags.get<number>('max-concurrent'),
    };
  }
  s.UpdateConfig = updateConfigFromFlags(flags, 'update', s.UpdateConfig as Obj | undefined);
  s.RollbackConfig = updateConfigFromFlags(flags, 'rollback', s.RollbackConfig as Obj | undefined);
  if (flags.changed('endpoint-mode')) {
    s.EndpointSpec = { ...((s.EndpointSpec as Obj) ?? {}), Mode: flags.get<string>('endpoint-mode') };
  }
  if (changed(flags, 'group-add', 'group-rm')) {
    const remove = toRemoveSet(flags, 'group-rm');
    const groups = [...((container.Groups as string[]) ?? []), ...flags.get<string[]>('group-add')];
    container.Groups = [...new Set(groups)].filter((g) => !remove.has(g)).sort();
  }
  if (changed(flags, 'publish-add', 'publish-rm')) {
    const endpoint = ((s.EndpointSpec as Obj) ??= {});
    const byKey = new Map<string, PortConfig>();
    for (const port of (endpoint.Ports as PortConfig[]) ?? [])
      if (!byKey.has(portKey(port))) byKey.set(portKey(port), port);
    const remove = flags.get<PortConfig[]>('publish-rm');
    const next = [...byKey.values()].filter(
      (p) =>
        !remove.some(
          (r) =>
            (r.Protocol || 'tcp') === (p.Protocol || 'tcp') &&
            r.TargetPort === p.TargetPort &&
            (r.PublishMode || 'ingress') === (p.PublishMode || 'ingress'),
        ),
    );
    for (const port of flags.get<PortConfig[]>('publish-add')) if (!byKey.has(portKey(port))) next.push(port);
    endpoint.Ports = next.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    s.EndpointSpec = endpoint;
  }
  if (
    changed(flags, 'dns-add', 'dns-rm', 'dns-option-add', 'dns-option-rm', 'dns-search-add', 'dns-search-rm')
  ) {
    const dns = { ...((container.DNSConfig as Obj) ?? {}) };
    const merge = (key: string, add: string, rm: string, sort: boolean) => {
      const remove = toRemoveSet(flags, rm);
      const values = [...((dns[key] as string[]) ?? []), ...flags.get<string[]>(add)].filter(
        (v) => !remove.has(v),
      );
      const unique = [...new Set(values)];
      dns[key] = sort ? unique.sort() : unique;
    };
    merge('Nameservers', 'dns-add', 'dns-rm', false);
    merge('Search', 'dns-search-add', 'dns-search-rm', false);
    merge('Options', 'dns-option-add', 'dns-option-rm', true);
    container.DNSConfig = dns;
  }
  if (changed(flags, 'host-add', 'host-rm')) {
    const remove = toRemoveSet(flags, 'host-rm');
    const toSwarm = (h: string) => {
      const sep = h.indexOf(':') >= 0 ? h.indexOf(':') : h.indexOf('=');
      return `${h.slice(sep + 1)} ${h.slice(0, sep)}`;
    };
    const removeSwarm = new Set([...remove].map(toSwarm));
    const hosts = ((container.Hosts as string[]) ?? []).filter((h) => !removeSwarm.has(h));
    container.Hosts = [...hosts, ...flags.get<string[]>('host-add').map(toSwarm)];
  }
  if (flags.changed('log-driver') && flags.get<string>('log-driver')) {
    task.LogDriver = {
      Name: flags.get<string>('log-driver'),
      Options: kvToMap(flags.get<string[]>('log-opt')),
    };
  }
  if (flags.get<boolean>('force')) task.ForceUpdate = Number(task.ForceUpdate ?? 0) + 1;
  updateHealthcheck(flags, container);
  if (flags.changed('tty')) container.TTY = flags.get<boolean>('tty');
  if (flags.changed('read-only')) container.ReadOnly = flags.get<boolean>('read-only');
  if (flags.changed('init')) container.Init = flags.get<boolean>('init');
  str('stop-signal', container, 'StopSignal');
  str('isolation', container, 'Isolation');
  if (flags.changed('oom-score-adj')) container.OomScoreAdj = flags.get<number>('oom-score-adj');
  container.Sysctls = updateMap(
    flags,
    'sysctl-add',
    'sysctl-rm',
    container.Sysctls as Record<string, string>,
  );
  if (changed(flags, 'cap-add', 'cap-drop')) {
    const [add, drop] = capabilities(
      [...((container.CapabilityAdd as string[]) ?? []), ...flags.get<string[]>('cap-add')],
      [...((container.CapabilityDrop as string[]) ?? []), ...flags.get<string[]>('cap-drop')],
    );
    container.CapabilityAdd = add;
    container.CapabilityDrop = drop;
  }
  if (changed(flags, 'ulimit-add', 'ulimit-rm')) {
    const remove = toRemoveSet(flags, 'ulimit-rm');
    const byName = new Map(((container.Ulimits as Array<{ Name: string }>) ?? []).map((u) => [u.Name, u]));
    for (const u of flags.get<Array<{ Name: string }>>('ulimit-add')) byName.set(u.Name, u);
    container.Ulimits = [...byName.values()]
      .filter((u) => !remove.has(u.Name))
      .sort((a, b) => (a.Name < b.Name ? -1 : 1));
  }
  if (flags.changed('credential-spec')) {
    container.Privileges = {
      ...((container.Privileges as Obj) ?? {}),
      CredentialSpec: flags.get<Obj>('credential-spec'),
    };
  }
  // Secrets and configs: removed by name, then the added ones looked up.
  const secretsRemove = toRemoveSet(flags, 'secret-rm');
  container.Secrets = [
    ...((container.Secrets as Array<{ SecretName?: string }>) ?? []).filter(
      (ref) => !secretsRemove.has(ref.SecretName ?? ''),
    ),
    ...(await resolveFileReferences(client, flags.get<FileReference[]>('secret-add'), 'secret')),
  ];
  const configsRemove = toRemoveSet(flags, 'config-rm');
  container.Configs = [
    ...((container.Configs as Array<{ ConfigName?: string }>) ?? []).filter(
      (ref) => !configsRemove.has(ref.ConfigName ?? ''),
    ),
    ...(await resolveFileReferences(client, flags.get<FileReference[]>('config-add'), 'config')),
  ];
  return normalizeServiceSpec(s as ServiceSpec);
}

function updateHealthcheck(flags: FlagValues, container: Obj): void {
  const healthFlags = [
    'health-cmd',
    'health-interval',
    'health-retries',
    'health-timeout',
    'health-start-period',
    'health-start-interval',
  ];
  if (!changed(flags, 'no-healthcheck', ...healthFlags)) return;
  const current = (container.Healthcheck ?? container.HealthCheck) as Obj | undefined;
  delete container.HealthCheck;
  const health: Obj = { ...(current ?? {}) };
  if (flags.get<boolean>('no-healthcheck')) {
    if (changed(flags, ...healthFlags)) throw new Error('--no-healthcheck conflicts with --health-* options');
    container.Healthcheck = { Test: ['NONE'] };
    return;
  }
  if (Array.isArray(health.Test) && health.Test[0] === 'NONE') delete health.Test;
  const set = (key: string, flag: string) => {
    if (flags.changed(flag)) health[key] = Number(flags.get<bigint>(flag));
  };
  set('Interval', 'health-interval');
  set('Timeout', 'health-timeout');
  set('StartPeriod', 'health-start-period');
  set('StartInterval', 'health-start-interval');
  if (flags.changed('health-retries')) health.Retries = flags.get<number>('health-retries');
  if (flags.changed('health-cmd')) {
    const cmd = flags.get<string>('health-cmd');
    if (cmd) health.Test = ['CMD-SHELL', cmd];
    else delete health.Test;
  }
  container.Healthcheck = health;
}
