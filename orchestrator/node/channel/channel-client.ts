import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import { certificateChain, type ExpectedPeer, nodeServerIdentityCheck } from '../../manager/ca/index.js';
import { isNodeRemovedAnswer } from '../../manager/dispatcher/protocol.js';

/** A channel request answered with an error status: the remote node's status and message. */
export class ChannelError extends Error {
  override name = 'ChannelError';
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** Credentials for dialling: the cluster's root CA, and this node's certificate once it has one. */
export interface ChannelCredentials {
  rootCertPem: string;
  certPem?: string;
  keyPem?: string;
}

/** What a node's client tells it about the answers it gets. */
export interface ChannelClientHooks {
  /** A manager answered that the swarm removed this node (403, `removed: true`). */
  onRemoved?(message: string): void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  expect?: ExpectedPeer;
}

function split(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(':');
  return { host: addr.slice(0, at), port: Number(addr.slice(at + 1)) };
}

/**
 * Calls other nodes' channels over mutual TLS: JSON requests, streams, and whole forwarded HTTP requests.
 * Without a certificate (a node joining) it still verifies the server against the pinned root CA.
 */
export class ChannelClient {
  private agent: Agent;

  constructor(
    private credentials: ChannelCredentials,
    private readonly hooks: ChannelClientHooks = {},
  ) {
    this.agent = this.makeAgent();
  }

  setCredentials(credentials: ChannelCredentials): void {
    this.credentials = credentials;
    this.agent.destroy();
    this.agent = this.makeAgent();
  }

  close(): void {
    this.agent.destroy();
  }

  /** One JSON request; resolves with the parsed answer, rejects with ChannelError for an error status. */
  async call<T = unknown>(
    addr: string,
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<T> {
    const res = await this.open(addr, method, path, body, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A request whose answer is read as a stream; rejects with ChannelError for an error status. */
  open(
    addr: string,
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...split(addr),
          method,
          path,
          agent: this.agent,
          signal: options.signal,
          timeout: options.timeoutMs ?? 15_000,
          checkServerIdentity: nodeServerIdentityCheck(options.expect ?? {}),
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
        },
        (res) => {
          if ((res.statusCode ?? 500) < 400) {
            req.setTimeout(0);
            resolve(res);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: { message?: string } | undefined;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            const error = new ChannelError(
              res.statusCode ?? 500,
              parsed?.message ?? (text || `HTTP ${res.statusCode}`),
              parsed,
            );
            if (isNodeRemovedAnswer(error.status, parsed)) this.hooks.onRemoved?.(error.message);
            reject(error);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${addr} timed out`)));
      req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  }

  /** Sends an incoming HTTP request on to another node (under `prefix`) and its answer back, streaming both. */
  forward(addr: string, prefix: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const upstream = request(
        {
          ...split(addr),
          method: req.method,
          path: `${prefix}${req.url ?? '/'}`,
          agent: this.agent,
          checkServerIdentity: nodeServerIdentityCheck({ role: 'manager' }),
          headers: { ...req.headers, host: addr },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', () => resolve());
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) {
          res.writeHead(503, { 'Content-Type': 'application/json' });
          res.end(
            `${JSON.stringify({ message: `the leader at ${addr} cannot be reached: ${error.message}` })}\n`,
          );
        } else res.destroy();
        resolve();
      });
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
  }

  private makeAgent(): Agent {
    const { rootCertPem, certPem, keyPem } = this.credentials;
    return new Agent({
      keepAlive: true,
      ca: [rootCertPem],
      ...(certPem && keyPem ? { cert: certificateChain(certPem, rootCertPem), key: keyPem } : {}),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
  }
}
