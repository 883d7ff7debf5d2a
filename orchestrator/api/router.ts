import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** A request as route handlers see it: the path without its `/v1.xx` prefix, parsed path params and query. */
export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version the client asked for (the path prefix), or the current one. */
  apiVersion: string;
  headers: IncomingMessage['headers'];
  /** The JSON body; throws a 400 ApiError for malformed JSON, a non-JSON content type or an oversized body. */
  json(): Promise<unknown>;
  /** The raw body bytes (bounded like `json`). */
  bytes(): Promise<Buffer>;
  raw: IncomingMessage;
  /** The response, for handlers that stream; they return `streamed`. */
  res: ServerResponse;
  /**
   * For requests that asked to upgrade (`Connection: Upgrade`, as `docker exec` and `attach` do): answers
   * `101 UPGRADED` and hands over the raw connection. Undefined for plain requests.
   */
  hijack?: () => Duplex;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** A handler's answer: a value (200 JSON), an explicit reply, or `streamed` when it wrote the response itself. */
export type HandlerResult = unknown;
export type Handler = (req: ApiRequest) => Promise<HandlerResult> | HandlerResult;

/** An explicit status and body (`body` undefined: no content). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Returned by handlers that wrote (or hijacked) the response themselves. */
export const streamed: unique symbol = Symbol('streamed');

interface Route {
  method: string;
  /** As registered, e.g. `/services/{id}/update`. */
  path: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/** Maps `METHOD /path/{param}` to handlers. A `{name}` segment matches one path segment. */
export class Router {
  private readonly routes: Route[] = [];
  private fallbackHandler: Handler | undefined;

  /** Answers requests no route matches (e.g. hands them to another router); default: 404 page not found. */
  fallback(handler: Handler): this {
    this.fallbackHandler = handler;
    return this;
  }

  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(param[1]);
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, path, pattern: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** The routes registered, in order (the fallback is not one): what the API conformance test covers. */
  list(): { method: string; path: string }[] {
    return this.routes.map(({ method, path }) => ({ method, path }));
  }

  get(path: string, handler: Handler): this {
    return this.on('GET', path, handler);
  }

  post(path: string, handler: Handler): this {
    return this.on('POST', path, handler);
  }

  delete(path: string, handler: Handler): this {
    return this.on('DELETE', path, handler);
  }

  /** Finds the handler for a request; `allowed` lists the methods the path answers when the method does not. */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | { allowed: string[] } | undefined {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      const lookup = method === 'HEAD' ? 'GET' : method;
      if (route.method !== lookup && route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]);
      });
      return { handler: route.handler, params };
    }
    if (allowed.length > 0) return { allowed };
    return this.fallbackHandler ? { handler: this.fallbackHandler, params: {} } : undefined;
  }
}
