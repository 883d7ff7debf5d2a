import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Reply, Router } from '../../api/router.js';
import { createApiServer, listenApi } from '../../api/server.js';
import { Executor } from '../executor/executor.js';
import { processTree } from '../executor/proc-info.js';
import { finish, httpGet, newId, waitFor } from '../executor/test-support.js';
import type { ContainerConfig, ContainerInfo } from '../executor/types.js';
import { startTestDns, startTestGateway } from '../netlib/test-mesh.js';

const root = mkdtempSync(join(tmpdir(), 'swarmlab-images-'));
const apiSocket = join(root, 'api.sock');
const executor = new Executor({
  containersDir: join(root, 'containers'),
  nodeAddr: '127.0.0.1',
  apiSocketPath: apiSocket,
});

// A stand-in for the manager's API on the node socket: the visualizer reads /nodes, /tasks, /services.
const nodes = ['swarm-1', 'swarm-2', 'swarm-3'].map((name, i) => ({
  ID: `node${i}`,
  Description: { Hostname: name },
  Spec: { Role: i === 0 ? 'manager' : 'worker', Availability: 'active' },
  Status: { State: 'ready' },
  ...(i === 0 ? { ManagerStatus: { Leader: true } } : {}),
}));
const seen: string[] = [];
const api = createApiServer({
  router: new Router()
    .get('/nodes', (req) => {
      seen.push(req.path);
      return nodes;
    })
    .get('/services', () => [{ ID: 'svc1', Spec: { Name: 'web' } }])
    .get('/tasks', () => [
      {
        ID: 't1',
        ServiceID: 'svc1',
        NodeID: 'node1',
        Slot: 1,
        DesiredState: 'running',
        Status: { State: 'running' },
        Spec: { ContainerSpec: { Image: 'nginx:latest@sha256:abc' } },
      },
    ])
    .get('/containers/json', () => [{ Id: 'secret stuff' }])
    .post('/services/create', () => new Reply(201, { ID: 'should never be reached' })),
});

const routes = new Map<string, Map<number, { host: string; port: number }>>();
const records = new Map([
  ['backend', ['10.0.7.2']],
  ['tasks.backend', ['10.0.7.3']],
]);
let dns: Awaited<ReturnType<typeof startTestDns>>;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let backend: ContainerInfo;

async function run(overrides: Partial<ContainerConfig> & { image: string }): Promise<ContainerInfo> {
  const id = newId();
  const info = await executor.create({
    id,
    name: `t.1.${id.slice(0, 25)}`,
    dns: dns.address,
    gateway: gateway.address,
    ...overrides,
  });
  await executor.start(info.id);
  return executor.inspect(info.id)!;
}

async function logsOf(id: string): Promise<string> {
  let text = '';
  for await (const entry of executor.logs(id)) text += entry.data.toString();
  return text;
}

before(async () => {
  await listenApi(api, `unix://${apiSocket}`);
  dns = await startTestDns(records);
  gateway = await startTestGateway(routes);
  backend = await run({ image: 'albertogviana/docker-routing-mesh:1.0.0' });
  const mapping = await waitFor('backend port', () => executor.inspect(backend.id)?.ports[0]);
  routes.set('10.0.7.2', new Map([[8080, { host: mapping.hostAddr, port: mapping.hostPort }]]));
  routes.set('10.0.7.3', new Map([[8080, { host: mapping.hostAddr, port: mapping.hostPort }]]));
});

after(async () => {
  await executor.close();
  api.close();
  dns.close();
  gateway.close();
  rmSync(root, { recursive: true, force: true });
});

