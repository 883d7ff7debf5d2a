/**
 * Test support for the container, exec, image and distribution routes: a real Engine API server on a unix
 * socket over a real executor, a raw HTTP client, Docker's stream demultiplexer and the docker CLI.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Executor } from '../../agent/executor/executor.js';
import { newId } from '../../agent/executor/test-support.js';
import type { ContainerConfig, ContainerInfo } from '../../agent/executor/types.js';
import { Reply, Router } from '../router.js';
import { createApiServer, listenApi } from '../server.js';
import { registerContainerRoutes } from './containers.js';
import { registerDistributionRoutes } from './distribution.js';
import { ExecRegistry, registerExecRoutes } from './exec.js';
import { registerImageRoutes } from './images.js';

export interface TestEngine {
  executor: Executor;
  socketPath: string;
  dir: string;
  run(overrides: Partial<ContainerConfig> & { image: string }): Promise<ContainerInfo>;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  json(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Runs the real docker CLI against this engine; resolves with its exit code and output. */
  docker(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** True when the docker CLI is on PATH. */
export function dockerCliAvailable(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'docker')));
}

export async function startTestEngine(): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-routes-'));
  const socketPath = join(dir, 'docker.sock');
  const executor = new Executor({
    containersDir: join(dir, 'containers'),
    nodeAddr: '127.0.0.1',
    apiSocketPath: socketPath,
  });
  const router = new Router();
  router.get('/_ping', () => new Reply(200, 'OK', { 'Content-Type': 'text/plain; charset=utf-8' }));
  const execs = new ExecRegistry();
  registerContainerRoutes(router, { executor, execs });
  registerExecRoutes(router, { executor, execs });
  registerImageRoutes(router, { executor });
  registerDistributionRoutes(router);
  const server = createApiServer({
    router,
    headers: () => ({ 'Api-Version': '1.47', Server: 'Docker/28.2.2 (linux)' }),
  });
  await listenApi(server, `unix://${socketPath}`);

  const call: TestEngine['call'] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          socketPath,
          method,
          path,
          headers: { ...(data ? { 'Content-Type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
          );
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  return {
    executor,
    socketPath,
    dir,
    async run(overrides) {
      const id = newId();
      const info = await executor.create({ id, name: `web.1.${id.slice(0, 25)}`, ...overrides });
      await executor.start(info.id);
      return executor.inspect(info.id)!;
    },
    call,
    async json(method, path, body) {
      const res = await call(method, path, body);
      const text = res.body.toString();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    docker(args, input) {
      return new Promise((resolve) => {
        const child = execFile(
          'docker',
          args,
          {
            env: {
              PATH: process.env.PATH,
              HOME: dir,
              DOCKER_HOST: `unix://${socketPath}`,
              DOCKER_CONFIG: join(dir, '.docker'),
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(input);
      });
    },
    async close() {
      await executor.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Splits Docker's multiplexed stream into its frames. */
export function demultiplex(data: Buffer): { stream: number; text: string }[] {
  const frames: { stream: number; text: string }[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const size = data.readUInt32BE(at + 4);
    frames.push({ stream: data[at], text: data.subarray(at + 8, at + 8 + size).toString() });
    at += 8 + size;
  }
  if (at !== data.length) throw new Error(`trailing ${data.length - at} bytes after the last frame`);
  return frames;
}
