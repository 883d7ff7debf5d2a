import { request } from 'node:http';
import { apiVersion } from '../common/version.js';

/** An Engine API error answer: the daemon's status and message. */
export class EngineApiError extends Error {
  override name = 'EngineApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** The error an answer of `status` >= 400 carries: the daemon's `{"message"}`, else its text. */
function answerError(status: number, parsed: unknown, text: string): EngineApiError {
  return new EngineApiError(status, (parsed as { message?: string })?.message ?? (text || `HTTP ${status}`));
}

/** Where a daemon listens, from `DOCKER_HOST` syntax: `unix:///path` or `tcp://host:port`. */
export function endpointOf(dockerHost: string): { socketPath: string } | { host: string; port: number } {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const found = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
  if (!found) throw new Error(`invalid docker host "${dockerHost}": use unix:///path or tcp://host:port`);
  return { host: found[1], port: Number(found[2]) };
}

/**
 * One Engine API call (JSON in, JSON out) for swarmlab's own tools (labs, checks). Non-2xx answers reject with
 * EngineApiError carrying the daemon's message.
 */
export function engineRequest<T = unknown>(
  dockerHost: string,
  method: string,
  path: string,
  body?: unknown,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<EngineResponse<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        ...endpointOf(dockerHost),
        method,
        path: `/v${apiVersion}${path}`,
        headers: {
          Host: 'docker',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
        timeout: options.timeoutMs ?? 30_000,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if (/json/.test(String(res.headers['content-type'])) && text.length > 0) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            reject(answerError(status, parsed, text));
            return;
          }
          resolve({ status, headers: res.headers, body: parsed as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${dockerHost} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A streamed Engine API GET (e.g. `/events`): calls `onValue` with each JSON line until the daemon ends the
 * answer (resolves) or the request fails or `signal` aborts (rejects). `onOpen` is called once the daemon
 * answered 2xx; `timeoutMs` bounds only the wait for that answer, not the stream.
 */
export function engineStream(
  dockerHost: string,
  path: string,
  onValue: (value: unknown) => void,
  options: { timeoutMs?: number; signal?: AbortSignal; onOpen?: () => void } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...endpointOf(dockerHost),
        method: 'GET',
        path: `/v${apiVersion}${path}`,
        headers: { Host: 'docker' },
        signal: options.signal,
      },
      (res) => {
        clearTimeout(answerTimer);
        const status = res.statusCode ?? 0;
        let pending = '';
        res.setEncoding('utf8');
        res.on('error', reject);
        if (status >= 400) {
          res.on('data', (text: string) => {
            pending += text;
          });
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(pending);
            } catch {}
            reject(answerError(status, parsed, pending));
          });
          return;
        }
        options.onOpen?.();
        res.on('data', (text: string) => {
          const lines = (pending + text).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            let value: unknown;
            try {
              value = JSON.parse(line);
            } catch {
              continue; // a blank or partial line: skip it rather than end the stream
            }
            onValue(value);
          }
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
      },
    );
    const answerTimer = setTimeout(
      () => req.destroy(new Error(`GET ${path} on ${dockerHost} did not answer`)),
      options.timeoutMs ?? 30_000,
    );
    req.on('error', (error) => {
      clearTimeout(answerTimer);
      reject(error);
    });
    req.on('close', () => clearTimeout(answerTimer));
    req.end();
  });
}
