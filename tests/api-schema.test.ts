// End to end, issue "swarmd: Docker Engine API": every endpoint a real lab's nodes serve, called as a client
// would, and every answer validated against the schema that swagger-v1.47.yaml gives for that path and
// status. The endpoints come from the daemon's own routers, so a route nobody checks fails the last test.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import type { Node, Service, Swarm, Task } from '../orchestrator/api/engine-types.js';
import { assertMatchesResponse, describeSchema, findOperation } from '../orchestrator/api/testing/schema.js';
import { apiVersion, minApiVersion } from '../orchestrator/common/version.js';
import { managerRouter } from '../orchestrator/daemon/cluster-routes.js';
import { Daemon } from '../orchestrator/daemon/daemon.js';
import { Store } from '../orchestrator/store/store.js';
import { eventually } from './support/docker.js';
import { type RawAnswer, type RawRequestOptions, rawRequest } from './support/raw-api.js';
import { refused } from './support/refusal.js';

const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-api-schema-test-'));
let handle: LabHandle;
/** swarm-1: leader; swarm-2: second manager (forwards to the leader); swarm-3: worker. */
let nodes: LabNode[];
let leader: LabNode;

const note = (line: string) => process.stdout.write(`# ${line}\n`);

/** Every API version a client may ask for, from the oldest to the current one, and no prefix at all. */
const versions = (() => {
  const [major, oldest] = minApiVersion.split('.').map(Number);
  const newest = Number(apiVersion.split('.')[1]);
  const all = Array.from({ length: newest - oldest + 1 }, (_, i) => `/v${major}.${oldest + i}`);
  return [...all, ''];
})();
let nextVersion = 0;

/** `METHOD /spec/path` -> what its success answer was checked against. */
const checked = new Map<string, string>();
/** `METHOD /spec/path` of error answers checked against ErrorResponse. */
const errorsChecked = new Set<string>();

/** Answers that stream something the definition does not describe as a body (progress lines). */
const undescribedStreams = new Set(['POST /images/create']);

function parsedBody(answer: RawAnswer, schemaType: string | undefined): unknown {
  if (schemaType === 'inline string' && answer.json === undefined) return answer.text;
  return answer.json;
}

/**
 * Calls an endpoint (through the next version prefix in turn) and checks its success answer against the
 * definition: the status is one the definition documents for the path, and the body matches its schema (or is
 * empty where none is described). Returns the parsed body.
 */
