import { request } from 'node:http';
import { endpointOf } from '../../orchestrator/api/client.js';

/** One Engine API answer, whatever its status, with the body both as text and (when it is JSON) parsed. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when the answer says it is JSON and parses; undefined otherwise. */
  json: unknown;
}

export interface RawRequestOptions {
  /** Sent as is: a value is JSON-encoded, a string or Buffer is not (for malformed bodies). */
  body?: unknown;
  /** Content-Type of the body (default application/json when there is one; null: none). */
  contentType?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * One HTTP request to a node's Engine API without any of engineRequest's conveniences: the path is sent as
 * given (with or without a `/v1.xx` prefix), the body may be anything, and error answers resolve like any
 * other. An answer that arrives before the whole body was sent (a refused huge body) counts, even if the
 * daemon then closes the connection under the rest of the upload.
 */
export function rawRequest(
  dockerHost: string,
  method: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawAnswer> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? Buffer.from(options.body)
        : Buffer.from(JSON.stringify(options.body));
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        ...endpointOf(dockerHost),
        method,
        path,
        headers: {
          Host: 'docker',
          ...(body ? { 'Content-Length': String(body.length) } : {}),
          ...(body && contentType ? { 'Content-Type': contentType } : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        const finish = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (/json/.test(String(res.headers['content-type'])) && text.trim() !== '') {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        };
        res.on('end', finish);
        res.on('error', finish);
        res.on('aborted', finish);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${dockerHost} timed out`)));
    req.on('error', (error) => {
      if (!answered) reject(new Error(`${method} ${path}: no answer (${error.message})`));
    });
    req.end(body);
  });
}
