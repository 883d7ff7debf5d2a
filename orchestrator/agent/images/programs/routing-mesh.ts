import { createServer, type ServerResponse } from 'node:http';
import { type Proc, type Program, sleep } from '../shell/process.js';
import { serveUntilSignal } from './http-util.js';

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The demo app: every path answers `The hostname is <hostname>!`; 2.0.0 adds `GET /health`. */
async function routingMesh(proc: Proc, version?: string): Promise<number> {
  const hostname = proc.container.hostname;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (version && path === '/health') {
      send(res, 200, 'application/json', JSON.stringify({ version, status: 'OK' }));
      return;
    }
    send(res, 200, 'text/plain; charset=utf-8', `The hostname is ${hostname}!`);
  });
  await proc.container.listen(8080, server);
  proc.out('Starting the server on :8080\n');
  return serveUntilSignal(proc, server);
}

export const routingMeshV1: Program = (proc) => routingMesh(proc);
export const routingMeshV2: Program = (proc) => routingMesh(proc, proc.getenv('APP_VERSION', '2.0.0'));

/** The broken tag: starts like 2.0.0, then panics a second later and exits with Go's panic status, 2. */
export const routingMeshBroken: Program = async (proc) => {
  const server = createServer((_req, res) => send(res, 500, 'text/plain; charset=utf-8', 'not ready'));
  await proc.container.listen(8080, server);
  proc.out('Starting the server on :8080\n');
  const survived = await sleep(1000, proc.signal);
  server.close();
  server.closeAllConnections();
  if (!survived) return 143;
  proc.err(
    'panic: runtime error: invalid memory address or nil pointer dereference\n' +
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x5e1f2a]\n\n' +
      'goroutine 1 [running]:\nmain.loadConfig(...)\n\t/go/src/app/main.go:31\nmain.main()\n\t/go/src/app/main.go:18 +0x2a\n',
  );
  return 2;
};
