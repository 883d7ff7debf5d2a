import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor } from '../../agent/executor/executor.js';
import type { ContainerInfo } from '../../agent/executor/types.js';
import { ExecutorError } from '../../agent/executor/types.js';
import { listImages } from '../../agent/images/catalog.js';
import type {
  ContainerConfig,
  ContainerState,
  ContainerSummary,
  EndpointSettings,
  HealthConfig,
  HostConfig,
  MountPoint,
  NetworkSettings,
  Port,
  PortMap,
} from '../engine-types.js';
import { ApiError, badRequest, conflict, notFound } from '../errors.js';
import { type Filters, matchesFilter, matchesLabels, parseFilters } from '../filters.js';
import { booleanParam, parseLogQuery, writeLogLine } from '../log-stream.js';
import { Reply, type Router, streamed } from '../router.js';

/** Exec ids of a container (the exec routes know them), for inspect's ExecIDs. */
export interface ExecIndex {
  idsFor(containerId: string): string[];
}

const listFilterKeys = [
  'ancestor',
  'before',
  'expose',
  'exited',
  'health',
  'id',
  'isolation',
  'is-task',
  'label',
  'name',
  'network',
  'publish',
  'since',
  'status',
  'volume',
] as const;

const statuses = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Docker's (go-units) human duration: `Less than a second`, `5 seconds`, `About a minute`, `3 hours`... */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** The STATUS column: `Up 5 seconds (healthy)`, `Exited (0) 3 seconds ago`, `Created`. */
export function statusText(info: ContainerInfo, now = Date.now()): string {
  switch (info.state) {
    case 'running': {
      const up = `Up ${humanDuration(now - Date.parse(info.startedAt ?? info.created))}`;
      const health = info.health?.status;
      if (health === 'starting') return `${up} (health: starting)`;
      return health ? `${up} (${health})` : up;
    }
    case 'exited':
      return `Exited (${info.exitCode ?? 0}) ${humanDuration(now - Date.parse(info.finishedAt ?? info.created))} ago`;
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

/** The COMMAND column, as the engine builds it: path, then arguments (single-quoted when they hold spaces). */
export function commandText(command: string[]): string {
  const [path, ...args] = command;
  return [path, ...args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg))].join(' ');
}

function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** Go's zero time, which Docker shows for times that did not happen yet. */
const zeroTime = '0001-01-01T00:00:00Z';

function exposedKey(port: { targetPort: number; protocol: string }): string {
  return `${port.targetPort}/${port.protocol}`;
}

function summaryPorts(info: ContainerInfo): Port[] {
  return info.exposedPorts.map((port) => ({ PrivatePort: port.targetPort, Type: port.protocol }));
}

function mountPoints(info: ContainerInfo): MountPoint[] {
  return info.mounts.map((mount) => ({
    Type: 'bind',
    Source: mount.source,
    Destination: mount.target,
    Mode: mount.readOnly ? 'ro' : '',
    RW: !mount.readOnly,
    Propagation: 'rprivate',
  }));
}

function endpoints(info: ContainerInfo): Record<string, EndpointSettings> {
  const networks: Record<string, EndpointSettings> = {};
  for (const network of info.networks) {
    const [address, prefix] = (network.addresses[0] ?? '').split('/');
    networks[network.name] = {
      IPAMConfig: address ? { IPv4Address: address } : undefined,
      Links: undefined,
      Aliases: network.aliases ?? [],
      MacAddress: '',
      NetworkID: network.id,
      EndpointID: '',
      Gateway: '',
      IPAddress: address ?? '',
      IPPrefixLen: prefix ? Number(prefix) : 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: [info.name, info.hostname, ...(network.aliases ?? [])],
    };
  }
  return networks;
}

function networkMode(info: ContainerInfo): string {
  return info.networks[0]?.name ?? 'default';
}

/** Bytes under a directory (the container's own files: its writable layer). */
function directorySize(path: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = join(path, entry);
    try {
      const stats = statSync(full);
      total += stats.isDirectory() ? directorySize(full) : stats.size;
    } catch {
      // Gone while counting.
    }
  }
  return total;
}

function imageSize(info: ContainerInfo): number {
  return listImages().find((image) => image.id === info.imageId)?.size ?? 0;
}

/** A container as `GET /containers/json` lists it (Docker's ContainerSummary). */
export function containerSummary(info: ContainerInfo, options: { size?: boolean } = {}): ContainerSummary {
  const summary: ContainerSummary = {
    Id: info.id,
    Names: [`/${info.name}`],
    Image: info.image,
    ImageID: info.imageId,
    Command: commandText(info.command),
    Created: unixSeconds(info.created),
    Ports: summaryPorts(info),
    Labels: info.labels,
    State: info.state,
    Status: statusText(info),
    HostConfig: { NetworkMode: networkMode(info) },
    NetworkSettings: { Networks: endpoints(info) },
    Mounts: mountPoints(info),
  };
  if (options.size) {
    const rw = directorySize(join(info.dir, 'rootfs'));
    summary.SizeRw = rw;
    summary.SizeRootFs = rw + imageSize(info);
  }
  return summary;
}

