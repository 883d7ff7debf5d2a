import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { posix } from 'node:path';
import type { Proc, Program } from '../shell/process.js';
import { serveUntilSignal } from './http-util.js';
import { type ClusterView, renderPage } from './visualizer-page.js';

const socketPath = '/var/run/docker.sock';

/** The only Engine API reads the page makes: `/apis/<name>` -> `GET /<name>` on the docker socket. */
const allowedReads = new Set(['nodes', 'tasks', 'services']);

/** GETs a path on the bind-mounted docker socket. */
function dockerGet(proc: Proc, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: proc.container.fs.resolve(socketPath), path, method: 'GET', headers: { Host: 'docker' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('the docker socket did not answer within 10s')));
    req.on('error', reject);
    req.end();
  });
}

async function readCluster(proc: Proc): Promise<ClusterView> {
  const [nodes, tasks, services] = await Promise.all(
    ['/nodes', '/tasks', '/services'].map(async (path) => {
      const { status, body } = await dockerGet(proc, path);
      const parsed = JSON.parse(body.toString('utf8') || 'null') as unknown;
      if (status !== 200) {
        const message = (parsed as { message?: string } | null)?.message ?? `status ${status}`;
        throw new Error(`GET ${path}: ${message}`);
      }
      return Array.isArray(parsed) ? parsed : [];
    }),
  );
  return { nodes, tasks, services };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function socketError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return `cannot reach the docker socket: bind-mount it with --mount=type=bind,src=/var/run/docker.sock,dst=${socketPath}`;
  }
  return (error as Error).message;
}

async function handle(
  proc: Proc,
  root: string,
  intervalMs: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const relative = path.startsWith(root) ? path.slice(root.length) : undefined;
  if (relative === undefined) return json(res, 404, { message: 'not found' });
  if (relative.startsWith('apis/')) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { message: 'the visualizer only reads the cluster: use GET' });
    }
    const name = relative.slice('apis/'.length).replace(/\/+$/, '');
    if (!allowedReads.has(name)) {
      return json(res, 404, {
        message: `not allowed: the visualizer only reads ${[...allowedReads].map((r) => `/apis/${r}`).join(', ')}`,
      });
    }
    try {
      const { status, body } = await dockerGet(proc, `/${name}`);
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': body.length,
      });
      res.end(body);
    } catch (error) {
      json(res, 502, { message: socketError(error) });
    }
    return;
  }
  if (relative !== '' && relative !== 'index.html') return json(res, 404, { message: 'not found' });
  let view: ClusterView | undefined;
  let error: string | undefined;
  try {
    view = await readCluster(proc);
  } catch (caught) {
    error = socketError(caught);
  }
  const page = renderPage(view, error, intervalMs, root);
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
  });
  res.end(req.method === 'HEAD' ? undefined : page);
}

/** `node server.js`: the visualizer's web server on 8080. */
const server: Program = async (proc) => {
  const intervalMs = Math.max(250, Number(proc.getenv('MS', '1000')) || 1000);
  let root = proc.getenv('CTX_ROOT', '/');
  if (!root.endsWith('/')) root += '/';
  const port = Number(proc.getenv('PORT', '8080')) || 8080;
  const http = createServer((req, res) => {
    handle(proc, root, intervalMs, req, res).catch((error) => {
      if (!res.headersSent) json(res, 500, { message: (error as Error).message });
      else res.destroy();
    });
  });
  await proc.container.listen(port, http);
  proc.out(`Listening on port ${port}\n`);
  return serveUntilSignal(proc, http);
};

/** `node healthcheck.js`: fails when the page does not answer. */
const healthcheck: Program = async (proc) => {
  try {
    const socket = await proc.container.connect('localhost', 8080, { timeoutMs: 5000, signal: proc.signal });
    socket.destroy();
    return 0;
  } catch (error) {
    proc.err(`Error: ${(error as Error).message}\n    at /app/healthcheck.js:5:11\n`);
    return 1;
  }
};

/** The image's `node`: runs the two scripts the image ships. */
export const node: Program = async (proc) => {
  const script = proc.argv[1];
  if (script === '-v' || script === '--version') {
    proc.out(`v${proc.getenv('NODE_VERSION', '8.2.1')}\n`);
    return 0;
  }
  const path = script ? posix.resolve(proc.cwd, script) : '';
  if (path === '/app/server.js') return server(proc);
  if (path === '/app/healthcheck.js') return healthcheck(proc);
  proc.err(`module.js:487\n    throw err;\n    ^\n\nError: Cannot find module '${path || 'repl'}'\n`);
  return 1;
};

/** The image's `npm`: `npm start` runs the package's start script, `node server.js`. */
export const npm: Program = async (proc) => {
  const command = proc.argv[1];
  if (command !== 'start') {
    proc.err(`npm ERR! missing script: ${command ?? ''}\n`);
    return 1;
  }
  proc.err('npm info it worked if it ends with ok\nnpm info using npm@5.3.0\nnpm info using node@v8.2.1\n');
  proc.err(
    'npm info lifecycle swarmVisualizer@0.0.1~prestart: swarmVisualizer@0.0.1\nnpm info lifecycle swarmVisualizer@0.0.1~start: swarmVisualizer@0.0.1\n',
  );
  proc.out('\n> swarmVisualizer@0.0.1 start /app\n> node server.js\n\n');
  const child = proc.child({ argv: ['node', 'server.js'], cwd: '/app' });
  try {
    return await node(child);
  } finally {
    proc.reap(child);
  }
};