async function conform<T = unknown>(
  node: LabNode,
  method: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<T> {
  const operation = findOperation(method, path);
  assert.ok(operation, `${method} ${path} is not an operation of swagger-v1.47.yaml`);
  const prefix = versions[nextVersion++ % versions.length];
  const answer = await rawRequest(node.dockerHost, method, `${prefix}${path}`, options);
  assert.ok(
    answer.status >= 200 && answer.status < 300,
    `${method} ${prefix}${path} answered ${answer.status}: ${answer.text}`,
  );
  const key = `${operation.method} ${operation.path}`;
  const schema = operation.success.get(answer.status);
  const described = describeSchema(schema);
  let body: unknown;
  if (key === 'GET /events') {
    const lines = answer.text.split('\n').filter(Boolean);
    assert.ok(lines.length > 0, 'the events since the lab started');
    body = lines.map((line) => JSON.parse(line));
    for (const event of body as unknown[]) assertMatchesResponse(operation, answer.status, event);
  } else if (schema) {
    body = parsedBody(answer, described);
    if (described !== 'inline string') {
      assert.match(String(answer.headers['content-type']), /^application\/json/, `${key} content type`);
    }
    assertMatchesResponse(operation, answer.status, body);
  } else {
    assert.ok(operation.success.has(answer.status), `${key} answered ${answer.status}, not documented`);
    if (!undescribedStreams.has(key)) assert.equal(answer.text, '', `${key} ${answer.status} has no body`);
    body = answer.json;
  }
  checked.set(key, `${answer.status} ${described ?? 'no body'}`);
  return body as T;
}

/** Calls an endpoint that must refuse (Docker's status, an ErrorResponse body that says why); counts it. */
async function refusedAndCounted(
  node: LabNode,
  method: string,
  path: string,
  status: number,
  message: RegExp,
  options: RawRequestOptions = {},
): Promise<string> {
  const text = await refused(node, method, path, status, message, options);
  const operation = findOperation(method, path.replace(/^\/v\d+\.\d+/, ''));
  if (operation) errorsChecked.add(`${operation.method} ${operation.path}`);
  return text;
}

const fastRollout = { Parallelism: 3, Delay: 0, Monitor: 100_000_000, FailureAction: 'pause' };

const json = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/**
 * The routes the daemon serves, read from its own routers: the node's (a Daemon built but not started) and a
 * manager's (built over an empty store; listing its routes serves nothing).
 */
async function daemonRoutes(): Promise<{ method: string; path: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-routes-'));
  const daemon = new Daemon({
    name: 'routes',
    addr: '127.0.0.1',
    clusterPort: 2377,
    dataDir: dir,
    api: `unix://${join(dir, 'docker.sock')}`,
    profile: 'lab',
    lifeline: false,
  });
  try {
    const manager = managerRouter({
      store: new Store(),
      membership: { members: () => [], canRemove: () => false },
      readNodeLogs: async function* () {},
      log: () => {},
      localNetworks: () => [],
    });
    return [...daemon.router.list(), ...manager.list()];
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runningTasks(service: string): Promise<Task[]> {
  const tasks = await conform<Task[]>(leader, 'GET', `/tasks?filters=${json({ service: [service] })}`);
  return tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running');
}

async function nodeOfTask(task: Task): Promise<LabNode> {
  const node = await conform<Node>(leader, 'GET', `/nodes/${task.NodeID}`);
  const found = nodes.find((n) => n.name === node.Description?.Hostname);
  assert.ok(found, `task ${task.ID} runs on a lab node`);
  return found;
}

describe('every endpoint swarmd serves answers as swagger-v1.47.yaml defines it', () => {
  let appNetwork = '';
  let secretId = '';
  let serviceId = '';

  before(async () => {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 3 });
    nodes = handle.lab.nodes;
    leader = nodes[0];
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(labsDir, { recursive: true, force: true });
  });

  test('system endpoints, under every version prefix from /v1.24 to /v1.47', async () => {
    for (const version of versions) {
      const answer = await rawRequest(leader.dockerHost, 'GET', `${version}/version`);
      assert.equal(answer.status, 200, `${version}/version: ${answer.text}`);
      assert.equal(answer.headers['api-version'], apiVersion);
    }
    assert.equal(await conform(leader, 'GET', '/_ping'), 'OK');
    await conform(leader, 'HEAD', '/_ping');
    await conform(leader, 'GET', '/version');
    await conform(leader, 'GET', '/info');
    await refusedAndCounted(leader, 'GET', '/v1.23/version', 400, /client version 1\.23 is too old.*1\.24/);
    await refusedAndCounted(leader, 'GET', '/v1.48/version', 400, /client version 1\.48 is too new.*1\.47/);
    // Outside a swarm, cluster requests are refused with Docker's text; the local networks still list.
    await refusedAndCounted(leader, 'GET', '/nodes', 503, /not a swarm manager.*docker swarm init/);
    const local = await conform<{ Name: string; Id: string }[]>(leader, 'GET', '/networks');
    assert.deepEqual(local.map((n) => n.Name).sort(), ['bridge', 'host', 'none']);
    await conform(leader, 'GET', `/networks/${local[0].Id}`);
    await conform(leader, 'GET', '/networks/bridge');
  });

  test('swarm init and join answer as defined', async () => {
    const nodeId = await conform<string>(leader, 'POST', '/swarm/init', {
      body: { ListenAddr: leader.clusterAddr, AdvertiseAddr: leader.clusterAddr, Spec: {} },
    });
    assert.match(nodeId, /^[0-9a-z]{25}$/);
    const swarm = await conform<Swarm>(leader, 'GET', '/swarm');
    const join = (node: LabNode, token: string | undefined) =>
      conform(node, 'POST', '/swarm/join', {
        body: {
          ListenAddr: node.clusterAddr,
          AdvertiseAddr: node.clusterAddr,
          RemoteAddrs: [leader.clusterAddr],
          JoinToken: token,
        },
      });
    await join(nodes[1], swarm.JoinTokens?.Manager);
    await join(nodes[2], swarm.JoinTokens?.Worker);
    await eventually(
      async () => {
        const list = await conform<Node[]>(leader, 'GET', '/nodes');
        return list.length === 3 && list.every((n) => n.Status?.State === 'ready') ? true : undefined;
      },
      20_000,
      'three ready nodes',
    );
    await refusedAndCounted(
      nodes[2],
      'GET',
      '/nodes',
      503,
      /Worker nodes can't be used to view or modify cluster state/,
    );
  });

  test('networks, secrets, services, tasks and nodes', async () => {
    appNetwork = (
      await conform<{ Id: string }>(leader, 'POST', '/networks/create', {
        body: { Name: 'appnet', Driver: 'overlay', Attachable: true, Labels: { tier: 'app' } },
      })
    ).Id;
    const scratchNetwork = await conform<{ Id: string }>(nodes[1], 'POST', '/networks/create', {
      body: { Name: 'scratchnet', Driver: 'overlay' },
    });
    secretId = (
      await conform<{ ID: string }>(leader, 'POST', '/secrets/create', {
        body: { Name: 'app_secret', Data: Buffer.from('s3cret').toString('base64'), Labels: { a: 'b' } },
      })
    ).ID;
    const scratchSecret = await conform<{ ID: string }>(leader, 'POST', '/secrets/create', {
      body: { Name: 'scratch_secret', Data: Buffer.from('x').toString('base64') },
    });
    const created = await conform<{ ID: string }>(leader, 'POST', '/services/create', {
      body: {
        Name: 'web',
        Labels: { app: 'web' },
        TaskTemplate: {
          ContainerSpec: {
            Image: 'nginx:latest',
            Secrets: [
              {
                SecretID: secretId,
                SecretName: 'app_secret',
                File: { Name: 'app_secret', UID: '0', GID: '0', Mode: 0o444 },
              },
            ],
          },
          Networks: [{ Target: 'appnet' }],
        },
        Mode: { Replicated: { Replicas: 3 } },
        // Fast rollouts (the default monitors each for 5 s); a rollback goes by the previous spec's config.
        UpdateConfig: { ...fastRollout, Order: 'start-first' },
        RollbackConfig: fastRollout,
        EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
      },
    });
    serviceId = created.ID;
    await eventually(
      async () => ((await runningTasks('web')).length === 3 ? true : undefined),
      30_000,
      'three running web tasks',
    );

    const listed = await conform<Service[]>(leader, 'GET', '/services?status=true');
    assert.equal(listed[0].ServiceStatus?.RunningTasks, 3);
    await conform(nodes[1], 'GET', `/services?filters=${json({ name: ['web'] })}`);
    const service = await conform<Service>(leader, 'GET', `/services/${serviceId}?insertDefaults=true`);
    assert.ok(service.Spec?.TaskTemplate?.RestartPolicy, 'insertDefaults fills the restart policy');
    const plain = await conform<Service>(nodes[1], 'GET', '/services/web');
    const updated = await conform<{ Warnings?: string[] }>(
      leader,
      'POST',
      `/services/${serviceId}/update?version=${plain.Version?.Index}`,
      { body: { ...plain.Spec, Labels: { app: 'web', checked: 'yes' } } },
    );
    assert.ok(!updated.Warnings || Array.isArray(updated.Warnings));

    // A rolling update and a rollback: the service carries UpdateStatus and PreviousSpec.
    const labelled = await conform<Service>(leader, 'GET', `/services/${serviceId}`);
    const spec = structuredClone(labelled.Spec ?? {});
    spec.TaskTemplate = {
      ...spec.TaskTemplate,
      ContainerSpec: { ...spec.TaskTemplate?.ContainerSpec, Image: 'nginx:1.25' },
    };
    await conform(leader, 'POST', `/services/${serviceId}/update?version=${labelled.Version?.Index}`, {
      body: spec,
    });
    const converged = async (state: string) =>
      eventually(
        async () => {
          const current = await conform<Service>(leader, 'GET', `/services/${serviceId}`);
          return current.UpdateStatus?.State === state ? current : undefined;
        },
        30_000,
        `the web service update to be ${state}`,
      );
    const afterUpdate = await converged('completed');
    // PreviousSpec is in the engine's types (swarm.Service), not in the definition.
    const previous = (afterUpdate as Service & { PreviousSpec?: Service['Spec'] }).PreviousSpec;
    assert.equal(previous?.TaskTemplate?.ContainerSpec?.Image, 'nginx:latest');
    await conform(
      leader,
      'POST',
      `/services/web/update?version=${afterUpdate.Version?.Index}&rollback=previous`,
      {
        body: afterUpdate.Spec,
      },
    );
    await converged('rollback_completed');
    await eventually(
      async () => ((await runningTasks('web')).length === 3 ? true : undefined),
      30_000,
      'three running web tasks after the rollback',
    );
    // A global service on the workers, with more of the spec filled in.
    await conform(leader, 'POST', '/services/create', {
      body: {
        Name: 'probe',
        TaskTemplate: {
          ContainerSpec: {
            Image: 'busybox',
            Command: ['sleep', '3600'],
            Env: ['MODE=probe'],
            Hostname: '{{.Node.Hostname}}-probe',
            StopGracePeriod: 1_000_000_000,
          },
          Resources: { Limits: { MemoryBytes: 64 * 1024 * 1024 } },
          RestartPolicy: { Condition: 'on-failure', MaxAttempts: 3, Delay: 1_000_000_000 },
          Placement: { Constraints: ['node.role==worker'] },
        },
        Mode: { Global: {} },
        UpdateConfig: { Parallelism: 1, Delay: 1_000_000_000, FailureAction: 'rollback', Monitor: 1e9 },
        RollbackConfig: { Parallelism: 1, FailureAction: 'pause' },
        EndpointSpec: { Mode: 'dnsrr' },
      },
    });
    await eventually(
      async () => ((await runningTasks('probe')).length === 1 ? true : undefined),
      30_000,
      'the probe task on the worker',
    );
    const all = await conform<Service[]>(nodes[1], 'GET', '/services?status=1');
    assert.equal(all.find((s) => s.Spec?.Name === 'probe')?.ServiceStatus?.DesiredTasks, 1);
    await conform(leader, 'GET', '/services/probe?insertDefaults=true');

    const tasks = await conform<Task[]>(leader, 'GET', '/tasks');
    await conform(nodes[1], 'GET', `/tasks/${tasks[0].ID}`);
    await conform(leader, 'GET', `/tasks?filters=${json({ 'desired-state': ['running'] })}`);

    await conform(leader, 'GET', '/secrets');
    const secret = await conform<{ Version: { Index: number } }>(
      leader,
      'GET',
      `/secrets/${scratchSecret.ID}`,
    );
    await conform(leader, 'POST', `/secrets/${scratchSecret.ID}/update?version=${secret.Version.Index}`, {
      body: { Name: 'scratch_secret', Labels: { updated: 'yes' } },
    });
    await conform(leader, 'GET', '/secrets/app_secret');
    await conform(leader, 'DELETE', `/secrets/${scratchSecret.ID}`);

    const networks = await conform<{ Name: string; Scope: string }[]>(nodes[1], 'GET', '/networks');
    assert.ok(networks.some((n) => n.Name === 'ingress' && n.Scope === 'swarm'));
    await conform(leader, 'GET', `/networks/${appNetwork}`);
    await conform(leader, 'GET', '/networks/ingress');
    await conform(leader, 'GET', '/networks/bridge');
    await conform(leader, 'DELETE', `/networks/${scratchNetwork.Id}`);
    // A worker lists its own networks, as Docker's do.
    await conform(nodes[2], 'GET', '/networks');
    // Refusals forwarded from the second manager reach the client as the leader gave them.
    await refusedAndCounted(nodes[1], 'GET', '/v1.30/services/nosuch', 404, /^service nosuch not found$/);
    await refusedAndCounted(
      nodes[1],
      'POST',
      '/v1.47/services/create',
      400,
      /cannot unmarshal string .*Replicas/,
      {
        body: { Name: 'x', Mode: { Replicated: { Replicas: 'three' } } },
      },
    );
    await refusedAndCounted(nodes[1], 'POST', '/v1.47/secrets/create', 413, /request body is larger than/, {
      body: Buffer.alloc(20 * 1024 * 1024, 'a'),
    });

    const nodeList = await conform<Node[]>(nodes[1], 'GET', '/nodes');
    const worker = nodeList.find((n) => n.Description?.Hostname === nodes[2].name);
    assert.ok(worker);
    await conform(leader, 'GET', '/nodes/self');
    const inspected = await conform<Node>(leader, 'GET', `/nodes/${worker.ID}`);
    await conform(leader, 'POST', `/nodes/${worker.ID}/update?version=${inspected.Version?.Index}`, {
      body: { ...inspected.Spec, Labels: { zone: 'a' } },
    });

    const swarm = await conform<Swarm>(nodes[1], 'GET', '/swarm');
    await conform(leader, 'POST', `/swarm/update?version=${swarm.Version?.Index}`, { body: swarm.Spec });
    const key = await conform<{ UnlockKey: string }>(leader, 'GET', '/swarm/unlockkey');
    assert.equal(key.UnlockKey, '', 'no key while autolock is off');

    await conform(leader, 'GET', `/services/${serviceId}/logs?stdout=1&stderr=1`);
    await conform(leader, 'GET', `/tasks/${tasks[0].ID}/logs?stdout=1&stderr=1`);
  });

  test("a node's own containers, execs, images and events", async () => {
    const [task] = await runningTasks('web');
    const node = await nodeOfTask(task);
    const containerId = task.Status?.ContainerStatus?.ContainerID ?? '';
    const containers = await conform<{ Id: string }[]>(node, 'GET', '/containers/json');
    assert.ok(containers.some((c) => c.Id === containerId));
    await conform(
      node,
      'GET',
      `/containers/json?all=1&size=1&filters=${json({ label: ['com.docker.swarm.task'] })}`,
    );
    await conform(node, 'GET', `/containers/${containerId}/json`);
    await conform(node, 'GET', `/containers/${containerId.slice(0, 12)}/json?size=1`);
    await conform(node, 'GET', `/containers/${containerId}/logs?stdout=1&stderr=1&timestamps=1`);

    const exec = await conform<{ Id: string }>(node, 'POST', `/containers/${containerId}/exec`, {
      body: { Cmd: ['sleep', '5'], AttachStdout: true, AttachStderr: true },
    });
    await conform(node, 'GET', `/exec/${exec.Id}/json`);
    await conform(node, 'POST', `/exec/${exec.Id}/start`, { body: { Detach: true } });
    await eventually(
      async () =>
        (await conform<{ Running: boolean }>(node, 'GET', `/exec/${exec.Id}/json`)).Running
          ? true
          : undefined,
      10_000,
      'the exec to run',
    );
    await conform(node, 'POST', `/exec/${exec.Id}/resize?h=24&w=80`);

    await conform(node, 'GET', '/images/json');
    await conform(node, 'GET', `/images/json?filters=${json({ reference: ['nginx'] })}`);
    await conform(node, 'GET', '/images/nginx/json');
    await conform(node, 'GET', '/images/nginx:latest/json');
    await conform(node, 'GET', '/images/docker.io/library/nginx:latest/json');
    await conform(node, 'GET', '/images/dockersamples/visualizer/json');
    await conform(node, 'GET', '/distribution/nginx:latest/json');
    await conform(node, 'GET', '/distribution/docker.io/library/nginx/json');
    await conform(node, 'POST', '/images/create?fromImage=nginx&tag=latest');
    await refusedAndCounted(node, 'DELETE', '/v1.47/images/nginx', 409, /built in and cannot be removed/);
    await conform(node, 'POST', '/images/prune');
    await conform(node, 'POST', '/build/prune');
    await conform(node, 'POST', '/networks/prune');
    await conform(node, 'GET', '/system/df');
    await conform(leader, 'GET', `/events?since=0&until=${Math.floor(Date.now() / 1000)}`);
    await conform(leader, 'GET', `/info`);
  });

  test('stopping, killing, waiting for and removing containers', async () => {
    const [first, second] = await runningTasks('web');
    const firstNode = await nodeOfTask(first);
    const firstId = first.Status?.ContainerStatus?.ContainerID ?? '';
    await conform(firstNode, 'POST', `/containers/${firstId}/stop?t=1`);
    const waited = await conform<{ StatusCode: number }>(firstNode, 'POST', `/containers/${firstId}/wait`);
    assert.equal(typeof waited.StatusCode, 'number');
    const secondNode = await nodeOfTask(second);
    const secondId = second.Status?.ContainerStatus?.ContainerID ?? '';
    await conform(secondNode, 'POST', `/containers/${secondId}/kill?signal=SIGKILL`);
    await conform(secondNode, 'POST', `/containers/${secondId}/wait`);
    // The killed task fails (with its exit code) and shows so; its container is listed as exited.
    await eventually(
      async () => {
        const tasks = await conform<Task[]>(leader, 'GET', `/tasks?filters=${json({ service: ['web'] })}`);
        return tasks.find((t) => t.ID === second.ID && t.Status?.State === 'failed');
      },
      20_000,
      'the killed task to fail',
    );
    await conform(secondNode, 'GET', `/containers/json?all=1&filters=${json({ status: ['exited'] })}`);
    await conform(secondNode, 'GET', `/containers/${secondId}/json`);
    await conform(firstNode, 'DELETE', `/containers/${firstId}`);
    await conform(secondNode, 'POST', '/containers/prune');
  });

  test('service and secret removal, leave, node removal, autolock and unlock', async () => {
    await conform(leader, 'DELETE', `/services/${serviceId}`);
    await conform(leader, 'DELETE', '/services/probe');
    await conform(leader, 'DELETE', `/networks/${appNetwork}`);
    await conform(leader, 'DELETE', `/secrets/${secretId}`);
    const worker = (await conform<Node[]>(leader, 'GET', '/nodes')).find(
      (n) => n.Description?.Hostname === nodes[2].name,
    );
    await conform(nodes[2], 'POST', '/swarm/leave');
    await conform(nodes[2], 'GET', '/info');
    await eventually(
      async () => {
        const left = await conform<Node>(leader, 'GET', `/nodes/${worker?.ID}`);
        return left.Status?.State === 'down' ? true : undefined;
      },
      20_000,
      'the node that left to be down',
    );
    await conform(leader, 'DELETE', `/nodes/${worker?.ID}?force=1`);

    const swarm = await conform<Swarm>(leader, 'GET', '/swarm');
    await conform(leader, 'POST', `/swarm/update?version=${swarm.Version?.Index}`, {
      body: { ...swarm.Spec, EncryptionConfig: { AutoLockManagers: true } },
    });
    const { UnlockKey } = await conform<{ UnlockKey: string }>(leader, 'GET', '/swarm/unlockkey');
    assert.match(UnlockKey, /^SWMKEY-1-/);
    await refusedAndCounted(nodes[1], 'POST', '/v1.47/swarm/unlock', 409, /^swarm is not locked$/, {
      body: { UnlockKey },
    });
    // A restarted manager of an autolocked swarm comes back locked until it is given the key, once it has
    // encrypted its own key (after it applies the update: its log says when).
    const second = nodes[1];
    await eventually(
      async () =>
        readFileSync(join(second.dataDir, 'swarmd.log'), 'utf8').includes(
          "this manager's key is now encrypted",
        )
          ? true
          : undefined,
      10_000,
      `${second.name} to encrypt its key`,
    );
    const exited = new Promise<void>((resolve) =>
      handle.onNodeExit((name) => name === second.name && resolve()),
    );
    process.kill(second.pid, 'SIGTERM');
    await exited;
    const restarted = await handle.restartNode(second.name);
    await eventually(
      async () => {
        const info = await conform<{ Swarm: { LocalNodeState: string } }>(restarted, 'GET', '/info');
        return info.Swarm.LocalNodeState === 'locked' ? true : undefined;
      },
      20_000,
      'the restarted manager to be locked',
    );
    await refusedAndCounted(
      restarted,
      'GET',
      '/v1.47/nodes',
      503,
      /Swarm is encrypted and needs to be unlocked/,
    );
    await conform(restarted, 'POST', '/swarm/unlock', { body: { UnlockKey } });
  });

  test('every route the daemon serves is in the definition and was checked', async () => {
    /** Routes whose success answer the lab cannot produce; their error answers were checked instead. */
    const errorOnly: Record<string, string> = {
      'DELETE /images/{name}': "built-in images cannot be removed (409, as Docker's for an image in use)",
    };
    const routes = await daemonRoutes();
    const missing: string[] = [];
    const unknown: string[] = [];
    const table: string[] = [];
    const seen = new Set<string>();
    for (const route of routes) {
      const operation = findOperation(route.method, route.path.replace(/\{\w+\}/g, 'x'));
      if (!operation) {
        unknown.push(`${route.method} ${route.path}`);
        continue;
      }
      const key = `${operation.method} ${operation.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const what = checked.get(key);
      if (what) table.push(`${key.padEnd(34)} ${what}`);
      else if (errorOnly[key] && errorsChecked.has(key))
        table.push(`${key.padEnd(34)} error only: ${errorOnly[key]}`);
      else missing.push(key);
    }
    for (const line of table.sort()) note(line);
    note(`${seen.size} operations served, ${checked.size} success answers validated`);
    assert.deepEqual(unknown, [], 'routes the daemon serves that swagger-v1.47.yaml does not define');
    assert.deepEqual(missing, [], 'routes the daemon serves that this test did not check');
  });
});