function stateView(info: ContainerInfo): ContainerState {
  const state: ContainerState = {
    Status: info.state,
    Running: info.state === 'running',
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: info.state === 'dead',
    Pid: info.pid ?? 0,
    ExitCode: info.exitCode ?? 0,
    Error: info.error ?? '',
    StartedAt: info.startedAt ?? zeroTime,
    FinishedAt: info.finishedAt ?? zeroTime,
  };
  if (info.healthcheck) {
    state.Health = {
      Status: info.health?.status ?? 'starting',
      FailingStreak: info.health?.failingStreak ?? 0,
      Log: (info.health?.log ?? []).map((result) => ({
        Start: result.start,
        End: result.end,
        ExitCode: result.exitCode,
        Output: result.output,
      })),
    };
  }
  return state;
}

function healthConfigView(info: ContainerInfo): HealthConfig | undefined {
  const check = info.healthcheck;
  if (!check) return undefined;
  return {
    Test: check.test,
    Interval: check.intervalMs * 1e6,
    Timeout: check.timeoutMs * 1e6,
    Retries: check.retries,
    StartPeriod: check.startPeriodMs * 1e6,
    StartInterval: check.startIntervalMs * 1e6,
  };
}

function configView(info: ContainerInfo): ContainerConfig {
  const exposed: Record<string, Record<string, never>> = {};
  for (const port of info.exposedPorts) exposed[exposedKey(port)] = {};
  return {
    Hostname: info.hostname,
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: info.exposedPorts.length > 0 ? exposed : null,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: info.env,
    Cmd: info.command.slice(1),
    Healthcheck: healthConfigView(info),
    Image: info.image,
    WorkingDir: info.workingDir === '/' ? '' : info.workingDir,
    Entrypoint: [info.command[0]],
    OnBuild: null,
    Labels: info.labels,
    StopSignal: info.stopSignal,
    StopTimeout: Math.round(info.stopGracePeriodMs / 1000),
  };
}

function hostConfigView(info: ContainerInfo): HostConfig {
  return {
    ContainerIDFile: '',
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    NetworkMode: networkMode(info),
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: '',
    Mounts: info.mounts.map((mount) => ({
      Type: 'bind',
      Source: mount.source,
      Target: mount.target,
      ReadOnly: mount.readOnly,
    })),
    ConsoleSize: [0, 0],
    CgroupnsMode: 'private',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    IpcMode: 'private',
    Isolation: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    Runtime: info.runtime,
  };
}

function networkSettingsView(info: ContainerInfo): NetworkSettings {
  const ports: PortMap = {};
  for (const port of info.exposedPorts) ports[exposedKey(port)] = null as unknown as [];
  for (const mapping of info.ports) {
    ports[exposedKey(mapping)] = [{ HostIp: mapping.hostAddr, HostPort: String(mapping.hostPort) }];
  }
  return {
    Bridge: '',
    SandboxID: info.id,
    SandboxKey: '',
    Ports: ports,
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: endpoints(info),
  };
}

/** A container as `GET /containers/{id}/json` answers (Docker's ContainerInspectResponse). */
export function containerInspect(info: ContainerInfo, options: { size?: boolean; execIds?: string[] } = {}) {
  const response = {
    Id: info.id,
    Created: info.created,
    Path: info.command[0],
    Args: info.command.slice(1),
    State: stateView(info),
    Image: info.imageId,
    ResolvConfPath: join(info.dir, 'rootfs/etc/resolv.conf'),
    HostnamePath: join(info.dir, 'rootfs/etc/hostname'),
    HostsPath: join(info.dir, 'rootfs/etc/hosts'),
    LogPath: info.logPath,
    Name: `/${info.name}`,
    RestartCount: 0,
    Driver: 'swarmlab',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: options.execIds && options.execIds.length > 0 ? options.execIds : null,
    HostConfig: hostConfigView(info),
    GraphDriver: { Name: 'swarmlab', Data: { RootDir: join(info.dir, 'rootfs') } },
    Mounts: mountPoints(info),
    Config: configView(info),
    NetworkSettings: networkSettingsView(info),
  } as Record<string, unknown>;
  if (options.size) {
    const rw = directorySize(join(info.dir, 'rootfs'));
    response.SizeRw = rw;
    response.SizeRootFs = rw + imageSize(info);
  }
  return response;
}

