// `docker service ps` / `docker node ps` rows (docker's cli/command/task formatter and print).
import type { Node, Service, Task } from '../../api/engine-types.js';
import type { Output } from '../cli-env.js';
import type { EngineClient } from '../client/engine-client.js';
import { goTypeName } from '../text/go-template.js';
import { imageForDisplay } from '../text/image-reference.js';
import {
  ellipsis,
  humanDuration,
  naturalLess,
  parseGoTime,
  prettyPrint,
  sinceNanos,
  truncateId,
} from '../text/units.js';
import { HeaderContext, SubContext, writeFormatted } from './format-context.js';

/** The default task table. */
export const defaultTaskTableFormat =
  'table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}';

/** docker's task.NewTaskFormat. */
export function taskFormat(source: string, quiet: boolean): string {
  if (source === 'table') return quiet ? '{{.ID}}' : defaultTaskTableFormat;
  if (source === 'raw') {
    return quiet
      ? 'id: {{.ID}}'
      : 'id: {{.ID}}\\nname: {{.Name}}\\nimage: {{.Image}}\\nnode: {{.Node}}\\ndesired_state: {{.DesiredState}}\\ncurrent_state: {{.CurrentState}}\\nerror: {{.Error}}\\nports: {{.Ports}}\\n';
  }
  return source;
}

/** The header of the task table. */
export const taskHeader = new HeaderContext({
  ID: 'ID',
  Name: 'NAME',
  Image: 'IMAGE',
  Node: 'NODE',
  DesiredState: 'DESIRED STATE',
  CurrentState: 'CURRENT STATE',
  Error: 'ERROR',
  Ports: 'PORTS',
});

/** One task row. */
export class TaskContext extends SubContext {
  readonly [goTypeName] = '*task.taskContext';
  constructor(
    private readonly task: Task,
    private readonly trunc: boolean,
    private readonly name: string,
    private readonly node: string,
    private readonly now: number,
  ) {
    super();
  }
  ID(): string {
    return this.trunc ? truncateId(this.task.ID ?? '') : (this.task.ID ?? '');
  }
  Name(): string {
    return this.name;
  }
  Image(): string {
    const image = this.task.Spec?.ContainerSpec?.Image ?? '';
    return this.trunc ? imageForDisplay(image) : image;
  }
  Node(): string {
    return this.node;
  }
  DesiredState(): string {
    return prettyPrint(this.task.DesiredState ?? '');
  }
  CurrentState(): string {
    const since = humanDuration(sinceNanos(this.task.Status?.Timestamp, this.now)).toLowerCase();
    return `${prettyPrint(this.task.Status?.State ?? '')} ${since} ago`;
  }
  Error(): string {
    let message = this.task.Status?.Err ?? '';
    if (this.trunc) message = ellipsis(message, 30);
    return message ? `"${message}"` : '';
  }
  Ports(): string {
    const ports = this.task.Status?.PortStatus?.Ports ?? [];
    return ports.map((p) => `*:${p.PublishedPort ?? 0}->${p.TargetPort ?? 0}/${p.Protocol ?? ''}`).join(',');
  }
}

/** Orders two RFC 3339 timestamps with nanosecond precision (negative when a is earlier). */
function compareTimes(a: string | undefined, b: string | undefined): number {
  const ta = parseGoTime(a ?? '') ?? { millis: -Infinity, subMillisNanos: 0 };
  const tb = parseGoTime(b ?? '') ?? { millis: -Infinity, subMillisNanos: 0 };
  if (ta.millis !== tb.millis) return ta.millis < tb.millis ? -1 : 1;
  return ta.subMillisNanos - tb.subMillisNanos;
}

/** docker's idresolver: node and service ids to names, cached, falling back to the id. */
export class IdResolver {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly client: EngineClient,
    private readonly noResolve: boolean,
  ) {}

  async node(id: string): Promise<string> {
    return this.resolve(`node:${id}`, id, async () => {
      if (id === '') return id;
      const node = await this.client.get<Node>(`/nodes/${id}`);
      return node.Spec?.Name || node.Description?.Hostname || id;
    });
  }

  async service(id: string): Promise<string> {
    return this.resolve(`service:${id}`, id, async () => {
      if (id === '') return id;
      const service = await this.client.get<Service>(`/services/${id}`, { insertDefaults: 'false' });
      return service.Spec?.Name ?? '';
    });
  }

  private async resolve(key: string, id: string, lookup: () => Promise<string>): Promise<string> {
    if (this.noResolve) return id;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let name: string;
    try {
      name = await lookup();
    } catch {
      name = id;
    }
    this.cache.set(key, name);
    return name;
  }
}

/** docker's task.Print: names tasks, sorts them, indents earlier tasks of a slot, prints the table. */
export async function printTasks(
  output: Output,
  tasks: Task[],
  resolver: IdResolver,
  options: { trunc: boolean; quiet: boolean; format: string; now?: number },
): Promise<void> {
  const named: Array<Task & { Name: string }> = [];
  for (const task of tasks) {
    const serviceName = await resolver.service(task.ServiceID ?? '');
    const suffix = task.Slot ? String(task.Slot) : (task.NodeID ?? '');
    named.push({ ...task, Name: `${serviceName}.${suffix}` });
  }
  // A stable sort by name, most recent first within a name.
  const sorted = named
    .map((task, index) => ({ task, index }))
    .sort((a, b) => {
      if (a.task.Name !== b.task.Name) return naturalLess(a.task.Name, b.task.Name) ? -1 : 1;
      const order = compareTimes(b.task.CreatedAt, a.task.CreatedAt);
      return order !== 0 ? order : a.index - b.index;
    })
    .map((entry) => entry.task);
  const format = taskFormat(options.format, options.quiet);
  const indent = format.startsWith('table') ? ' \\_ ' : '';
  const rows: TaskContext[] = [];
  let previous = '';
  const now = options.now ?? Date.now();
  for (const task of sorted) {
    const name = task.Name === previous ? indent + task.Name : task.Name;
    previous = task.Name;
    const node = await resolver.node(task.NodeID ?? '');
    rows.push(new TaskContext(task, options.trunc, name, node, now));
  }
  writeFormatted(output, format, taskHeader, rows);
}
