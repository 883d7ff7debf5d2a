import { isIP } from 'node:net';

/** A TCP or UDP endpoint. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `addr:port` or `[v6]:port`; throws a clear error for anything else. */
export function parseHostPort(text: string): HostPort {
  const found = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = found ? Number(found[2]) : Number.NaN;
  if (!found || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid address "${text}": expected host:port`);
  }
  return { host: found[1], port };
}

/** `host:port`, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
