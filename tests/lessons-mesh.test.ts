// End to end, issue 6: lessons L5 to L11 of the talk command for command with the real docker CLI and HTTP on a
// 3-node local lab (overlay network, the demo app, the routing mesh, scaling, the nginx reverse proxy by service
// name, rolling update, rollback, automatic rollback, secrets). After each step, the lesson's own checks must
// pass too, as the workshop would turn the step green.
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import { engineRequest } from '../orchestrator/api/client.js';
import type { Secret, Service } from '../orchestrator/api/engine-types.js';
import { docker, eventually, realDocker } from './support/docker.js';
import { stepPasses } from './support/lesson-checks.js';
import {
  hostnameAnswer,
  httpGet,
  nodesById,
  runningTasksOf,
  serviceOf,
  shell,
  tasksOf,
} from './support/swarm.js';

const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-lessons-mesh-test-'));
let handle: LabHandle;
let nodes: LabNode[];
let manager: LabNode;

const app = 'docker-routing-mesh';
const image = (tag: string) => `albertogviana/docker-routing-mesh:${tag}`;
const proxyConfig = `server {
  listen 80;
  location / {
    proxy_pass http://docker-routing-mesh:8080;
  }
}
`;
/** Port 80 needs root (this machine's tests run as root); otherwise the proxy is published on 8081. */
const proxyPort = process.getuid?.() === 0 ? 80 : 8081;
const note = (line: string) => process.stdout.write(`# ${line}\n`);

