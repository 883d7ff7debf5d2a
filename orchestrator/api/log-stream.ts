/**
 * Docker's log endpoints (`/containers/{id}/logs`, `/services/{id}/logs`, `/tasks/{id}/logs`): their query
 * parameters and the multiplexed stream they answer with.
 */
import type { ServerResponse } from 'node:http';
import { badRequest } from './errors.js';

export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  /** Last N lines (of each container); undefined: all. */
  tail?: number;
  since?: Date;
  until?: Date;
  timestamps: boolean;
  follow: boolean;
  /** Service and task logs: prefix each line with the task's details (node, service and task ids). */
  details: boolean;
}

/** One log line (or chunk) of a container. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  time: Date;
  data: Buffer;
}

export function booleanParam(value: string | null): boolean {
  return value === '1' || value === 'true' || value === 'True';
}

function timeParam(value: string | null, name: string): Date | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  if (!/^\d+(\.\d+)?$/.test(value))
    throw badRequest(`invalid value for "${name}": ${value} (use a Unix timestamp)`);
  return new Date(Number(value) * 1000);
}

/** Reads and checks a log request's query, with Docker's messages. */
export function parseLogQuery(query: URLSearchParams): LogQuery {
  const stdout = booleanParam(query.get('stdout'));
  const stderr = booleanParam(query.get('stderr'));
  if (!stdout && !stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  const tailText = query.get('tail') ?? 'all';
  const tail = tailText === 'all' || tailText === '' ? undefined : Number(tailText);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw badRequest(`invalid value for "tail": ${tailText} (use a number of lines or "all")`);
  }
  return {
    stdout,
    stderr,
    tail,
    since: timeParam(query.get('since'), 'since'),
    until: timeParam(query.get('until'), 'until'),
    timestamps: booleanParam(query.get('timestamps')),
    follow: booleanParam(query.get('follow')),
    details: booleanParam(query.get('details')),
  };
}

/** `docker logs` timestamps: RFC 3339 with nine fraction digits. */
export function logTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** One frame of Docker's multiplexed stream: [stream, 0, 0, 0, size BE32] + payload. */
export function multiplexFrame(stream: 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Writes one line as a frame, honouring back-pressure; `prefix` comes after the timestamp (task details). */
export async function writeLogLine(
  res: ServerResponse,
  line: LogLine,
  query: LogQuery,
  prefix = '',
): Promise<void> {
  const head = `${query.timestamps ? `${logTimestamp(line.time)} ` : ''}${prefix}`;
  const payload = head ? Buffer.concat([Buffer.from(head), line.data]) : line.data;
  if (!res.write(multiplexFrame(line.stream === 'stdout' ? 1 : 2, payload))) {
    await new Promise((resolve) => res.once('drain', resolve));
  }
}
