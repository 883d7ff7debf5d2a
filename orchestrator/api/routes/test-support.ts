/** Support for the cluster route tests: a real Engine API server on a loopback port. */
import type { AddressInfo } from 'node:net';
import { Router } from '../router.js';
import { createApiServer, listenApi } from '../server.js';

export interface TestApi {
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: responses are free-form JSON the tests pick apart
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Serves `register`ed routes on 127.0.0.1 (an ephemeral port). */
export async function startTestApi(register: (router: Router) => void): Promise<TestApi> {
  const router = new Router();
  register(router);
  const server = createApiServer({ router });
  await listenApi(server, 'tcp://127.0.0.1:0');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async call(method, path, body) {
      const response = await fetch(`${url}/v1.47${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