async function ok(node: LabNode, args: string[], input?: string) {
  const result = await docker(node, args, { input, timeoutMs: 180_000 });
  assert.equal(result.code, 0, `docker ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return result;
}

const step = (lesson: string, id: string, timeoutMs?: number) => stepPasses(nodes, lesson, id, timeoutMs);

/** The service's UpdateStatus (whose State Docker also sets to the rollback_* values), image, previous image. */
async function updateStatus(): Promise<{
  State?: string;
  Message?: string;
  image?: string;
  previous?: string;
}> {
  const service = (await serviceOf(manager, app)) as Service & { PreviousSpec?: Service['Spec'] };
  return {
    ...service.UpdateStatus,
    image: service.Spec?.TaskTemplate?.ContainerSpec?.Image,
    previous: service.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image,
  };
}

describe('lessons L5-L11 with the real docker CLI (issue 6)', {
  skip: realDocker ? false : 'docker CLI not installed',
}, () => {
  before(async () => {
    handle = await new LocalProvider({ labsDir: join(scratch, 'labs') }).create({ nodes: 3, managers: 1 });
    nodes = handle.lab.nodes;
    manager = nodes[0];
    if (proxyPort !== 80) note('not root: the nginx proxy of L8 is published on 8081 instead of 80');
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(scratch, { recursive: true, force: true });
  });

  test('L5: an overlay network, the demo app on it with a memory reservation, and the helloworld tutorial', async () => {
    await ok(manager, ['network', 'create', '-d', 'overlay', 'routing-mesh']);
    assert.match((await ok(manager, ['network', 'ls'])).stdout, /routing-mesh\s+overlay\s+swarm/);
    await step('L5', 'create-an-overlay-network');

    const create = await ok(manager, [
      'service',
      'create',
      '--name=docker-routing-mesh',
      '--publish=8080:8080/tcp',
      '--network',
      'routing-mesh',
      '--reserve-memory',
      '20m',
      image('1.0.0'),
    ]);
    assert.match(create.stdout, /verify: Service \S+ converged/);
    const service = await serviceOf(manager, app);
    assert.equal(service.Spec?.TaskTemplate?.Resources?.Reservations?.MemoryBytes, 20971520);
    assert.equal(service.Spec?.Mode?.Replicated?.Replicas, 1);
    await step('L5', 'create-the-service');

    assert.match(
      (await ok(manager, ['service', 'ls'])).stdout,
      /docker-routing-mesh\s+replicated\s+1\/1\s+albertogviana\/docker-routing-mesh:1\.0\.0\s+\*:8080->8080\/tcp/,
    );
    assert.match(
      (await ok(manager, ['service', 'ps', app])).stdout,
      /docker-routing-mesh\.1\s+albertogviana\/docker-routing-mesh:1\.0\.0\s+swarm-\d\s+Running\s+Running/,
    );
    const pretty = await ok(manager, ['service', 'inspect', '--pretty', app]);
    assert.match(pretty.stdout, /Name:\s+docker-routing-mesh/);
    assert.match(pretty.stdout, /Reservations:\s*\n\s+Memory:\s+20MiB/);

    await ok(manager, [
      'service',
      'create',
      '--replicas',
      '1',
      '--name',
      'helloworld',
      'alpine',
      'ping',
      'docker.com',
    ]);
    await step('L5', 'a-service-of-your-own');
    await ok(manager, ['service', 'rm', 'helloworld']);
    await step('L5', 'remove-it');
  });

  test('L6: every node answers on 8080 with the one task, including nodes that run none', async () => {
    const ports = JSON.parse(
      (await ok(manager, ['service', 'inspect', '--format', '{{json .Endpoint.Ports}}', app])).stdout,
    );
    assert.deepEqual(ports, [
      { Protocol: 'tcp', TargetPort: 8080, PublishedPort: 8080, PublishMode: 'ingress' },
    ]);
    await step('L6', 'published-on-every-node');

    const [task] = await runningTasksOf(manager, app);
    const host = (await nodesById(manager, nodes)).get(task.NodeID ?? '');
    const containerId = task.Status?.ContainerStatus?.ContainerID ?? '';
    const withoutTask = nodes.filter((n) => n !== host);
    assert.equal(withoutTask.length, 2);
    for (const node of nodes) {
      const answer = await httpGet(node.addr, 8080);
      assert.equal(answer.status, 200);
      assert.match(answer.body, hostnameAnswer);
      assert.equal(
        answer.body,
        `The hostname is ${containerId.slice(0, 12)}!`,
        `${node.name} reaches the task`,
      );
    }
    // The lesson's command, as typed.
    const loop = await shell(
      manager,
      'for node in $SWARM_1 $SWARM_2 $SWARM_3; do curl -s http://$node:8080; echo; done',
      undefined,
      {
        SWARM_1: nodes[0].addr,
        SWARM_2: nodes[1].addr,
        SWARM_3: nodes[2].addr,
      },
    );
    assert.equal(loop.stdout, `The hostname is ${containerId.slice(0, 12)}!\n`.repeat(3));
    await step('L6', 'ask-every-node');
  });

  test('L7: scaled to 3, ten fresh connections to one node reach at least 2 tasks', async () => {
    const scale = await ok(manager, ['service', 'scale', `${app}=3`]);
    assert.match(scale.stdout, /docker-routing-mesh scaled to 3/);
    assert.equal((await runningTasksOf(manager, app)).length, 3);
    await step('L7', 'scale-to-three');
    const hostnames = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const answer = await httpGet(manager.addr, 8080);
      assert.match(answer.body, hostnameAnswer);
      hostnames.add(answer.body);
    }
    assert.ok(hostnames.size >= 2, `10 connections reached ${hostnames.size} task(s)`);
    await step('L7', 'watch-the-load-balancer');
  });

  test('L8: nginx, configured by a secret, proxies to the app by service name on every node', async () => {
    writeFileSync(join(scratch, 'default.conf'), proxyConfig);
    const secret = await shell(manager, 'docker secret create default.conf ./default.conf', scratch);
    assert.equal(secret.code, 0, secret.stderr);
    assert.match(secret.stdout, /^[0-9a-z]{25}\n$/);
    await step('L8', 'store-it-in-the-swarm');
    await ok(manager, [
      'service',
      'create',
      '--name',
      'nginx',
      '--network',
      'routing-mesh',
      '--secret',
      'source=default.conf,target=/etc/nginx/conf.d/default.conf',
      '--publish',
      `${proxyPort}:80`,
      'nginx',
    ]);
    if (proxyPort === 80) await step('L8', 'start-nginx');
    const appHostnames = new Set(
      (await runningTasksOf(manager, app)).map((t) => t.Status?.ContainerStatus?.ContainerID?.slice(0, 12)),
    );
    for (const node of nodes) {
      const answer = await eventually(
        async () => {
          const got = await httpGet(node.addr, proxyPort);
          return got.status === 200 ? got : undefined;
        },
        30_000,
        `nginx on ${node.name}:${proxyPort} to answer`,
      );
      const found = hostnameAnswer.exec(answer.body);
      assert.ok(found, `${node.name}:${proxyPort} answered ${answer.status} ${answer.body}`);
      assert.ok(appHostnames.has(found[1]), 'the answer comes from a task of docker-routing-mesh');
    }
    if (proxyPort === 80) await step('L8', 'through-the-proxy');
  });

  test('L9: the 2.0.0 image carries its healthcheck and APP_VERSION', async () => {
    await ok(manager, ['pull', image('2.0.0')]);
    const inspect = await ok(manager, [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Healthcheck}} {{json .Config.Env}}',
      image('2.0.0'),
    ]);
    assert.match(inspect.stdout, /"Test":\["CMD-SHELL","wget -qO- localhost:8080\/health"\]/);
    assert.match(inspect.stdout, /"APP_VERSION=2\.0\.0"/);
    await step('L9', 'inspect-the-image');
  });

  test('L10: a rolling update to 2.0.0 completes; its tasks turn healthy; /health answers 2.0.0', async () => {
    // What the lesson's curl loop on :8080/health shows while the update runs.
    const seen: string[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        seen.push(
          await httpGet(nodes[1].addr, 8080, '/health').then(
            (a) => a.body,
            (e) => `error: ${e.message}`,
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const update = await ok(manager, [
      'service',
      'update',
      '--update-failure-action',
      'pause',
      '--update-parallelism',
      '1',
      '--update-delay',
      '2s',
      '--image',
      image('2.0.0'),
      app,
    ]);
    probing = false;
    await prober;
    assert.match(update.stdout, /verify: Service docker-routing-mesh converged/);
    const status = await updateStatus();
    assert.equal(status.State, 'completed');
    assert.match(status.image ?? '', /^albertogviana\/docker-routing-mesh:2\.0\.0/);
    assert.match(status.previous ?? '', /^albertogviana\/docker-routing-mesh:1\.0\.0/);
    const service = await serviceOf(manager, app);
    assert.equal(service.Spec?.UpdateConfig?.Parallelism, 1);
    assert.equal(service.Spec?.UpdateConfig?.FailureAction, 'pause');
    assert.equal(service.Spec?.UpdateConfig?.Delay, 2e9);
    assert.ok(
      seen.some((b) => hostnameAnswer.test(b)),
      'old answers during the update',
    );
    assert.ok(
      seen.some((b) => b === '{"version":"2.0.0","status":"OK"}'),
      'new answers during the update',
    );
    assert.deepEqual(
      seen.filter((b) => b.startsWith('error')),
      [],
      'no failed request during the update',
    );
    for (const node of nodes) {
      assert.equal((await httpGet(node.addr, 8080, '/health')).body, '{"version":"2.0.0","status":"OK"}');
    }
    const running = await runningTasksOf(manager, app);
    assert.equal(running.length, 3);
    for (const task of running) assert.match(task.Spec?.ContainerSpec?.Image ?? '', /:2\.0\.0@sha256:/);
    await step('L10', 'update-to-2-0-0');

    // The healthcheck runs every 10 s: every 2.0.0 container turns healthy, as docker inspect on its node says.
    const byId = await nodesById(manager, nodes);
    for (const task of running) {
      const node = byId.get(task.NodeID ?? '')!;
      const id = task.Status?.ContainerStatus?.ContainerID ?? '';
      await eventually(
        async () => {
          const health = await ok(node, ['inspect', '--format', '{{.State.Health.Status}}', id]);
          return health.stdout.trim() === 'healthy' ? true : undefined;
        },
        40_000,
        `${app}.${task.Slot} on ${node.name} to be healthy`,
      );
    }
    assert.match((await ok(byId.get(running[0].NodeID ?? '')!, ['ps'])).stdout, /\(healthy\)/);
  });

  test('L10: docker service rollback goes back to 1.0.0', async () => {
    const rollback = await ok(manager, ['service', 'rollback', app]);
    assert.match(rollback.stdout, /rollback: manually requested rollback/);
    assert.match(rollback.stdout, /verify: Service docker-routing-mesh converged/);
    await eventually(
      async () => ((await updateStatus()).State === 'rollback_completed' ? true : undefined),
      60_000,
      'rollback_completed',
    );
    const status = await updateStatus();
    assert.match(status.image ?? '', /^albertogviana\/docker-routing-mesh:1\.0\.0/);
    assert.match(status.previous ?? '', /^albertogviana\/docker-routing-mesh:2\.0\.0/);
    const running = await runningTasksOf(manager, app);
    assert.equal(running.length, 3);
    for (const task of running) assert.match(task.Spec?.ContainerSpec?.Image ?? '', /:1\.0\.0@sha256:/);
    await step('L10', 'roll-back');
  });

  test('L10: an update to the broken tag rolls back by itself', async () => {
    const update = await docker(
      manager,
      [
        'service',
        'update',
        '--update-failure-action',
        'rollback',
        '--update-monitor',
        '30s',
        '--update-max-failure-ratio',
        '0.5',
        '--image',
        image('3.0.0-broken'),
        app,
      ],
      { timeoutMs: 180_000 },
    );
    note(
      `docker service update to the broken tag exited ${update.code}: ${update.stderr.trim().split('\n').at(-1)}`,
    );
    assert.match(
      `${update.stdout}${update.stderr}`,
      /rollback: update rolled back due to failure or early termination of task|rollback completed/,
    );
    await eventually(
      async () => ((await updateStatus()).State === 'rollback_completed' ? true : undefined),
      120_000,
      'the automatic rollback to complete',
    );
    const status = await updateStatus();
    assert.match(status.image ?? '', /^albertogviana\/docker-routing-mesh:1\.0\.0/);
    const tasks = await tasksOf(manager, app);
    const broken = tasks.filter((t) => /3\.0\.0-broken/.test(t.Spec?.ContainerSpec?.Image ?? ''));
    assert.ok(
      broken.some((t) => t.Status?.State === 'failed'),
      'tasks of the broken tag failed',
    );
    const running = await runningTasksOf(manager, app);
    assert.equal(running.length, 3, 'exactly 3 tasks run: one per slot');
    assert.deepEqual(running.map((t) => t.Slot).sort(), [1, 2, 3]);
    for (const task of running) assert.match(task.Spec?.ContainerSpec?.Image ?? '', /:1\.0\.0@sha256:/);
    await step('L10', 'roll-back-by-itself');
  });

  test('L11: a secret reaches the service tasks only, is never shown, and cannot be removed while in use', async () => {
    const create = await shell(manager, 'echo test | docker secret create my_secret -');
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /^[0-9a-z]{25}\n$/);
    assert.match((await ok(manager, ['secret', 'ls'])).stdout, /my_secret/);
    await step('L11', 'create-a-secret');

    await ok(manager, ['service', 'update', '--secret-add', 'my_secret', app]);
    const service = await serviceOf(manager, app);
    assert.deepEqual(
      service.Spec?.TaskTemplate?.ContainerSpec?.Secrets?.map((s) => [s.SecretName, s.File?.Name]),
      [['my_secret', 'my_secret']],
    );
    await step('L11', 'give-it-to-the-service');

    const byId = await nodesById(manager, nodes);
    const running = await runningTasksOf(manager, app);
    const hosts = new Set(running.map((t) => byId.get(t.NodeID ?? '')!));
    for (const node of hosts) {
      const cat = await shell(
        node,
        `docker exec $(docker ps -q --filter name=${app} | head -n 1) cat /run/secrets/my_secret`,
      );
      assert.equal(cat.code, 0, cat.stderr);
      assert.equal(cat.stdout, 'test\n', `the secret inside a task on ${node.name}`);
    }

    const rm = await docker(manager, ['secret', 'rm', 'my_secret']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /secret 'my_secret' is in use by the following service: docker-routing-mesh/);
  });

  test('secret data never appears in an API answer, nor in any file of any node data directory', async () => {
    const plaintexts = [proxyConfig, 'test\n'];
    const forbidden = [
      'proxy_pass',
      Buffer.from(proxyConfig).toString('base64'),
      Buffer.from('test\n').toString('base64'),
      JSON.stringify('test\n'),
    ];
    const secrets = (await engineRequest<Secret[]>(manager.dockerHost, 'GET', '/secrets')).body;
    assert.deepEqual(secrets.map((s) => s.Spec?.Name).sort(), ['default.conf', 'my_secret']);
    for (const secret of secrets) assert.equal(secret.Spec?.Data, undefined, 'no Spec.Data in a secret');
    const paths = [
      '/secrets',
      ...secrets.map((s) => `/secrets/${s.ID}`),
      '/services',
      `/services/${app}`,
      '/services/nginx',
      '/tasks',
      '/info',
      '/swarm',
      '/nodes',
      '/networks',
    ];
    const answers: [string, string][] = [];
    for (const path of paths) {
      answers.push([path, JSON.stringify((await engineRequest(manager.dockerHost, 'GET', path)).body)]);
    }
    for (const node of nodes) {
      const containers = (
        await engineRequest<{ Id: string }[]>(node.dockerHost, 'GET', '/containers/json?all=1')
      ).body;
      answers.push([`${node.name} /containers/json`, JSON.stringify(containers)]);
      for (const c of containers) {
        const inspect = (await engineRequest(node.dockerHost, 'GET', `/containers/${c.Id}/json`)).body;
        answers.push([`${node.name} /containers/${c.Id.slice(0, 12)}/json`, JSON.stringify(inspect)]);
      }
      answers.push([
        `${node.name} /info`,
        JSON.stringify((await engineRequest(node.dockerHost, 'GET', '/info')).body),
      ]);
    }
    for (const [where, body] of answers) {
      for (const text of forbidden)
        assert.ok(!body.includes(text), `${where} contains ${JSON.stringify(text)}`);
    }

    let files = 0;
    const visit = (path: string) => {
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (!stat) return;
      if (stat.isDirectory()) {
        for (const entry of readdirSync(path)) visit(join(path, entry));
        return;
      }
      if (!stat.isFile()) return;
      files++;
      const data = readFileSync(path);
      const text = data.toString('latin1');
      for (const plain of plaintexts) assert.notEqual(text, plain, `${path} holds a secret`);
      for (const needle of forbidden)
        assert.ok(!text.includes(needle), `${path} contains ${JSON.stringify(needle)}`);
    };
    for (const node of nodes) visit(node.dataDir);
    assert.ok(files > 50, `searched ${files} files`);
    note(`searched ${files} files of ${nodes.length} data directories and ${answers.length} API answers`);
  });
});
