// The `docker service` subcommands.
import type { Network, Service, ServiceSpec, Task } from '../../api/engine-types.js';
import type { CliEnv } from '../cli-env.js';
import { DaemonError, type EngineClient, encodeFilters } from '../client/engine-client.js';
import { demultiplex } from '../client/stdcopy.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { parseTemplate, writeFormatted } from '../formatter/format-context.js';
import { inspectObjects } from '../formatter/inspect.js';
import {
  ServiceContext,
  ServiceInspectContext,
  serviceHeader,
  serviceInspectPrettyTemplate,
  serviceListFormat,
} from '../formatter/service-formatter.js';
import { IdResolver, printTasks } from '../formatter/task-formatter.js';
import { TemplateError } from '../text/go-template.js';
import { decodeGo, serviceType } from '../text/go-types.js';
import { imageWithDigest, imageWithTag } from '../text/image-reference.js';
import { getTimestamp } from '../text/timestamps.js';
import { naturalCompare, truncateId } from '../text/units.js';
import { nodeReference } from './node-run.js';
import { buildServiceSpec, normalizeServiceSpec, updateServiceSpec } from './service-spec.js';
import { waitOnService } from './service-wait.js';

interface DistributionInspect {
  Descriptor?: { digest?: string };
  Platforms?: Array<{ architecture?: string; os?: string }>;
}

function digestWarning(image: string): string {
  return `image ${image} could not be accessed on a registry to record\nits digest. Each node will access ${image} independently,\npossibly leading to different nodes running different\nversions of the image.\n`;
}

/**
 * What docker's client does to a spec before sending it: tags the image, and when asked, pins it to the
 * digest the registry reports and records the image's platforms. Returns a warning when it could not.
 */
async function resolveImage(
  client: EngineClient,
  spec: ServiceSpec,
  queryRegistry: boolean,
): Promise<string | undefined> {
  const container = spec.TaskTemplate?.ContainerSpec;
  if (!container) return undefined;
  const tagged = imageWithTag(container.Image ?? '');
  if (tagged) container.Image = tagged;
  if (!queryRegistry) return undefined;
  const image = container.Image ?? '';
  let inspect: DistributionInspect;
  try {
    inspect = await client.get<DistributionInspect>(`/distribution/${image}/json`);
  } catch {
    return digestWarning(image);
  }
  container.Image = imageWithDigest(image, inspect.Descriptor?.digest ?? '');
  const platforms = (inspect.Platforms ?? []).map((p) => ({
    Architecture: (p.architecture ?? '').toLowerCase() === 'arm' ? '' : (p.architecture ?? ''),
    OS: p.os ?? '',
  }));
  if (platforms.length > 0) {
    const task = (spec.TaskTemplate ??= {});
    task.Placement = { ...(task.Placement ?? {}), Platforms: platforms };
  }
  return undefined;
}

