// An HTTP/1.1 client of the Docker Engine API that behaves like docker's Go client: it negotiates the API
// version with HEAD /_ping, prefixes paths with /v<version>, encodes queries as Go's url.Values, and turns
// error responses into "Error response from daemon: <message>".
import http from 'node:http';
import type { Duplex } from 'node:stream';

/** The API version this client speaks at most (docker CLI 28.2.2's default). */
export const clientMaxApiVersion = '1.50';
/** The API version assumed for a daemon that does not say (as docker's client). */
const fallbackApiVersion = '1.24';

/** What HEAD /_ping tells about the daemon. */
export interface Ping {
  apiVersion: string;
  osType: string;
  experimental: boolean;
  builderVersion: string;
  /** From the "Swarm" header ("inactive", "active", "active/manager"), if the daemon sent one. */
  swarm?: { nodeState: string; controlAvailable: boolean };
}

/** An error response from the daemon (its "message", and the HTTP status). */
export class DaemonError extends Error {
  constructor(
    readonly statusCode: number,
    readonly daemonMessage: string,
  ) {
    super(`Error response from daemon: ${daemonMessage}`);
  }

  get notFound(): boolean {
    return this.statusCode === 404;
  }
}

/** The daemon could not be reached. */
export class ConnectionError extends Error {}

/** A parsed DOCKER_HOST / -H value. */
export interface DaemonHost {
  /** As given (normalised), for messages: "unix:///var/run/docker.sock". */
  url: string;
  socketPath?: string;
  host?: string;
  port?: number;
}

/** The daemon address docker uses when neither -H nor DOCKER_HOST is set. */
export const defaultDaemonHost = 'unix:///var/run/docker.sock';

