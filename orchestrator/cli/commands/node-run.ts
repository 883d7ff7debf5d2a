// The `docker node` subcommands.
import type { Node, SystemInfo, Task } from '../../api/engine-types.js';
import type { CliEnv } from '../cli-env.js';
import { type EngineClient, encodeFilters } from '../client/engine-client.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import type { Filters, FlagValues } from '../cobra/flags.js';
import { parseTemplate, writeFormatted } from '../formatter/format-context.js';
import { inspectObjects } from '../formatter/inspect.js';
import {
  NodeContext,
  NodeInspectContext,
  nodeHeader,
  nodeInspectPrettyTemplate,
  nodeListFormat,
} from '../formatter/node-formatter.js';
import { IdResolver, printTasks } from '../formatter/task-formatter.js';
import { TemplateError } from '../text/go-template.js';
import { decodeGo, nodeType } from '../text/go-types.js';
import { naturalCompare } from '../text/units.js';
import { kvToMap } from './service-values.js';

/** docker's node.Reference: "self" is the node this daemon runs (from GET /info). */
export async function nodeReference(client: EngineClient, ref: string): Promise<string> {
  if (ref !== 'self') return ref;
  const info = await client.get<SystemInfo>('/info');
  if (!info.Swarm?.NodeID) {
    await client.get<Node[]>('/nodes');
    throw new Error('node ID not found in /info');
  }
  return info.Swarm.NodeID;
}

/** `docker node ls`. */
export async function runList({ flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const quiet = flags.get<boolean>('quiet');
  const nodes =
    (await client.get<Node[]>('/nodes', { filters: encodeFilters(flags.get<Filters>('filter')) })) ?? [];
  let info: SystemInfo = {};
  if (nodes.length > 0 && !quiet) info = await client.get<SystemInfo>('/info');
  const format = nodeListFormat(
    flags.get<string>('format') || env.defaultFormat('nodesFormat', quiet),
    quiet,
  );
  const sorted = [...nodes].sort((a, b) =>
    naturalCompare(a.Description?.Hostname ?? '', b.Description?.Hostname ?? ''),
  );
  writeFormatted(
    env.out,
    format,
    nodeHeader,
    sorted.map((n) => new NodeContext(n, info.Swarm)),
  );
}

/** `docker node inspect`. */
export async function runInspect({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const format = flags.get<boolean>('pretty') ? 'pretty' : flags.get<string>('format');
  const lookup = async (ref: string) => client.get<Node>(`/nodes/${await nodeReference(client, ref)}`);
  if (format.startsWith('pretty') && format !== 'pretty') {
    throw new Error('cannot supply extra formatting options to the pretty template');
  }
  if (format !== 'pretty') {
    try {
      await inspectObjects(env.out, args, format, async (ref) => ({
        value: decodeGo(await lookup(ref), nodeType),
        typed: true,
      }));
    } catch (err) {
      if (err instanceof StatusError) throw new StatusError(err.status, 1);
      throw err;
    }
    return;
  }
  let text = '';
  try {
    const template = parseTemplate(nodeInspectPrettyTemplate);
    for (const ref of args) text += `${template.execute(new NodeInspectContext(await lookup(ref)))}\n`;
  } catch (err) {
    const message =
      err instanceof TemplateError ? `template parsing error: ${err.message}` : (err as Error).message;
    throw new StatusError(message, 1);
  }
  env.out.write(text);
}

/** `docker node ps`. */
export async function runPs({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const refs = args.length ? args : ['self'];
  const errors: string[] = [];
  const tasks: Task[] = [];
  for (const ref of refs) {
    try {
      const node = await client.get<Node>(`/nodes/${await nodeReference(client, ref)}`);
      const filter: Filters = structuredClone(flags.get<Filters>('filter'));
      filter.node = { ...(filter.node ?? {}), [node.ID ?? '']: true };
      tasks.push(...((await client.get<Task[]>('/tasks', { filters: encodeFilters(filter) })) ?? []));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const quiet = flags.get<boolean>('quiet');
  if (errors.length === 0 || tasks.length > 0) {
    try {
      await printTasks(env.out, tasks, new IdResolver(client, flags.get<boolean>('no-resolve')), {
        trunc: !flags.get<boolean>('no-trunc'),
        quiet,
        format: flags.get<string>('format') || env.defaultFormat('tasksFormat', quiet),
      });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

class NoRoleChange extends Error {}

async function updateNodes(
  env: CliEnv,
  refs: string[],
  merge: (node: Node) => void,
  success: (ref: string) => void,
): Promise<void> {
  const client = env.client();
  for (const ref of refs) {
    const node = await client.get<Node>(`/nodes/${ref}`);
    try {
      merge(node);
    } catch (err) {
      if (err instanceof NoRoleChange) continue;
      throw err;
    }
    const spec = node.Spec ?? {};
    const body: Record<string, unknown> = {};
    if (spec.Name) body.Name = spec.Name;
    body.Labels = spec.Labels ?? {};
    body.Role = spec.Role ?? '';
    body.Availability = spec.Availability ?? '';
    await client.request('POST', `/nodes/${node.ID}/update`, {
      query: { version: String(node.Version?.Index ?? 0) },
      body,
    });
    success(ref);
  }
}

/** `docker node promote`. */
export async function runPromote({ args, env }: Invocation): Promise<void> {
  await updateNodes(
    env,
    args,
    (node) => {
      if (node.Spec?.Role === 'manager') {
        env.out.write(`Node ${node.ID} is already a manager.\n`);
        throw new NoRoleChange();
      }
      node.Spec = { ...(node.Spec ?? {}), Role: 'manager' };
    },
    (ref) => env.out.write(`Node ${ref} promoted to a manager in the swarm.\n`),
  );
}

/** `docker node demote`. */
export async function runDemote({ args, env }: Invocation): Promise<void> {
  await updateNodes(
    env,
    args,
    (node) => {
      if (node.Spec?.Role === 'worker') {
        env.out.write(`Node ${node.ID} is already a worker.\n`);
        throw new NoRoleChange();
      }
      node.Spec = { ...(node.Spec ?? {}), Role: 'worker' };
    },
    (ref) => env.out.write(`Manager ${ref} demoted in the swarm.\n`),
  );
}

function mergeNodeUpdate(flags: FlagValues) {
  return (node: Node) => {
    const spec = { ...(node.Spec ?? {}) };
    if (flags.changed('role')) spec.Role = flags.get<string>('role') as 'worker' | 'manager';
    if (flags.changed('availability')) spec.Availability = flags.get<string>('availability') as 'active';
    const labels = { ...(spec.Labels ?? {}) };
    if (flags.changed('label-add')) Object.assign(labels, kvToMap(flags.get<string[]>('label-add')));
    if (flags.changed('label-rm')) {
      for (const key of flags.get<string[]>('label-rm')) {
        if (!(key in labels)) throw new Error(`key ${key} doesn't exist in node's labels`);
        delete labels[key];
      }
    }
    spec.Labels = labels;
    node.Spec = spec;
  };
}

/** `docker node update`. */
export async function runUpdate({ args, flags, env }: Invocation): Promise<void> {
  await updateNodes(env, [args[0]!], mergeNodeUpdate(flags), () => env.out.write(`${args[0]}\n`));
}

/** `docker node rm`. */
export async function runRemove({ args, flags, env }: Invocation): Promise<void> {
  const errors: string[] = [];
  for (const id of args) {
    try {
      await env.client().request('DELETE', `/nodes/${id}`, {
        query: { force: flags.get<boolean>('force') ? '1' : undefined },
      });
      env.out.write(`${id}\n`);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}
