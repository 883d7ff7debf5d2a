/** Test support for executor tests: ids, waiting, HTTP to a container's mapped port, exec output. */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { ExecSession } from './exec-client.js';
import type { PortMapping } from './types.js';

export const newId = () => randomBytes(32).toString('hex');

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A GET to a container port as the node sees it. */
export function httpGet(
  mapping: PortMapping,
  path = '/',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: mapping.hostAddr, port: mapping.hostPort, path, headers: { Connection: 'close', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Waits for an exec to finish and returns its exit code and output. */
export async function finish(
  session: ExecSession,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  session.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  session.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await session.wait();
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout, stderr };
}