/** Parses a daemon address as docker's ParseHostURL (unix:// and tcp:// schemes). */
export function parseDaemonHost(text: string): DaemonHost {
  let value = text.trim();
  if (value === '') value = defaultDaemonHost;
  if (!value.includes('://')) value = `tcp://${value}`;
  const [scheme, rest] = value.split('://', 2) as [string, string];
  if (scheme === 'unix') {
    const socketPath = rest === '' ? '/var/run/docker.sock' : rest;
    return { url: `unix://${socketPath}`, socketPath };
  }
  if (scheme === 'tcp' || scheme === 'http') {
    const hostPart = rest.replace(/\/.*$/, '');
    const match = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostPart);
    if (!match) throw new Error(`unable to parse docker host \`${text}\``);
    const host = (match[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
    const port = match[2] ? Number(match[2]) : 2375;
    return { url: `tcp://${match[1] || '127.0.0.1'}:${port}`, host, port };
  }
  throw new Error(`unable to parse docker host \`${text}\``);
}

/** Go's url.QueryEscape. */
export function queryEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.PathEscape-like escaping of a URL path (slashes kept). */
function escapePath(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~!$&'()*+,;=:@/]/.test(ch)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Query parameters; undefined values are left out. Encoded sorted by key, as Go's url.Values. */
export type Query = Record<string, string | number | boolean | undefined>;

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const keys = Object.keys(query)
    .filter((k) => query[k] !== undefined)
    .sort();
  if (keys.length === 0) return '';
  return `?${keys.map((k) => `${queryEscape(k)}=${queryEscape(String(query[k]))}`).join('&')}`;
}

/** A complete HTTP response. */
export interface EngineResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  /** Sent as JSON (Content-Type: application/json). */
  body?: unknown;
  /** Sent as is. */
  rawBody?: Buffer;
  headers?: Record<string, string>;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when version a is older than b ("1.24" < "1.47"). */
export function versionLessThan(a: string, b: string): boolean {
  return compareVersions(a, b) < 0;
}

/** A Docker Engine API client for one daemon. */
export class EngineClient {
  private readonly agent: http.Agent;
  private negotiated: Promise<string> | undefined;
  private pingResult: Ping | undefined;

  constructor(
    readonly daemon: DaemonHost,
    private readonly options: { apiVersion?: string; userAgent: string },
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  /** Releases pooled connections so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private connectionFailed(): ConnectionError {
    return new ConnectionError(
      `Cannot connect to the Docker daemon at ${this.daemon.url}. Is the docker daemon running?`,
    );
  }

  private send(
    method: string,
    path: string,
    options: RequestOptions,
    onResponse: (res: http.IncomingMessage) => void,
    onUpgrade?: (res: http.IncomingMessage, socket: Duplex, head: Buffer) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        'User-Agent': this.options.userAgent,
        ...(options.headers ?? {}),
      };
      let payload: Buffer | undefined = options.rawBody;
      if (options.body !== undefined) {
        payload = Buffer.from(JSON.stringify(options.body));
        headers['Content-Type'] = 'application/json';
      }
      if (payload) headers['Content-Length'] = String(payload.length);
      const req = http.request({
        method,
        path: escapePath(path) + encodeQuery(options.query),
        headers,
        agent: onUpgrade ? false : this.agent,
        ...(this.daemon.socketPath
          ? { socketPath: this.daemon.socketPath, host: 'api.moby.localhost' }
          : { host: this.daemon.host, port: this.daemon.port }),
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (
          ['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTSOCK', 'ECONNRESET'].includes(
            err.code ?? '',
          )
        ) {
          reject(this.connectionFailed());
        } else if (err.code === 'EACCES') {
          reject(
            new ConnectionError(
              `permission denied while trying to connect to the Docker daemon socket at ${this.daemon.url}: ${err.message}`,
            ),
          );
        } else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
          const url = `http://${this.daemon.host}:${this.daemon.port}${path}`;
          reject(
            new ConnectionError(
              `error during connect: ${method[0]}${method.slice(1).toLowerCase()} "${url}": dial tcp: lookup ${this.daemon.host}: no such host`,
            ),
          );
        } else reject(new ConnectionError(`error during connect: ${err.message}`));
      });
      req.on('response', (res) => {
        onResponse(res);
        resolve();
      });
      if (onUpgrade) {
        req.on('upgrade', (res, socket, head) => {
          onUpgrade(res, socket, head);
          resolve();
        });
      }
      req.end(payload);
    });
  }

  private async raw(method: string, path: string, options: RequestOptions = {}): Promise<EngineResponse> {
    let response: http.IncomingMessage | undefined;
    await this.send(method, path, options, (res) => {
      response = res;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response!) chunks.push(chunk as Buffer);
    return { statusCode: response!.statusCode ?? 0, headers: response!.headers, body: Buffer.concat(chunks) };
  }

  /** HEAD /_ping (falling back to GET), as docker's client. */
  async ping(): Promise<Ping> {
    if (this.pingResult) return this.pingResult;
    let res = await this.raw('HEAD', '/_ping');
    if (res.statusCode !== 200 && res.statusCode !== 500) res = await this.raw('GET', '/_ping');
    const header = (name: string) => {
      const value = res.headers[name.toLowerCase()];
      return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
    };
    const ping: Ping = {
      apiVersion: header('Api-Version'),
      osType: header('Ostype'),
      experimental: header('Docker-Experimental') === 'true',
      builderVersion: header('Builder-Version'),
    };
    const swarm = header('Swarm');
    if (swarm) {
      const [state, role] = swarm.split('/');
      ping.swarm = { nodeState: state ?? '', controlAvailable: role === 'manager' };
    }
    if (res.statusCode >= 400) {
      this.checkResponse(res, '/_ping');
    }
    this.pingResult = ping;
    return ping;
  }

  /** The negotiated API version (the lower of the daemon's and ours), pinging once. */
  version(): Promise<string> {
    this.negotiated ??= (async () => {
      if (this.options.apiVersion) return this.options.apiVersion;
      let server = fallbackApiVersion;
      try {
        const ping = await this.ping();
        if (ping.apiVersion) server = ping.apiVersion;
      } catch (err) {
        // A daemon that cannot be reached fails the request that follows, with the same error.
        if (err instanceof ConnectionError) return clientMaxApiVersion;
        throw err;
      }
      return versionLessThan(server, clientMaxApiVersion) ? server : clientMaxApiVersion;
    })();
    return this.negotiated;
  }

  /** The version the client would use without negotiation, and whether it was lowered by the daemon. */
  get pinged(): Ping | undefined {
    return this.pingResult;
  }

  private checkResponse(res: EngineResponse, path: string): void {
    if (res.statusCode >= 200 && res.statusCode < 400) return;
    const statusText = `${res.statusCode} ${http.STATUS_CODES[res.statusCode] ?? ''}`.trim();
    if (res.body.length === 0) {
      throw new DaemonError(
        res.statusCode,
        `request returned ${statusText} for API route and version ${path}, check if the server supports the requested API version`,
      );
    }
    let message: string;
    if (res.headers['content-type'] === 'application/json') {
      let parsed: { message?: unknown };
      try {
        parsed = JSON.parse(res.body.toString('utf8')) as { message?: unknown };
      } catch (err) {
        throw new Error(`Error reading JSON: ${(err as Error).message}`);
      }
      message =
        typeof parsed?.message === 'string' && parsed.message !== ''
          ? parsed.message.trim()
          : `API returned a ${res.statusCode} (${http.STATUS_CODES[res.statusCode] ?? ''}) but provided no error-message`;
    } else {
      message = res.body.toString('utf8').trim();
    }
    const err = new DaemonError(res.statusCode, message);
    throw err;
  }

  private async versioned(path: string): Promise<string> {
    return `/v${await this.version()}${path}`;
  }

  /** A request whose answer is read whole; throws DaemonError for 4xx/5xx. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<EngineResponse> {
    const full = await this.versioned(path);
    const res = await this.raw(method, full, options);
    this.checkResponse(res, full);
    return res;
  }

  /** A request answering JSON. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, options);
    return JSON.parse(res.body.toString('utf8') || 'null') as T;
  }

  /** GET returning JSON. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /** GET returning both the decoded value and the raw JSON text (docker's *WithRaw calls). */
  async getWithRaw<T>(path: string, query?: Query): Promise<{ value: T; raw: string }> {
    const res = await this.request('GET', path, { query });
    const raw = res.body.toString('utf8');
    return { value: JSON.parse(raw) as T, raw };
  }

  /** A request whose answer is streamed (logs, events). Errors are read whole and thrown. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const full = await this.versioned(path);
    let response: http.IncomingMessage | undefined;
    await this.send(method, full, options, (res) => {
      response = res;
    });
    const res = response!;
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      this.checkResponse(
        { statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) },
        full,
      );
    }
    return res;
  }

  /** A hijacked connection (POST /exec/{id}/start with Upgrade: tcp): the raw duplex stream. */
  async hijack(path: string, body: unknown): Promise<{ socket: Duplex; head: Buffer; multiplexed: boolean }> {
    const full = await this.versioned(path);
    let result: { socket: Duplex; head: Buffer; multiplexed: boolean } | undefined;
    let plain: http.IncomingMessage | undefined;
    await this.send(
      'POST',
      full,
      { body, headers: { Connection: 'Upgrade', Upgrade: 'tcp' } },
      (res) => {
        plain = res;
      },
      (res, socket, head) => {
        result = {
          socket,
          head,
          multiplexed: res.headers['content-type'] === 'application/vnd.docker.multiplexed-stream',
        };
      },
    );
    if (result) return result;
    const res = plain!;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const complete = { statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
    this.checkResponse(complete, full);
    // A daemon that answers 200 without upgrading streams on the response body.
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough();
    stream.end(complete.body);
    return { socket: stream, head: Buffer.alloc(0), multiplexed: true };
  }
}

/** Encodes docker filters for a query: JSON of name -> { value: true }, keys sorted as Go's maps. */
export function encodeFilters(filters: Record<string, Record<string, boolean>>): string | undefined {
  const names = Object.keys(filters).sort();
  if (names.length === 0) return undefined;
  const sorted: Record<string, Record<string, boolean>> = {};
  for (const name of names) {
    const values: Record<string, boolean> = {};
    for (const v of Object.keys(filters[name]!).sort()) values[v] = true;
    sorted[name] = values;
  }
  return JSON.stringify(sorted);
}