/**
 * Finds a container as the engine does: full id, name (with or without its leading `/`), or a unique id
 * prefix. 404 `No such container` otherwise.
 */
export function findContainer(executor: Executor, idOrName: string): ContainerInfo {
  const all = executor.list();
  const wanted = idOrName.replace(/^\//, '');
  const exact = all.find((c) => c.id === wanted || c.name === wanted);
  if (exact) return exact;
  if (/^[0-9a-f]+$/.test(wanted)) {
    const byPrefix = all.filter((c) => c.id.startsWith(wanted));
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) throw badRequest(`multiple IDs found with provided prefix: ${wanted}`);
  }
  throw notFound(`No such container: ${idOrName}`);
}

function portFilterMatches(expr: string, ports: { targetPort: number; protocol: string }[]): boolean {
  const found = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(expr);
  if (!found)
    throw badRequest(`invalid filter 'expose=${expr}': use <port>[/<proto>] or <start>-<end>/<proto>`);
  const low = Number(found[1]);
  const high = found[2] ? Number(found[2]) : low;
  const protocol = found[3] ?? 'tcp';
  return ports.some((p) => p.protocol === protocol && p.targetPort >= low && p.targetPort <= high);
}

function listContainers(executor: Executor, query: URLSearchParams): ContainerSummary[] {
  const filters = parseFilters(query.get('filters'), listFilterKeys);
  const all = booleanParam(query.get('all'));
  const limitText = query.get('limit');
  const limit = limitText === null || limitText === '' ? -1 : Number(limitText);
  if (!Number.isInteger(limit)) throw badRequest(`invalid limit "${limitText}": use a whole number`);
  for (const status of filters.get('status') ?? []) {
    if (!statuses.includes(status)) throw badRequest(`invalid filter 'status=${status}'`);
  }
  for (const health of filters.get('health') ?? []) {
    if (!['starting', 'healthy', 'unhealthy', 'none'].includes(health))
      throw badRequest(`invalid filter 'health=${health}'`);
  }
  let containers = executor.list().sort((a, b) => b.created.localeCompare(a.created));
  const boundary = (key: 'before' | 'since') => {
    const value = filters.get(key)?.[0];
    return value === undefined ? undefined : findContainer(executor, value).created;
  };
  const before = boundary('before');
  const since = boundary('since');
  const showAll =
    all ||
    limit > 0 ||
    filters.has('status') ||
    filters.has('exited') ||
    before !== undefined ||
    since !== undefined;
  containers = containers.filter((c) => matches(c, filters, showAll, before, since));
  if (limit > 0) containers = containers.slice(0, limit);
  const size = booleanParam(query.get('size'));
  return containers.map((c) => containerSummary(c, { size }));
}

