import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** A random id nobody can guess: 128 bits, base64url. For sessions, terminals, labs. */
export function unguessableId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** The learner a session secret stands for: its SHA-256, so the database never holds the secret itself. */
export function learnerIdOf(sessionSecret: string): string {
  return createHash('sha256').update(sessionSecret).digest('hex');
}

/** Whether `host` (a listening address) is loopback: only this machine can reach it. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host name of a Host header or an origin's authority, without the port (IPv6 without brackets). */
export function hostnameOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1].toLowerCase();
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

/**
 * Which Host headers the server answers. On loopback only loopback names: a web page elsewhere that rebinds its
 * DNS name to 127.0.0.1 (DNS rebinding) is refused. On other addresses, the token guards the door; a
 * configured list narrows the names further.
 */
export function hostAllowed(
  hostHeader: string | undefined,
  listenHost: string,
  allowedHosts: string[],
): boolean {
  if (!hostHeader) return false;
  const name = hostnameOf(hostHeader);
  if (allowedHosts.map((h) => h.toLowerCase()).includes(name)) return true;
  if (isLoopbackHost(listenHost)) return isLoopbackHost(name);
  if (allowedHosts.length > 0) return name === listenHost.toLowerCase() || isLoopbackHost(name);
  return true;
}

/** Whether a browser's Origin is this server itself (same scheme-less host and port as the Host header). */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (!origin || !hostHeader) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.host.toLowerCase() === hostHeader.toLowerCase();
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** A session cookie: HttpOnly, SameSite=Strict, for a month. */
export function sessionCookie(name: string, value: string, secure: boolean): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${30 * 24 * 3600}${secure ? '; Secure' : ''}`;
}
