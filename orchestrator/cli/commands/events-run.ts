// `docker events`: the daemon's event stream, printed as docker prints it (or through --format).

import { encodeFilters } from '../client/engine-client.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { parseTemplate } from '../formatter/format-context.js';
import type { GoTemplate } from '../text/go-template.js';
import { decodeGo, eventMessagePointerType, eventMessageType } from '../text/go-types.js';
import { getTimestamp } from '../text/timestamps.js';

interface EventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** RFC3339NanoFixed of a Unix time in nanoseconds, in UTC. */
function fixedTime(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** docker's prettyPrintEvent. */
export function prettyEvent(event: EventMessage): string {
  let out = '';
  if (event.timeNano) out += `${fixedTime(BigInt(event.timeNano))} `;
  else if (event.time) out += `${fixedTime(BigInt(event.time) * 1_000_000_000n)} `;
  out += `${event.Type ?? ''} ${event.Action ?? ''} ${event.Actor?.ID ?? ''}`;
  const attributes = event.Actor?.Attributes ?? {};
  const keys = Object.keys(attributes).sort();
  if (keys.length) out += ` (${keys.map((k) => `${k}=${attributes[k]}`).join(', ')})`;
  return `${out}\n`;
}

/** `docker events`. */
export async function runEvents({ flags, env }: Invocation): Promise<void> {
  const format = flags.get<string>('format');
  let template: GoTemplate | undefined;
  if (format !== '') {
    try {
      template = parseTemplate(format === 'json' ? '{{json .}}' : format);
      template.execute(decodeGo({}, eventMessagePointerType));
    } catch (err) {
      throw new StatusError(`Error parsing format: ${(err as Error).message}`, 64);
    }
  }
  const now = Date.now();
  const since = flags.get<string>('since');
  const until = flags.get<string>('until');
  const query = {
    since: since ? getTimestamp(since, now) : undefined,
    until: until ? getTimestamp(until, now) : undefined,
    filters: encodeFilters(flags.get<Filters>('filter')),
  };
  const stream = await env.client().stream('GET', '/events', { query });
  let pending = '';
  const show = (line: string) => {
    if (line.trim() === '') return;
    const event = JSON.parse(line) as EventMessage;
    if (!template) env.out.write(prettyEvent(event));
    else env.out.write(`${template.execute(decodeGo(event, eventMessageType))}\n`);
  };
  for await (const chunk of stream) {
    pending += chunk.toString();
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      show(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  show(pending);
}