function matches(
  c: ContainerInfo,
  filters: Filters,
  showAll: boolean,
  before?: string,
  since?: string,
): boolean {
  if (!showAll && c.state !== 'running') return false;
  if (before !== undefined && c.created >= before) return false;
  if (since !== undefined && c.created <= since) return false;
  return (
    matchesFilter(filters, 'id', (v) => c.id.startsWith(v)) &&
    matchesFilter(filters, 'name', (v) => new RegExp(v.replace(/^\//, '')).test(c.name)) &&
    matchesFilter(filters, 'status', (v) => v === c.state) &&
    matchesFilter(filters, 'exited', (v) => c.state === 'exited' && c.exitCode === Number(v)) &&
    matchesFilter(
      filters,
      'health',
      (v) => (c.health?.status ?? 'none') === v || (v === 'none' && !c.healthcheck),
    ) &&
    matchesFilter(
      filters,
      'ancestor',
      (v) =>
        c.image === v || c.image.split('@')[0] === v || c.image.startsWith(`${v}:`) || c.imageId.includes(v),
    ) &&
    matchesFilter(filters, 'is-task', (v) => (v === 'true') === 'com.docker.swarm.task.id' in c.labels) &&
    matchesFilter(filters, 'network', (v) => c.networks.some((n) => n.name === v || n.id.startsWith(v))) &&
    matchesFilter(filters, 'volume', (v) => c.mounts.some((m) => m.target === v || m.source === v)) &&
    matchesFilter(filters, 'expose', (v) => portFilterMatches(v, c.exposedPorts)) &&
    matchesFilter(filters, 'publish', () => false) &&
    matchesFilter(filters, 'isolation', (v) => v === 'default' || v === 'process') &&
    matchesLabels(filters, c.labels)
  );
}

/** Parses `since`/`until`: Unix seconds with an optional fraction (`1700000000.5`); 0 means unset. */
/** Maps the executor's errors to the Engine API's. */
export function apiErrorOf(error: unknown): unknown {
  if (error instanceof ExecutorError) return new ApiError(error.status, error.message);
  return error;
}

/**
 * The container endpoints of one node: list, inspect, logs, stop, kill, wait, remove, prune. Containers are
 * this node's task containers (Swarm creates them; there is no `docker run`).
 */
export function registerContainerRoutes(
  router: Router,
  deps: { executor: Executor; execs?: ExecIndex },
): void {
  const { executor } = deps;
  router.get('/containers/json', (req) => listContainers(executor, req.query));

  router.get('/containers/{id}/json', (req) => {
    const info = findContainer(executor, req.params.id);
    return containerInspect(info, {
      size: booleanParam(req.query.get('size')),
      execIds: deps.execs?.idsFor(info.id),
    });
  });

  router.get('/containers/{id}/logs', async (req) => {
    const info = findContainer(executor, req.params.id);
    const query = parseLogQuery(req.query);
    const res = req.res;
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
    res.flushHeaders();
    try {
      for await (const line of executor.logs(info.id, { ...query, signal: req.signal })) {
        await writeLogLine(res, line, query);
      }
    } finally {
      res.end();
    }
    return streamed;
  });

  router.post('/containers/{id}/stop', async (req) => {
    const t = req.query.get('t');
    const graceMs = t === null || t === '' ? undefined : Number(t) * 1000;
    if (graceMs !== undefined && !Number.isFinite(graceMs)) throw badRequest(`invalid value for "t": ${t}`);
    const info = findContainer(executor, req.params.id);
    if (info.state !== 'running') return new Reply(304);
    await executor.stop(info.id, graceMs !== undefined && graceMs < 0 ? 2 ** 31 - 1 : graceMs);
    return new Reply(204);
  });

  router.post('/containers/{id}/kill', (req) => {
    const info = findContainer(executor, req.params.id);
    if (info.state !== 'running')
      throw conflict(`cannot kill container: ${req.params.id}: container ${info.id} is not running`);
    const signal = req.query.get('signal') || 'SIGKILL';
    if (!/^(SIG)?[A-Z0-9]+$/i.test(signal)) throw badRequest(`invalid signal: ${signal}`);
    try {
      executor.kill(
        info.id,
        signal.toUpperCase().startsWith('SIG') || /^\d+$/.test(signal)
          ? signal.toUpperCase()
          : `SIG${signal.toUpperCase()}`,
      );
    } catch (error) {
      throw apiErrorOf(error);
    }
    return new Reply(204);
  });

  router.post('/containers/{id}/wait', async (req) => {
    const info = findContainer(executor, req.params.id);
    const done = await executor.wait(info.id);
    // Docker's WaitResponse omits Error (omitempty) when the container exited without one.
    return { StatusCode: done.exitCode ?? 0, ...(done.error ? { Error: { Message: done.error } } : {}) };
  });

  router.delete('/containers/{id}', async (req) => {
    const info = findContainer(executor, req.params.id);
    if (info.state === 'running' && !booleanParam(req.query.get('force'))) {
      throw conflict(
        `cannot remove container "/${info.name}": container is running: stop the container before removing or force remove`,
      );
    }
    await executor.remove(info.id).catch((error) => {
      throw apiErrorOf(error);
    });
    return new Reply(204);
  });

  router.post('/containers/prune', async (req) => {
    const filters = parseFilters(req.query.get('filters'), ['until', 'label', 'label!']);
    const until = filters.get('until')?.[0];
    const untilTime = until === undefined ? undefined : parseUntil(until);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const info of executor.list()) {
      if (info.state !== 'exited' && info.state !== 'dead') continue;
      if (untilTime !== undefined && Date.parse(info.created) >= untilTime) continue;
      if (!matchesLabels(filters, info.labels)) continue;
      const excluded = filters.get('label!') ?? [];
      if (excluded.length > 0 && matchesLabels(new Map([['label', excluded]]), info.labels)) continue;
      reclaimed += directorySize(info.dir);
      await executor.remove(info.id);
      deleted.push(info.id);
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: reclaimed };
  });
}

/** `until` of prune filters: Unix seconds, an RFC 3339 date, or a Go duration before now (`10m`, `1h30m`). */
function parseUntil(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (duration && value !== '') {
    const ms =
      (Number(duration[1] ?? 0) * 3600 + Number(duration[2] ?? 0) * 60 + Number(duration[3] ?? 0)) * 1000;
    return Date.now() - ms;
  }
  const date = Date.parse(value);
  if (Number.isNaN(date))
    throw badRequest(`invalid filter 'until=${value}': use a timestamp, a date or a duration like 10m`);
  return date;
}

/** The containers part of `GET /system/df`: every container with its sizes. */
export function containersDiskUsage(executor: Executor): ContainerSummary[] {
  return executor.list().map((info) => containerSummary(info, { size: true }));
}