/** `docker service create`. */
export async function runCreate({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  await client.version();
  const spec = await buildServiceSpec(flags, args[0]!, args.slice(1), client, env.env);
  const warning = await resolveImage(client, spec, !flags.get<boolean>('no-resolve-image'));
  const response = await client.json<{ ID?: string; Warnings?: string[] | null }>(
    'POST',
    '/services/create',
    {
      body: normalizeServiceSpec(spec),
    },
  );
  for (const w of [...(response.Warnings ?? []), ...(warning ? [warning] : [])]) env.err.write(`${w}\n`);
  env.out.write(`${response.ID ?? ''}\n`);
  if (flags.get<boolean>('detach')) return;
  await waitOnService(env, response.ID ?? '', flags.get<boolean>('quiet'));
}

async function updateService(
  env: CliEnv,
  service: Service,
  spec: ServiceSpec,
  query: Record<string, string | undefined>,
  queryRegistry: boolean,
): Promise<void> {
  const client = env.client();
  const warning = await resolveImage(client, spec, queryRegistry);
  const response = await client.json<{ Warnings?: string[] | null }>(
    'POST',
    `/services/${service.ID}/update`,
    {
      query: { ...query, version: String(service.Version?.Index ?? 0) },
      body: normalizeServiceSpec(spec),
    },
  );
  for (const w of [...(response?.Warnings ?? []), ...(warning ? [warning] : [])]) env.err.write(`${w}\n`);
}

/** `docker service update`. */
export async function runUpdate({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const serviceId = args[0]!;
  const service = await client.get<Service>(`/services/${serviceId}`, { insertDefaults: 'false' });
  const rollback = flags.get<boolean>('rollback');
  if (rollback) {
    const others = flags.defs.some(
      (d) => !['rollback', 'detach', 'quiet'].includes(d.name) && flags.changed(d.name),
    );
    if (others) throw new Error('other flags may not be combined with --rollback');
  }
  const spec = await updateServiceSpec(service.Spec ?? {}, flags, client);
  const query: Record<string, string | undefined> = {};
  if (rollback) query.rollback = 'previous';
  query.registryAuthFrom = 'spec';
  const queryRegistry = flags.changed('image') && !flags.get<boolean>('no-resolve-image');
  await updateService(env, service, spec, query, queryRegistry);
  env.out.write(`${serviceId}\n`);
  if (flags.get<boolean>('detach')) return;
  await waitOnService(env, serviceId, flags.get<boolean>('quiet'));
}

/** `docker service rollback`. */
export async function runRollback({ args, flags, env }: Invocation): Promise<void> {
  const serviceId = args[0]!;
  const service = await env.client().get<Service>(`/services/${serviceId}`, { insertDefaults: 'false' });
  await updateService(env, service, service.Spec ?? {}, { rollback: 'previous' }, false);
  env.out.write(`${serviceId}\n`);
  if (flags.get<boolean>('detach')) return;
  await waitOnService(env, serviceId, flags.get<boolean>('quiet'));
}

/** `docker service scale`. */
export async function runScale({ args, flags, env }: Invocation): Promise<void> {
  const errors: string[] = [];
  const scaled: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const serviceId = arg.slice(0, eq);
    const text = arg.slice(eq + 1);
    if (!/^\d+$/.test(text) || Number(text) >= 2 ** 64) {
      const why = /^\d+$/.test(text) ? 'value out of range' : 'invalid syntax';
      errors.push(
        `${serviceId}: invalid replicas value ${text}: strconv.ParseUint: parsing ${JSON.stringify(text)}: ${why}`,
      );
      continue;
    }
    const replicas = Number(text);
    try {
      const service = await env.client().get<Service>(`/services/${serviceId}`, { insertDefaults: 'false' });
      const spec = structuredClone(service.Spec ?? {});
      if (spec.Mode?.Replicated) spec.Mode.Replicated.Replicas = replicas;
      else if (spec.Mode?.ReplicatedJob) spec.Mode.ReplicatedJob.TotalCompletions = replicas;
      else throw new Error('scale can only be used with replicated or replicated-job mode');
      await updateService(env, service, spec, {}, false);
      env.out.write(`${serviceId} scaled to ${replicas}\n`);
      scaled.push(serviceId);
    } catch (err) {
      errors.push(`${serviceId}: ${(err as Error).message}`);
    }
  }
  if (!flags.get<boolean>('detach')) {
    for (const serviceId of scaled) {
      try {
        await waitOnService(env, serviceId, false);
      } catch (err) {
        errors.push(`${serviceId}: ${(err as Error).message}`);
      }
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/** `docker service rm`. */
export async function runRemove({ args, env }: Invocation): Promise<void> {
  const errors: string[] = [];
  for (const id of args) {
    try {
      await env.client().request('DELETE', `/services/${id}`);
      env.out.write(`${id}\n`);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/** `docker service ls`. */
export async function runList({ flags, env }: Invocation): Promise<void> {
  const quiet = flags.get<boolean>('quiet');
  const services = await env.client().get<Service[]>('/services', {
    filters: encodeFilters(flags.get<Filters>('filter')),
    status: quiet ? undefined : 'true',
  });
  const format = serviceListFormat(
    flags.get<string>('format') || env.defaultFormat('servicesFormat', quiet),
    quiet,
  );
  const sorted = [...(services ?? [])].sort((a, b) => naturalCompare(a.Spec?.Name ?? '', b.Spec?.Name ?? ''));
  writeFormatted(
    env.out,
    format,
    serviceHeader,
    sorted.map((s) => new ServiceContext(s)),
  );
}

/** `docker service ps`. */
export async function runPs({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const filter: Filters = structuredClone(flags.get<Filters>('filter'));
  const ids: Record<string, boolean> = {};
  const names: Record<string, boolean> = {};
  for (const s of args) {
    ids[s] = true;
    names[s] = true;
  }
  const byId = (await client.get<Service[]>('/services', { filters: encodeFilters({ id: ids }) })) ?? [];
  const byName =
    (await client.get<Service[]>('/services', { filters: encodeFilters({ name: names }) })) ?? [];
  const notFound: string[] = [];
  let count = 0;
  const add = (id: string) => {
    filter.service = { ...(filter.service ?? {}), [id]: true };
    count++;
  };
  for (const ref of args) {
    const exact = byId.find((s) => s.ID === ref) ?? byName.find((s) => s.Spec?.Name === ref);
    if (exact) {
      add(exact.ID ?? '');
      continue;
    }
    const prefixed = byId.filter((s) => (s.ID ?? '').startsWith(ref));
    if (prefixed.length > 1) throw new Error(`multiple services found with provided prefix: ${ref}`);
    if (prefixed.length === 1) add(prefixed[0]!.ID ?? '');
    else notFound.push(`no such service: ${ref}`);
  }
  if (count === 0) throw new Error(notFound.join('\n'));
  if (filter.node) {
    const resolved: Record<string, boolean> = {};
    for (const node of Object.keys(filter.node)) resolved[await nodeReference(client, node)] = true;
    filter.node = resolved;
  }
  const tasks = (await client.get<Task[]>('/tasks', { filters: encodeFilters(filter) })) ?? [];
  const quiet = flags.get<boolean>('quiet');
  const noTrunc = flags.get<boolean>('no-trunc') || quiet;
  await printTasks(env.out, tasks, new IdResolver(client, flags.get<boolean>('no-resolve')), {
    trunc: !noTrunc,
    quiet,
    format: flags.get<string>('format') || env.defaultFormat('tasksFormat', quiet),
  });
  if (notFound.length) throw new Error(notFound.join('\n'));
}

/** `docker service inspect`. */
export async function runInspect({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const pretty = flags.get<boolean>('pretty');
  let format = flags.get<string>('format');
  if (pretty && format) throw new Error('--format is incompatible with human friendly format');
  if (pretty) format = 'pretty';
  if (format === '') format = 'raw';
  if (format.startsWith('pretty') && format !== 'pretty') {
    throw new Error('Cannot supply extra formatting options to the pretty template');
  }
  const lookup = async (ref: string) => {
    try {
      return await client.get<Service>(`/services/${ref}`, { insertDefaults: 'true' });
    } catch (err) {
      if (err instanceof DaemonError && err.notFound) throw new Error(`Error: no such service: ${ref}`);
      throw err;
    }
  };
  if (format !== 'pretty') {
    const template = format.startsWith('raw') ? format.slice(3) : format;
    await inspectObjects(env.out, args, template, async (ref) => ({
      value: decodeGo(await lookup(ref), serviceType),
      typed: true,
    }));
    return;
  }
  let text = '';
  try {
    const template = parseTemplate(serviceInspectPrettyTemplate);
    for (const ref of args) {
      const service = await lookup(ref);
      const names = new Map<string, string>();
      for (const net of service.Spec?.TaskTemplate?.Networks ?? []) {
        try {
          const network = await client.get<Network>(`/networks/${net.Target}`, { scope: 'swarm' });
          names.set(network.Id ?? '', network.Name ?? '');
        } catch {
          // docker leaves a network it cannot resolve by its id.
        }
      }
      text += `${template.execute(new ServiceInspectContext(service, names))}\n`;
    }
  } catch (err) {
    const message =
      err instanceof TemplateError ? `template parsing error: ${err.message}` : (err as Error).message;
    throw new StatusError(message, 1);
  }
  env.out.write(text);
}

/** docker's GetTimestamp for --since: a relative duration or a date, as unix seconds. */
export function logTimestamp(value: string, now = Date.now()): string {
  return getTimestamp(value, now);
}

/** The log query docker's client sends. */
export function logsQuery(flags: Invocation['flags'], details: boolean): Record<string, string | undefined> {
  return {
    stdout: '1',
    stderr: '1',
    since: flags.get<string>('since') ? logTimestamp(flags.get<string>('since')) : undefined,
    timestamps: flags.get<boolean>('timestamps') ? '1' : undefined,
    details: details ? '1' : undefined,
    follow: flags.get<boolean>('follow') ? '1' : undefined,
    tail: flags.get<string>('tail'),
  };
}

function parseDetails(text: string): Map<string, string> {
  const details = new Map<string, string>();
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Error('invalid details format');
    const queryUnescape = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
    details.set(queryUnescape(pair.slice(0, eq)), queryUnescape(pair.slice(eq + 1)));
  }
  return details;
}

/** `docker service logs`. */
export async function runLogs({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const target = args[0]!;
  const raw = flags.get<boolean>('raw');
  const details = flags.get<boolean>('details');
  let tty = false;
  let maxLength = 1;
  let path: string;
  try {
    const service = await client.get<Service>(`/services/${target}`, { insertDefaults: 'false' });
    path = `/services/${target}/logs`;
    tty = Boolean(service.Spec?.TaskTemplate?.ContainerSpec?.TTY);
    const replicas = service.Spec?.Mode?.Replicated?.Replicas;
    if (replicas !== undefined && replicas !== null) maxLength = String(replicas).length;
  } catch (err) {
    if (!(err instanceof DaemonError && err.notFound)) throw err;
    let task: Task;
    try {
      task = await client.get<Task>(`/tasks/${target}`);
    } catch (taskErr) {
      if (taskErr instanceof DaemonError && taskErr.notFound)
        throw new Error(`no such task or service: ${target}`);
      throw taskErr;
    }
    tty = Boolean(task.Spec?.ContainerSpec?.TTY);
    maxLength = String(task.Slot ?? 0).length;
    path = `/tasks/${target}/logs`;
  }
  if (tty && !raw) throw new Error('tty service logs only supported with --raw');
  const stream = await client.stream('GET', path, { query: logsQuery(flags, details || !raw) });
  if (tty) {
    for await (const chunk of stream) env.out.write((chunk as Buffer).toString('utf8'));
    return;
  }
  const resolver = new IdResolver(client, flags.get<boolean>('no-resolve'));
  const cache = new Map<string, string>();
  const timestamps = flags.get<boolean>('timestamps');
  const contextOf = async (node: string, service: string, taskId: string) => {
    const key = `${node}\0${service}\0${taskId}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const nodeName = await resolver.node(node);
    const serviceName = await resolver.service(service);
    const task = await client.get<Task>(`/tasks/${taskId}`);
    let name = `${serviceName}.${task.Slot ?? 0}`;
    if (!flags.get<boolean>('no-task-ids')) {
      name += `.${flags.get<boolean>('no-trunc') ? (task.ID ?? '') : truncateId(task.ID ?? '')}`;
    }
    const padding = ' '.repeat(Math.max(0, maxLength - String(task.Slot ?? 0).length));
    const formatted = `${name}@${nodeName}${padding}`;
    cache.set(key, formatted);
    return formatted;
  };
  // Frames are written in order; formatting a line may need lookups, so lines are queued.
  let queue = Promise.resolve();
  const pending: Error[] = [];
  const writeLine = (stream: number, payload: Buffer) => {
    const output = stream === 2 ? env.err : env.out;
    if (raw) {
      output.write(payload.toString('utf8'));
      return;
    }
    queue = queue.then(async () => {
      if (pending.length) return;
      const text = payload.toString('utf8');
      const parts = splitN(text, ' ', timestamps ? 3 : 2);
      if (parts.length !== (timestamps ? 3 : 2)) throw new Error(`invalid context in log message: ${text}`);
      const detailMap = parseDetails(parts[timestamps ? 1 : 0]!);
      const node = detailMap.get('com.docker.swarm.node.id');
      const service = detailMap.get('com.docker.swarm.service.id');
      const taskId = detailMap.get('com.docker.swarm.task.id');
      if (node === undefined) throw new Error(`missing node id in details: ${mapText(detailMap)}`);
      if (service === undefined) throw new Error(`missing service id in details: ${mapText(detailMap)}`);
      if (taskId === undefined) throw new Error(`missing task id in details: ${mapText(detailMap)}`);
      for (const key of [
        'com.docker.swarm.node.id',
        'com.docker.swarm.service.id',
        'com.docker.swarm.task.id',
      ]) {
        detailMap.delete(key);
      }
      let line = timestamps ? `${parts[0]} ` : '';
      line += `${await contextOf(node, service, taskId)}    | `;
      if (details) {
        line += `${[...detailMap.keys()]
          .sort()
          .map((k) => `${k}=${detailMap.get(k)}`)
          .join(',')} `;
      }
      line += parts[timestamps ? 2 : 1];
      output.write(line);
    });
    queue.catch((err: Error) => pending.push(err));
  };
  await demultiplex(stream, writeLine);
  await queue.catch(() => undefined);
  if (pending.length) throw pending[0];
}

function splitN(text: string, separator: string, n: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (parts.length < n - 1) {
    const at = rest.indexOf(separator);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + separator.length);
  }
  parts.push(rest);
  return parts;
}

function mapText(map: Map<string, string>): string {
  return `map[${[...map.keys()]
    .sort()
    .map((k) => `${k}:${map.get(k)}`)
    .join(' ')}]`;
}
