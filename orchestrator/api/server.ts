import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { apiVersion, minApiVersion } from '../common/version.js';
import { ApiError, badRequest, notFound, toApiError } from './errors.js';
import { toJson } from './json.js';
import { type ApiRequest, Reply, type Router, streamed } from './router.js';

/** Largest request body accepted (Docker's secrets are at most 500 KB; specs are far smaller). */
export const maxBodyBytes = 4 * 1024 * 1024;

export interface ApiServerOptions {
  router: Router;
  /** Headers sent with every response (e.g. `Swarm` on `/_ping`): computed per request. */
  headers?: (req: IncomingMessage) => Record<string, string>;
  /** Called for 5xx errors and handler crashes; the daemon logs them. */
  onError?: (error: unknown, req: IncomingMessage) => void;
}

const versionPrefix = /^\/v(\d+)\.(\d+)(\/.*)$/;

function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** Splits `/v1.47/services` into the version and the path, refusing versions this daemon does not speak. */
export function stripVersion(rawPath: string): { version: string; path: string } {
  const found = versionPrefix.exec(rawPath);
  if (!found) return { version: apiVersion, path: rawPath };
  const version = `${found[1]}.${found[2]}`;
  if (compareVersions(version, apiVersion) > 0) {
    throw badRequest(`client version ${version} is too new. Maximum supported API version is ${apiVersion}`);
  }
  if (compareVersions(version, minApiVersion) < 0) {
    throw badRequest(
      `client version ${version} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version`,
    );
  }
  return { version, path: found[3] };
}

/** How much of a refused body is read (and dropped) so the client, still sending, gets the answer. */
const maxDrainBytes = 64 * 1024 * 1024;

/**
 * Reads a request body up to `maxBodyBytes`. A larger one is refused (413) as soon as it is declared or passes
 * the limit; the rest is read and dropped, so that the client, still sending, reads the answer instead of a
 * reset connection (and may go on using it), up to `maxDrainBytes`, beyond which the connection is cut.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => {
      req.off('data', onData);
      let drained = 0;
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > maxDrainBytes) req.destroy();
      });
      reject(
        new ApiError(
          413,
          `request body is larger than ${maxBodyBytes} bytes: send a smaller request (secrets hold at most 500 KB)`,
        ),
      );
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    };
    if (Number(req.headers['content-length']) > maxBodyBytes) {
      tooLarge();
      return;
    }
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function describeJsonError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = typeof body === 'string' && res.getHeader('Content-Type') ? body : `${toJson(body)}\n`;
  if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', 'application/json');
  res.writeHead(status);
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Builds the request object handlers see. */
function apiRequest(
  raw: IncomingMessage,
  res: ServerResponse,
  path: string,
  version: string,
  params: Record<string, string>,
  query: URLSearchParams,
  signal: AbortSignal,
  upgrade?: { socket: Duplex; head: Buffer },
): ApiRequest {
  let body: Promise<Buffer> | undefined;
  const bytes = () => (body ??= readBody(raw));
  const request: ApiRequest = {
    method: raw.method ?? 'GET',
    path,
    params,
    query,
    apiVersion: version,
    headers: raw.headers,
    raw,
    res,
    signal,
    bytes,
    async json() {
      const data = await bytes();
      if (data.length === 0) return undefined;
      const type = raw.headers['content-type'];
      if (type && !/^application\/json\b/i.test(type)) {
        throw badRequest(`unsupported Content-Type header (${type}): must be 'application/json'`);
      }
      try {
        return JSON.parse(data.toString('utf8'));
      } catch (error) {
        throw badRequest(`invalid JSON in the request body: ${describeJsonError(error)}`);
      }
    },
  };
  if (upgrade) {
    request.hijack = () => {
      upgrade.socket.write(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      );
      if (upgrade.head.length > 0) upgrade.socket.unshift(upgrade.head);
      return upgrade.socket;
    };
  }
  return request;
}

/** Serves one request (or upgraded request) through a router: the core of every API server swarmd runs. */
export type ApiHandler = (
  raw: IncomingMessage,
  res: ServerResponse,
  upgrade?: { socket: Duplex; head: Buffer },
) => Promise<void>;

/** Versioned paths, JSON bodies, Docker-style errors, hijacked streams, over a router. */
export function createApiHandler(options: ApiServerOptions): ApiHandler {
  return async (raw, res, upgrade) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    upgrade?.socket.on('close', () => abort.abort());
    const common = options.headers?.(raw) ?? {};
    for (const [name, value] of Object.entries(common)) res.setHeader(name, value);
    try {
      const url = new URL(raw.url ?? '/', 'http://docker');
      const { version, path } = stripVersion(url.pathname);
      const found = options.router.match(raw.method ?? 'GET', path);
      if (!found) throw notFound('page not found');
      if ('allowed' in found) throw new ApiError(405, `method ${raw.method} is not allowed on ${path}`);
      const request = apiRequest(
        raw,
        res,
        path,
        version,
        found.params,
        url.searchParams,
        abort.signal,
        upgrade,
      );
      const result = await found.handler(request);
      if (result === streamed) return;
      if (result instanceof Reply) send(res, result.status, result.body, result.headers);
      else send(res, 200, result);
    } catch (error) {
      const apiError = toApiError(error);
      // A deliberate ApiError is an answer (e.g. Docker's 503 "not part of a swarm"), not a failure to log.
      if (apiError.status >= 500 && !(error instanceof ApiError)) options.onError?.(error, raw);
      if (upgrade && !res.headersSent) {
        upgrade.socket.end(
          `HTTP/1.1 ${apiError.status} Error\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${toJson({ message: apiError.message })}\n`,
        );
        return;
      }
      send(res, apiError.status, { message: apiError.message, ...apiError.extra });
    }
  };
}

/** An HTTP server answering every request through `handle` (upgrades included). */
export function serverFor(handle: ApiHandler): Server {
  const server = createServer({ requestTimeout: 0 }, (req, res) => void handle(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    void handle(req, res, { socket, head });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return server;
}

/** The Engine API's HTTP server. */
export function createApiServer(options: ApiServerOptions): Server {
  return serverFor(createApiHandler(options));
}

/** Listens on `unix:///path` (mode 0660, a stale socket file is replaced) or `tcp://host:port`. */
export async function listenApi(server: Server, endpoint: string): Promise<string> {
  if (endpoint.startsWith('unix://')) {
    const path = endpoint.slice('unix://'.length);
    if (existsSync(path)) unlinkSync(path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o660);
    return endpoint;
  }
  const found = /^tcp:\/\/([^:]+):(\d+)$/.exec(endpoint);
  if (!found) throw new Error(`invalid API endpoint "${endpoint}": use unix:///path or tcp://host:port`);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(found[2]), found[1], () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : Number(found[2]);
  return `tcp://${found[1]}:${port}`;
}
