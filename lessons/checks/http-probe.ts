import { request } from 'node:http';

/** One HTTP answer as checks see it: status, body, and the body parsed when it is JSON. */
export interface HttpAnswer {
  status: number;
  body: string;
  json?: unknown;
}

const maxBodyBytes = 256 * 1024;

/**
 * GET http://addr:port/path on a fresh connection (so a load balancer picks again each time), with a timeout.
 * Rejects with a plain message when nothing answers.
 */
export function httpGet(addr: string, port: number, path: string, timeoutMs = 2_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: addr, port, path, method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBodyBytes) chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (/json/.test(String(res.headers['content-type'])) || /^\s*[{[]/.test(body)) {
            try {
              json = JSON.parse(body);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : error.message,
        ),
      ),
    );
    req.end();
  });
}
