/**
 * The real docker CLI against the cluster routes and the manager loops: `docker service create` must see its
 * service converge (the CLI's own progress logic), and scale, update, rollback, ps, ls and the error texts
 * must come out as they do against Docker. Nodes are store objects with simulated agents.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureIngressNetwork } from '../../manager/allocator/networks.js';
import { startManagerLoops } from '../../manager/loops.js';
import { addNode, localStore, simulateAgents } from '../../manager/orchestrator/test-helpers.js';
import { Router } from '../router.js';
import { createApiServer, listenApi } from '../server.js';
import { registerNetworkRoutes } from './networks.js';
import { registerNodeRoutes } from './nodes.js';
import { registerServiceRoutes } from './services.js';
import { registerSystemRoutes } from './system.js';
import { registerTaskRoutes } from './tasks.js';

const store = localStore();
const abort = new AbortController();
const config = mkdtempSync(join(tmpdir(), 'swarmlab-cli-'));
let server: Server;
let loops: Promise<void>;
let host = '';
let haveDocker = true;

function docker(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      ['-H', host, ...args],
      { env: { ...process.env, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false' }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') haveDocker = false;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

before(async () => {
  const manager = await addNode(store, { hostname: 'swarm-1', role: 'manager' });
  await addNode(store, { hostname: 'swarm-2' });
  await addNode(store, { hostname: 'swarm-3' });
  await ensureIngressNetwork(store);
  loops = startManagerLoops(store, abort.signal);
  simulateAgents(store, abort.signal);
  const router = new Router();
  registerSystemRoutes(router, {
    name: 'swarm-1',
    engineId: 'TEST:ENGINE',
    dataDir: config,
    swarmInfo: () => ({ NodeID: manager.ID, LocalNodeState: 'active', ControlAvailable: true }),
    swarmHeader: () => 'active/manager',
    containerCounts: () => ({ total: 0, running: 0, paused: 0, stopped: 0 }),
    imageCount: () => 0,
    runtime: () => ({ name: 'processes' }),
    labels: () => [],
    startedAt: new Date(),
  });
  registerNodeRoutes(router, {
    store,
    membership: {
      members: () => [
        { nodeId: manager.ID, addr: '127.0.0.1:2377', leader: true, reachable: true, voter: true },
      ],
      canRemove: () => false,
    },
  });
  registerServiceRoutes(router, { store });
  registerTaskRoutes(router, { store });
  registerNetworkRoutes(router, { store });
  server = createApiServer({ router, headers: () => ({ 'Api-Version': '1.47' }) });
  host = await listenApi(server, 'tcp://127.0.0.1:0');
  await docker('--version'); // finds out whether the CLI is installed
});

after(async () => {
  abort.abort();
  await loops;
  server.closeAllConnections();
  server.close();
  rmSync(config, { recursive: true, force: true });
});

test('docker service create/scale/update/rollback converge; ls, ps and errors read as with Docker', async (t) => {
  if (!haveDocker) {
    t.skip('the docker CLI is not installed');
    return;
  }
  const created = await docker(
    'service',
    'create',
    '--name',
    'web',
    '--replicas',
    '3',
    '-p',
    '8080:80',
    '--no-resolve-image',
    'nginx',
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /verify: Service [0-9a-z]{25} converged/);

  const ls = await docker('service', 'ls');
  assert.match(ls.stdout, /web\s+replicated\s+3\/3\s+nginx:latest\s+\*:8080->80\/tcp/);
  const ps = await docker('service', 'ps', 'web');
  assert.equal(
    ps.stdout.match(/web\.[123]\s+nginx:latest\s+swarm-[123]\s+Running\s+Running/g)?.length,
    3,
    ps.stdout,
  );

  const scaled = await docker('service', 'scale', 'web=5');
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.match(scaled.stdout, /verify: Service web converged/);

  const updated = await docker(
    'service',
    'update',
    '--image',
    'nginx:2',
    '--update-parallelism',
    '2',
    '--update-delay',
    '1s',
    '--no-resolve-image',
    'web',
  );
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /verify: Service web converged/);
  const status = await docker(
    'service',
    'inspect',
    'web',
    '--format',
    '{{.UpdateStatus.State}} {{.UpdateStatus.Message}}',
  );
  assert.equal(status.stdout.trim(), 'completed update completed');

  const rolledBack = await docker('service', 'rollback', 'web');
  assert.equal(rolledBack.code, 0, rolledBack.stderr);
  assert.match(rolledBack.stdout, /rollback: manually requested rollback/);
  assert.match(rolledBack.stdout, /verify: Service web converged/);
  const image = await docker(
    'service',
    'inspect',
    'web',
    '--format',
    '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.UpdateStatus.State}}',
  );
  assert.equal(image.stdout.trim(), 'nginx:latest rollback_completed');

  const clash = await docker(
    'service',
    'create',
    '--detach',
    '--name',
    'clash',
    '-p',
    '8080:80',
    '--no-resolve-image',
    'nginx',
  );
  assert.equal(clash.code, 1);
  assert.match(
    clash.stderr,
    /Error response from daemon: rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'web' \([0-9a-z]{25}\) as an ingress port/,
  );
  await docker(
    'service',
    'create',
    '--detach',
    '--name',
    'nowhere',
    '--constraint',
    'node.labels.zone==mars',
    '--no-resolve-image',
    'nginx',
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pending = await docker('service', 'ps', '--no-trunc', 'nowhere');
  assert.match(
    pending.stdout,
    /Pending .*"no suitable node \(scheduling constraints not satisfied on 3 nodes\)"/,
  );

  const removed = await docker('service', 'rm', 'nowhere', 'web');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((await docker('service', 'ls', '-q')).stdout.trim(), '');
});