describe('networking through the node', () => {
  test('nginx proxies by service name with its config from a secret (DNS + mesh gateway)', async () => {
    const proxy = await run({
      image: 'nginx',
      secrets: [
        {
          target: '/etc/nginx/conf.d/default.conf',
          data: Buffer.from(
            'server {\n  listen 80;\n  location / {\n    proxy_pass http://backend:8080;\n  }\n}\n',
          ),
          mode: 0o444,
        },
      ],
    });
    const mapping = await waitFor('nginx port', () =>
      executor.inspect(proxy.id)?.ports.find((p) => p.targetPort === 80),
    );
    const answer = await httpGet(mapping, '/hello');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, `The hostname is ${backend.id.slice(0, 12)}!`);
    assert.ok(dns.queries.includes('backend'));
    assert.ok(gateway.connects.includes('10.0.7.2:8080'));
    await executor.stop(proxy.id, 3000);
  });

  test('nginx answers 502 when the upstream refuses, and fails to start when a name does not resolve', async () => {
    routes.set('10.0.7.9', new Map());
    records.set('down', ['10.0.7.9']);
    const refusing = await run({
      image: 'nginx:alpine',
      secrets: [
        {
          target: '/etc/nginx/conf.d/default.conf',
          data: Buffer.from('server { listen 80; location / { proxy_pass http://down:9000; } }'),
        },
      ],
    });
    const mapping = await waitFor('nginx port', () =>
      executor.inspect(refusing.id)?.ports.find((p) => p.targetPort === 80),
    );
    const answer = await httpGet(mapping);
    assert.equal(answer.status, 502);
    assert.match(answer.body, /502 Bad Gateway/);
    await executor.stop(refusing.id, 3000);

    const broken = await run({
      image: 'nginx',
      secrets: [
        {
          target: '/etc/nginx/conf.d/default.conf',
          data: Buffer.from('server { listen 80; location / { proxy_pass http://nowhere:80; } }'),
        },
      ],
    });
    const done = await executor.wait(broken.id);
    assert.equal(done.exitCode, 1);
    assert.match(await logsOf(broken.id), /\[emerg\] 1#1: host not found in upstream "nowhere"/);
  });

  test('wget and nslookup inside a container use the node DNS and the gateway', async () => {
    const box = await run({ image: 'busybox', args: ['sleep', '600'] });
    assert.deepEqual(
      await finish(await executor.exec(box.id, { cmd: ['wget', '-qO-', 'http://backend:8080/'] })),
      {
        code: 0,
        stdout: `The hostname is ${backend.id.slice(0, 12)}!`,
        stderr: '',
      },
    );
    const lookup = await finish(await executor.exec(box.id, { cmd: ['nslookup', 'tasks.backend'] }));
    assert.equal(lookup.code, 0);
    assert.match(lookup.stdout, /Name:\ttasks\.backend\nAddress: 10\.0\.7\.3\n/);
    const missing = await finish(await executor.exec(box.id, { cmd: ['nslookup', 'docker.com'] }));
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /\*\* server can't find docker\.com: NXDOMAIN/);
    const refused = await finish(
      await executor.exec(box.id, { cmd: ['wget', '-q', 'http://backend:9999/'] }),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /can't connect to remote host \(10\.0\.7\.2\): Connection refused/);
    await executor.stop(box.id, 2000);
  });

  test('`alpine ping docker.com` keeps running with a clear line a second; ping in the lab gets replies', async () => {
    const helloworld = await run({ image: 'alpine', args: ['ping', 'docker.com'] });
    await waitFor('two lines', async () => (await logsOf(helloworld.id)).split('\n').length > 2, 10_000);
    assert.equal(executor.inspect(helloworld.id)?.state, 'running');
    assert.match(await logsOf(helloworld.id), /^ping: docker\.com: no route from this lab to the internet\n/);
    await executor.stop(helloworld.id, 3000);
    assert.equal(executor.inspect(helloworld.id)?.exitCode, 143);

    const box = await run({ image: 'alpine', args: ['sleep', '600'] });
    const ping = await finish(await executor.exec(box.id, { cmd: ['ping', '-c', '2', 'backend'] }));
    assert.equal(ping.code, 0);
    assert.match(
      ping.stdout,
      /^PING backend \(10\.0\.7\.2\): 56 data bytes\n64 bytes from 10\.0\.7\.2: seq=0 ttl=64 time=\d+\.\d{3} ms\n64 bytes from 10\.0\.7\.2: seq=1/,
    );
    assert.match(ping.stdout, /2 packets transmitted, 2 packets received, 0% packet loss/);
    assert.ok(gateway.connects.includes('10.0.7.2:7'));
    await executor.stop(box.id, 2000);
  });
});

describe('the visualizer', () => {
  let mapping: { hostAddr: string; hostPort: number; targetPort: number; protocol: 'tcp' | 'udp' };
  let visualizer: ContainerInfo;
  before(async () => {
    visualizer = await run({
      image: 'dockersamples/visualizer',
      mounts: [{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock' }],
    });
    mapping = await waitFor('port 8080', () =>
      executor.inspect(visualizer.id)?.ports.find((p) => p.targetPort === 8080),
    );
  });

  test('shows every node as a column and the tasks as cards, read through the docker socket', async () => {
    const page = await httpGet(mapping);
    assert.equal(page.status, 200);
    for (const name of ['swarm-1', 'swarm-2', 'swarm-3'])
      assert.match(page.body, new RegExp(`<h2>${name}</h2>`));
    assert.match(page.body, /<b>web\.1<\/b><span>nginx:latest<\/span><span>running<\/span>/);
    assert.match(page.body, /setInterval\(refresh, 1000\)/);
    const apiNodes = await httpGet(mapping, '/apis/nodes');
    assert.equal(JSON.parse(apiNodes.body).length, 3);
    assert.ok(seen.includes('/nodes'));
  });

  test('passes only the three reads it needs to the docker socket', async () => {
    const other = await httpGet(mapping, '/apis/containers/json');
    assert.equal(other.status, 404);
    assert.match(JSON.parse(other.body).message, /only reads/);
    const post = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: mapping.hostAddr, port: mapping.hostPort, path: '/apis/services/create', method: 'POST' },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(post, 405);
  });

  test('its healthcheck runs node /app/healthcheck.js', async () => {
    assert.deepEqual(visualizer.healthcheck?.test, ['CMD-SHELL', 'node /app/healthcheck.js || exit 1']);
    assert.equal(
      (
        await finish(
          await executor.exec(visualizer.id, { cmd: ['sh', '-c', 'node /app/healthcheck.js || exit 1'] }),
        )
      ).code,
      0,
    );
  });
});

test('no container outlives the node daemon: kill -9 of the parent takes the container with it', async () => {
  const dir = join(root, 'orphans');
  const script = join(root, 'parent.mjs');
  const executorModule = fileURLToPath(new URL('../executor/executor.js', import.meta.url));
  writeFileSync(
    script,
    `import { Executor } from ${JSON.stringify(executorModule)};
const executor = new Executor({ containersDir: ${JSON.stringify(dir)}, nodeAddr: '127.0.0.1' });
const id = ${JSON.stringify(newId())};
await executor.create({ id, name: 'orphan.1.x', image: 'alpine', args: ['sleep', '600'] });
await executor.start(id);
process.stdout.write(JSON.stringify({ pid: executor.inspect(id).pid }) + '\\n');
setInterval(() => {}, 1000);
`,
  );
  const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    parent.once('exit', (code) => reject(new Error(`the parent exited (${code})`)));
  });
  const { pid } = JSON.parse(line) as { pid: number };
  const tree = await waitFor('the container processes', () => {
    const pids = processTree(pid);
    return pids.length >= 1 ? pids : undefined;
  });
  assert.ok(tree.length >= 1);
  parent.kill('SIGKILL');
  const alive = (p: number) => {
    try {
      return !readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].startsWith('Z');
    } catch {
      return false;
    }
  };
  await waitFor('every container process to end', () => tree.every((p) => !alive(p)), 15_000);
  assert.ok(existsSync(dir));
  // The killed parent could not remove its control-socket links (the executor's socketDir).
  const key = createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 12);
  rmSync(join(tmpdir(), `swarmlab-ctl-${key}`), { recursive: true, force: true });
});
