// End to end, issue "swarmd: Docker Engine API": a real lab's daemons given everything a learner (or a broken
// client) can get wrong. Each request gets Docker's status with a {"message"} that says what is wrong, and
// afterwards every daemon still answers and the cluster is exactly as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import type { Network, Node, Secret, Service, Swarm, Task } from '../orchestrator/api/engine-types.js';
import { type BodyField, findOperation, requestBodyFields } from '../orchestrator/api/testing/schema.js';
import { eventually } from './support/docker.js';
import { rawRequest } from './support/raw-api.js';
import { refused } from './support/refusal.js';

const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-bad-input-test-'));
let handle: LabHandle;
/** swarm-1: the manager; swarm-2: a worker; swarm-3: outside the swarm. */
let manager: LabNode;
let worker: LabNode;
let outsider: LabNode;
let oldWorkerToken = '';
let workerToken = '';
let managerToken = '';
let workerNodeId = '';
let webContainer: { node: LabNode; id: string };

const note = (line: string) => process.stdout.write(`# ${line}\n`);
const json = (value: unknown) => encodeURIComponent(JSON.stringify(value));

async function api<T>(node: LabNode, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await rawRequest(node.dockerHost, method, `/v1.47${path}`, { body });
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json as T;
}

/** What must not change, whatever the requests: the cluster's objects, their specs and versions. */
async function snapshot() {
  const swarm = await api<Swarm>(manager, 'GET', '/swarm');
  const nodes = await api<Node[]>(manager, 'GET', '/nodes');
  const services = await api<Service[]>(manager, 'GET', '/services');
  const secrets = await api<Secret[]>(manager, 'GET', '/secrets');
  const networks = await api<Network[]>(manager, 'GET', '/networks');
  const tasks = await api<Task[]>(manager, 'GET', '/tasks');
  const byId = <T extends { ID?: string }>(list: T[]) =>
    [...list].sort((a, b) => (a.ID ?? '').localeCompare(b.ID ?? ''));
  return {
    swarm: { ID: swarm.ID, Version: swarm.Version, Spec: swarm.Spec, JoinTokens: swarm.JoinTokens },
    nodes: byId(nodes).map((n) => ({ ID: n.ID, Version: n.Version, Spec: n.Spec, State: n.Status?.State })),
    services: byId(services).map((s) => ({ ID: s.ID, Version: s.Version, Spec: s.Spec })),
    secrets: byId(secrets),
    networks: [...networks]
      .sort((a, b) => (a.Id ?? '').localeCompare(b.Id ?? ''))
      .map((n) => ({ Id: n.Id, Name: n.Name, Driver: n.Driver, Labels: n.Labels, IPAM: n.IPAM })),
    runningTasks: tasks
      .filter((t) => t.Status?.State === 'running')
      .map((t) => t.ID)
      .sort(),
  };
}

/** A copy of `base` with the field at `path` set to `value` (`0` in a path is an array's first item). */
function withField(base: unknown, path: string[], value: unknown): unknown {
  const root = structuredClone(base) as Record<string, unknown>;
  let at: Record<string, unknown> = root;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      at[segment] = value;
      return;
    }
    const wantArray = path[i + 1] === '0';
    const existing = at[segment];
    if (wantArray ? !Array.isArray(existing) : existing === null || typeof existing !== 'object') {
      at[segment] = wantArray ? [{}] : {};
    } else if (wantArray && (existing as unknown[]).length === 0) {
      (existing as unknown[]).push({});
    }
    at = at[segment] as Record<string, unknown>;
  });
  return root;
}

/** Values of the wrong JSON type for a field, as a confused client sends them. */
function wrongValues(field: BodyField): unknown[] {
  switch (field.type) {
    case 'string':
      return [42];
    case 'integer':
      return ['42', 1.5];
    case 'number':
      return ['0.5'];
    case 'boolean':
      return ['true'];
    case 'array':
      return field.items === 'string' ? ['x', [42]] : ['x'];
    case 'object':
      return ['x', []];
  }
}

/** The field as a message names it: its own name, or its map's or list's for an item. */
function fieldName(path: string[]): string {
  return [...path].reverse().find((segment, i) => i > 0 || (segment !== '0' && segment !== 'k')) ?? '';
}

describe('bad input gets Docker-style 4xx answers and changes nothing', () => {
  let initial: Awaited<ReturnType<typeof snapshot>>;

  before(async () => {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 3 });
    [manager, worker, outsider] = handle.lab.nodes;
    await api(manager, 'POST', '/swarm/init', {
      ListenAddr: manager.clusterAddr,
      AdvertiseAddr: manager.clusterAddr,
    });
    const swarm = await api<Swarm>(manager, 'GET', '/swarm');
    oldWorkerToken = swarm.JoinTokens?.Worker ?? '';
    managerToken = swarm.JoinTokens?.Manager ?? '';
    await api(worker, 'POST', '/swarm/join', {
      ListenAddr: worker.clusterAddr,
      AdvertiseAddr: worker.clusterAddr,
      RemoteAddrs: [manager.clusterAddr],
      JoinToken: oldWorkerToken,
    });
    await api(
      manager,
      'POST',
      `/swarm/update?version=${swarm.Version?.Index}&rotateWorkerToken=true`,
      swarm.Spec,
    );
    workerToken = (await api<Swarm>(manager, 'GET', '/swarm')).JoinTokens?.Worker ?? '';
    assert.notEqual(workerToken, oldWorkerToken);
    await api(manager, 'POST', '/networks/create', { Name: 'appnet', Driver: 'overlay' });
    const secret = await api<{ ID: string }>(manager, 'POST', '/secrets/create', {
      Name: 'app_secret',
      Data: Buffer.from('s3cret').toString('base64'),
    });
    await api(manager, 'POST', '/services/create', {
      Name: 'web',
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx',
          Secrets: [
            {
              SecretID: secret.ID,
              SecretName: 'app_secret',
              File: { Name: 'app_secret', UID: '0', GID: '0', Mode: 292 },
            },
          ],
        },
        Networks: [{ Target: 'appnet' }],
      },
      Mode: { Replicated: { Replicas: 2 } },
    });
    const running = await eventually(
      async () => {
        const tasks = (await api<Task[]>(manager, 'GET', '/tasks')).filter(
          (t) => t.Status?.State === 'running',
        );
        return tasks.length === 2 ? tasks : undefined;
      },
      30_000,
      'two running web tasks',
    );
    const nodes = await api<Node[]>(manager, 'GET', '/nodes');
    workerNodeId = nodes.find((n) => n.Description?.Hostname === worker.name)?.ID ?? '';
    const onNode = nodes.find((n) => n.ID === running[0].NodeID)?.Description?.Hostname;
    webContainer = {
      node: handle.lab.nodes.find((n) => n.name === onNode) ?? manager,
      id: running[0].Status?.ContainerStatus?.ContainerID ?? '',
    };
    initial = await snapshot();
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(labsDir, { recursive: true, force: true });
  });

  test('malformed, mistyped and oversized bodies', async () => {
    const create = '/v1.47/services/create';
    const invalidJson = /invalid JSON/;
    await refused(manager, 'POST', create, 400, invalidJson, { body: '{"Name": "web", ' });
    await refused(manager, 'POST', create, 400, invalidJson, { body: '{"Name": web}' });
    await refused(manager, 'POST', create, 400, invalidJson, { body: Buffer.from([0xff, 0xfe, 0x00]) });
    await refused(manager, 'POST', create, 400, invalidJson, { body: '['.repeat(1_000_000) });
    for (const body of ['[]', '"web"', '3', 'true']) {
      await refused(
        manager,
        'POST',
        create,
        400,
        /cannot unmarshal \w+ into Go value of type swarm\.ServiceSpec/,
        {
          body,
        },
      );
    }
    // No body, or null, is an empty spec (as Go decodes it), which lacks the container to run.
    for (const body of ['', 'null']) {
      await refused(
        manager,
        'POST',
        create,
        400,
        /mismatched Runtime and \*Spec fields: give .*ContainerSpec/,
        {
          body,
        },
      );
    }
    await refused(manager, 'POST', create, 400, /unsupported Content-Type header \(text\/plain\)/, {
      body: { Name: 'x', TaskTemplate: { ContainerSpec: { Image: 'nginx' } } },
      contentType: 'text/plain',
    });
    const spec = (replicas: unknown) => ({
      Name: 'mutant',
      TaskTemplate: { ContainerSpec: { Image: 'nginx' } },
      Mode: { Replicated: { Replicas: replicas } },
    });
    await refused(
      manager,
      'POST',
      create,
      400,
      /cannot unmarshal string into Go struct field .*Replicas of type uint64/,
      {
        body: spec('three'),
      },
    );
    await refused(manager, 'POST', create, 400, /cannot unmarshal number -1 .*Replicas/, { body: spec(-1) });
    await refused(manager, 'POST', create, 400, /cannot unmarshal number .*Replicas/, { body: spec(1.5) });
    // Unknown fields are ignored, as Go's decoder does, but do not hide a known field's error.
    await refused(manager, 'POST', create, 400, /Replicas/, { body: { ...spec('x'), Bogus: { Deep: [1] } } });
    await refused(manager, 'POST', create, 400, /name must be 63 characters or fewer/, {
      body: { ...spec(1), Name: 'a'.repeat(64) },
    });
    await refused(manager, 'POST', create, 400, /image reference must be provided/, {
      body: { Name: 'mutant', TaskTemplate: { ContainerSpec: {} } },
    });
    await refused(manager, 'POST', create, 400, /is not a valid repository\/tag/, {
      body: { Name: 'mutant', TaskTemplate: { ContainerSpec: { Image: 'NGINX!!' } } },
    });
    await refused(manager, 'POST', create, 409, /already exists/, {
      body: { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'nginx' } } },
    });
    await refused(manager, 'POST', create, 404, /network nosuchnet not found/, {
      body: {
        ...spec(1),
        TaskTemplate: { ContainerSpec: { Image: 'nginx' }, Networks: [{ Target: 'nosuchnet' }] },
      },
    });
    await refused(manager, 'POST', '/v1.47/secrets/create', 409, /already exists/, {
      body: { Name: 'app_secret', Data: 'eA==' },
    });
    await refused(manager, 'POST', '/v1.47/secrets/create', 400, /base64/, {
      body: { Name: 'mutant', Data: '***' },
    });
    await refused(manager, 'POST', '/v1.47/secrets/create', 400, /less than 512000 bytes/, {
      body: { Name: 'mutant', Data: Buffer.alloc(600 * 1024).toString('base64') },
    });
    await refused(manager, 'POST', '/v1.47/networks/create', 409, /already exists/, {
      body: { Name: 'appnet', Driver: 'overlay' },
    });
    await refused(manager, 'POST', '/v1.47/networks/create', 403, /pre-defined network/, {
      body: { Name: 'host', Driver: 'overlay' },
    });

    // 20 MB: refused as soon as it passes the limit, with an answer the client can read.
    const huge = Buffer.alloc(20 * 1024 * 1024, 'a');
    for (const path of [create, '/v1.47/secrets/create', '/v1.47/swarm/join']) {
      await refused(manager, 'POST', path, 413, /request body is larger than \d+ bytes/, { body: huge });
    }
    const hugeJson = Buffer.from(JSON.stringify({ Name: 'mutant', Data: 'a'.repeat(20 * 1024 * 1024) }));
    await refused(outsider, 'POST', '/v1.47/swarm/init', 413, /larger than/, { body: hugeJson });
  });

  test('every field of every request body refuses a value of the wrong type', async () => {
    const service = await api<Service>(manager, 'GET', '/services/web');
    const node = await api<Node>(manager, 'GET', `/nodes/${workerNodeId}`);
    const swarm = await api<Swarm>(manager, 'GET', '/swarm');
    const secret = await api<Secret>(manager, 'GET', '/secrets/app_secret');
    const exec = await api<{ Id: string }>(webContainer.node, 'POST', `/containers/${webContainer.id}/exec`, {
      Cmd: ['true'],
    });
    const targets: { node: LabNode; path: string; base: unknown }[] = [
      {
        node: manager,
        path: '/services/create',
        base: {
          Name: 'mutant',
          TaskTemplate: { ContainerSpec: { Image: 'nginx' } },
          Mode: { Replicated: { Replicas: 1 } },
        },
      },
      { node: manager, path: `/services/web/update?version=${service.Version?.Index}`, base: service.Spec },
      {
        node: manager,
        path: `/nodes/${workerNodeId}/update?version=${node.Version?.Index}`,
        base: node.Spec,
      },
      { node: manager, path: `/swarm/update?version=${swarm.Version?.Index}`, base: swarm.Spec },
      { node: manager, path: '/secrets/create', base: { Name: 'mutant', Data: 'eA==' } },
      {
        node: manager,
        path: `/secrets/${secret.ID}/update?version=${secret.Version?.Index}`,
        base: secret.Spec,
      },
      { node: manager, path: '/networks/create', base: { Name: 'mutant', Driver: 'overlay' } },
      { node: webContainer.node, path: `/containers/${webContainer.id}/exec`, base: { Cmd: ['true'] } },
      { node: webContainer.node, path: `/exec/${exec.Id}/start`, base: { Detach: true } },
      // Sent where the request itself cannot succeed (already in a swarm, not locked): only the body's shape
      // can be refused with 400.
      { node: manager, path: '/swarm/init', base: { ListenAddr: manager.clusterAddr } },
      {
        node: manager,
        path: '/swarm/join',
        base: { RemoteAddrs: [manager.clusterAddr], JoinToken: workerToken },
      },
      { node: manager, path: '/swarm/unlock', base: { UnlockKey: 'SWMKEY-1-x' } },
    ];
    const failures: string[] = [];
    let sent = 0;
    for (const target of targets) {
      const operation = findOperation('POST', target.path.split('?')[0]);
      assert.ok(operation, `POST ${target.path} is in the definition`);
      for (const field of requestBodyFields(operation)) {
        for (const value of wrongValues(field)) {
          const body = withField(target.base, field.path, value);
          const answer = await rawRequest(target.node.dockerHost, 'POST', `/v1.47${target.path}`, { body });
          sent += 1;
          const what = `POST ${operation.path} ${field.path.join('.')}=${JSON.stringify(value)}`;
          const message = (answer.json as { message?: string } | undefined)?.message ?? answer.text;
          if (
            answer.status !== 400 ||
            !/cannot unmarshal/.test(message) ||
            !message.includes(fieldName(field.path))
          ) {
            failures.push(`${what} -> ${answer.status} ${message.slice(0, 160)}`);
          }
          if (answer.status < 300) {
            // Accepted: undo what can be undone so later checks stay meaningful (the test fails anyway).
            if (operation.path === '/services/create')
              await rawRequest(manager.dockerHost, 'DELETE', '/services/mutant');
            if (operation.path === '/secrets/create')
              await rawRequest(manager.dockerHost, 'DELETE', '/secrets/mutant');
            if (operation.path === '/networks/create')
              await rawRequest(manager.dockerHost, 'DELETE', '/networks/mutant');
          }
        }
      }
    }
    note(`${sent} mistyped bodies sent, ${failures.length} not refused as Docker does`);
    assert.deepEqual(failures, []);
  });

  test('joins and inits that cannot work', async () => {
    const join = (token: string, remote: string) => ({
      body: {
        ListenAddr: outsider.clusterAddr,
        AdvertiseAddr: outsider.clusterAddr,
        RemoteAddrs: [remote],
        JoinToken: token,
      },
    });
    const path = '/v1.47/swarm/join';
    await refused(
      outsider,
      'POST',
      path,
      400,
      /invalid join token/,
      join('SWMTKN-1-bogus', manager.clusterAddr),
    );
    await refused(outsider, 'POST', path, 400, /invalid join token/, join('', manager.clusterAddr));
    await refused(
      outsider,
      'POST',
      path,
      400,
      /A valid join token is necessary to join this cluster/,
      join(oldWorkerToken, manager.clusterAddr),
    );
    // Well formed, but its digest pins another swarm's CA.
    const wrongSwarm = `${workerToken.slice(0, 9)}${'0'.repeat(50)}${workerToken.slice(59)}`;
    await refused(
      outsider,
      'POST',
      path,
      400,
      /error while validating Root CA Certificate/,
      join(wrongSwarm, manager.clusterAddr),
    );
    await refused(
      outsider,
      'POST',
      path,
      400,
      /this node is not a manager: join the swarm through a manager.s address/,
      join(workerToken, worker.clusterAddr),
    );
    // Nothing answers there: unavailable (Docker's 503, after its join timeout), saying what to check.
    const nowhere = `${outsider.addr.replace(/\.\d+$/, '.250')}:2377`;
    await refused(
      outsider,
      'POST',
      path,
      503,
      /could not reach the manager at .*Check the address/,
      join(workerToken, nowhere),
    );
    await refused(outsider, 'POST', path, 400, /RemoteAddrs/, {
      body: { JoinToken: workerToken, RemoteAddrs: [] },
    });
    await refused(outsider, 'POST', path, 400, /RemoteAddrs/, { body: { JoinToken: workerToken } });
    await refused(
      outsider,
      'POST',
      path,
      400,
      /invalid RemoteAddrs "not an address": give an address and port/,
      join(workerToken, 'not an address'),
    );
    const info = await api<{ Swarm: { LocalNodeState: string } }>(outsider, 'GET', '/info');
    assert.equal(info.Swarm.LocalNodeState, 'inactive', 'refused joins leave the node outside');

    const alreadyIn = /This node is already part of a swarm\. Use "docker swarm leave"/;
    await refused(manager, 'POST', '/v1.47/swarm/init', 503, alreadyIn, {
      body: { ListenAddr: manager.clusterAddr },
    });
    await refused(worker, 'POST', '/v1.47/swarm/init', 503, alreadyIn, { body: {} });
    await refused(worker, 'POST', path, 503, alreadyIn, join(managerToken, manager.clusterAddr));
    await refused(outsider, 'POST', '/v1.47/swarm/init', 400, /invalid ListenAddr "not an address"/, {
      body: { ListenAddr: 'not an address' },
    });
    await refused(
      outsider,
      'POST',
      '/v1.47/swarm/init',
      400,
      /advertise address must be this node's address/,
      {
        body: { AdvertiseAddr: '10.1.2.3' },
      },
    );
    await refused(outsider, 'POST', '/v1.47/swarm/unlock', 503, /not part of a swarm|not locked/, {
      body: { UnlockKey: 'x' },
    });
    await refused(outsider, 'POST', '/v1.47/swarm/leave', 503, /This node is not part of a swarm/);
    await refused(manager, 'POST', '/v1.47/swarm/leave', 503, /--force/);
  });

  test('unknown nodes, services, secrets, networks, tasks, containers, execs and images', async () => {
    const cases: [LabNode, string, string, RegExp, unknown?][] = [
      [manager, 'GET', '/nodes/nosuchnode', /node nosuchnode not found/],
      [
        manager,
        'POST',
        '/nodes/nosuchnode/update?version=1',
        /node nosuchnode not found/,
        { Role: 'worker', Availability: 'active' },
      ],
      [manager, 'DELETE', '/nodes/nosuchnode', /node nosuchnode not found/],
      [manager, 'GET', '/services/nosuchservice', /service nosuchservice not found/],
      [
        manager,
        'POST',
        '/services/nosuchservice/update?version=1',
        /service nosuchservice not found/,
        { Name: 'nosuchservice', TaskTemplate: { ContainerSpec: { Image: 'nginx' } } },
      ],
      [manager, 'DELETE', '/services/nosuchservice', /service nosuchservice not found/],
      [manager, 'GET', '/services/nosuchservice/logs?stdout=1', /service nosuchservice not found/],
      [manager, 'GET', '/secrets/nosuchsecret', /secret nosuchsecret not found/],
      [
        manager,
        'POST',
        '/secrets/nosuchsecret/update?version=1',
        /secret nosuchsecret not found/,
        { Name: 'nosuchsecret' },
      ],
      [manager, 'DELETE', '/secrets/nosuchsecret', /secret nosuchsecret not found/],
      [manager, 'GET', '/networks/nosuchnet', /network nosuchnet not found/],
      [manager, 'DELETE', '/networks/nosuchnet', /network nosuchnet not found/],
      [manager, 'GET', '/tasks/nosuchtask', /task nosuchtask not found/],
      [manager, 'GET', '/tasks/nosuchtask/logs?stdout=1', /task nosuchtask not found/],
      [
        manager,
        'GET',
        `/tasks?filters=${json({ service: ['nosuchservice'] })}`,
        /service nosuchservice not found/,
      ],
      [manager, 'GET', `/tasks?filters=${json({ node: ['nosuchnode'] })}`, /node nosuchnode not found/],
      [worker, 'GET', '/networks/nosuchnet', /network nosuchnet not found/],
      [manager, 'GET', '/containers/nosuchcontainer/json', /No such container: nosuchcontainer/],
      [manager, 'GET', '/containers/nosuchcontainer/logs?stdout=1', /No such container: nosuchcontainer/],
      [manager, 'POST', '/containers/nosuchcontainer/stop', /No such container: nosuchcontainer/],
      [manager, 'POST', '/containers/nosuchcontainer/kill', /No such container: nosuchcontainer/],
      [manager, 'POST', '/containers/nosuchcontainer/wait', /No such container: nosuchcontainer/],
      [manager, 'DELETE', '/containers/nosuchcontainer', /No such container: nosuchcontainer/],
      [
        manager,
        'POST',
        '/containers/nosuchcontainer/exec',
        /No such container: nosuchcontainer/,
        { Cmd: ['true'] },
      ],
      [manager, 'GET', '/exec/nosuchexec/json', /No such exec instance: nosuchexec/],
      [manager, 'POST', '/exec/nosuchexec/start', /No such exec instance: nosuchexec/, { Detach: true }],
      [manager, 'POST', '/exec/nosuchexec/resize?h=1&w=1', /No such exec instance: nosuchexec/],
      [manager, 'GET', '/images/nosuchimage/json', /No such image: nosuchimage/],
      [manager, 'DELETE', '/images/nosuchimage', /No such image: nosuchimage/],
      [manager, 'GET', '/distribution/nosuchimage/json', /manifest for nosuchimage.* not found/],
      [
        manager,
        'POST',
        '/images/create?fromImage=nosuchimage&tag=latest',
        /pull access denied for nosuchimage/,
      ],
    ];
    for (const [node, method, path, message, body] of cases) {
      await refused(node, method, `/v1.47${path}`, 404, message, { body });
    }
  });

  test('bad filters and query values', async () => {
    const bad: [LabNode, string, string, RegExp][] = [
      [manager, 'GET', `/services?filters=${encodeURIComponent('{"name":')}`, /invalid filter/],
      [manager, 'GET', `/services?filters=${json(['name'])}`, /invalid filter/],
      [manager, 'GET', `/services?filters=${json({ bogus: ['x'] })}`, /invalid filter 'bogus'/],
      [manager, 'GET', `/services?filters=${json({ name: 'web' })}`, /invalid filter 'name'/],
      [
        manager,
        'GET',
        `/services?filters=${json({ mode: ['sideways'] })}`,
        /Invalid filter: 'mode'='sideways'/,
      ],
      [manager, 'GET', `/nodes?filters=${json({ role: ['boss'] })}`, /Invalid role filter: 'boss'/],
      [
        manager,
        'GET',
        `/nodes?filters=${json({ membership: ['maybe'] })}`,
        /Invalid membership filter: 'maybe'/,
      ],
      [manager, 'GET', `/nodes?filters=${encodeURIComponent('{{')}`, /invalid filter/],
      [
        manager,
        'GET',
        `/tasks?filters=${json({ 'desired-state': ['dancing'] })}`,
        /Invalid desired-state filter: 'dancing'/,
      ],
      [manager, 'GET', `/tasks?filters=${json({ bogus: ['x'] })}`, /invalid filter 'bogus'/],
      [manager, 'GET', `/secrets?filters=${json({ bogus: ['x'] })}`, /invalid filter 'bogus'/],
      [manager, 'GET', `/networks?filters=${json({ type: ['weird'] })}`, /invalid filter: 'type'='weird'/],
      [
        manager,
        'GET',
        `/networks?filters=${json({ scope: ['galaxy'] })}`,
        /invalid filter: 'scope'='galaxy'/,
      ],
      [
        manager,
        'GET',
        `/containers/json?filters=${json({ status: ['sleeping'] })}`,
        /invalid filter 'status=sleeping'/,
      ],
      [manager, 'GET', '/containers/json?limit=lots', /invalid limit "lots"/],
      [manager, 'GET', `/images/json?filters=${json({ bogus: ['x'] })}`, /invalid filter 'bogus'/],
      [
        manager,
        'GET',
        `/events?since=yesterday&until=${Math.floor(Date.now() / 1000)}`,
        /invalid value for "since"/,
      ],
      [manager, 'GET', `/events?filters=${json({ bogus: ['x'] })}`, /invalid filter 'bogus'/],
      [manager, 'GET', '/services/web/logs', /you must choose at least one stream/],
      [manager, 'GET', '/services/web/logs?stdout=1&tail=many', /invalid value for "tail"/],
      [webContainer.node, 'POST', `/containers/${webContainer.id}/stop?t=soon`, /invalid value for "t"/],
      [
        webContainer.node,
        'POST',
        `/containers/${webContainer.id}/kill?signal=${encodeURIComponent('SIG KILL!')}`,
        /invalid signal/,
      ],
      [manager, 'POST', '/images/create', /fromImage is required/],
      [
        manager,
        'GET',
        '/distribution/NGINX!!/json',
        /invalid reference format|repository name must be lowercase/,
      ],
    ];
    for (const [node, method, path, message] of bad) {
      await refused(node, method, `/v1.47${path}`, 400, message);
    }
    const exec = await api<{ Id: string }>(webContainer.node, 'POST', `/containers/${webContainer.id}/exec`, {
      Cmd: ['true'],
    });
    await refused(
      webContainer.node,
      'POST',
      `/v1.47/exec/${exec.Id}/resize?h=tall&w=80`,
      400,
      /resize needs h and w/,
    );
  });

  test('stale versions and impossible updates', async () => {
    const node = await api<Node>(manager, 'GET', `/nodes/${workerNodeId}`);
    const version = node.Version?.Index ?? 0;
    const nodeUpdate = (query: string, body: unknown = node.Spec) =>
      refused(manager, 'POST', `/v1.47/nodes/${workerNodeId}/update${query}`, 400, /./, { body });
    for (const query of ['', '?version=', '?version=abc', '?version=-1', '?version=1.5']) {
      const message = await nodeUpdate(query);
      assert.match(message, /invalid version.*Version\.Index/);
    }
    assert.match(await nodeUpdate(`?version=${version - 1}`), /update out of sequence/);
    assert.match(
      await nodeUpdate(`?version=${version}`, { ...node.Spec, Role: 'boss' }),
      /invalid role "boss"/,
    );
    assert.match(
      await nodeUpdate(`?version=${version}`, { ...node.Spec, Availability: 'sleep' }),
      /invalid availability "sleep"/,
    );
    const managerNode = (await api<Node[]>(manager, 'GET', '/nodes')).find((n) => n.ID !== workerNodeId);
    await refused(
      manager,
      'POST',
      `/v1.47/nodes/${managerNode?.ID}/update?version=${managerNode?.Version?.Index}`,
      400,
      /attempting to demote the last manager of the swarm/,
      { body: { ...managerNode?.Spec, Role: 'worker' } },
    );
    await refused(manager, 'DELETE', `/v1.47/nodes/${workerNodeId}`, 400, /is not down and can't be removed/);
    await refused(
      manager,
      'DELETE',
      `/v1.47/nodes/${managerNode?.ID}?force=1`,
      400,
      /must be demoted to worker before removal/,
    );

    const service = await api<Service>(manager, 'GET', '/services/web');
    const serviceVersion = service.Version?.Index ?? 0;
    const update = (query: string, status: number, message: RegExp, body: unknown = service.Spec) =>
      refused(manager, 'POST', `/v1.47/services/web/update${query}`, status, message, { body });
    await update('', 400, /invalid service version ''/);
    await update('?version=abc', 400, /invalid service version 'abc'/);
    await update(`?version=${serviceVersion - 1}`, 400, /update out of sequence/);
    await update(
      `?version=${serviceVersion}&rollback=sideways`,
      400,
      /unrecognized rollback option sideways/,
    );
    await update(`?version=${serviceVersion}&rollback=previous`, 400, /does not have a previous spec/);

    const swarm = await api<Swarm>(manager, 'GET', '/swarm');
    const swarmUpdate = (query: string, message: RegExp, body: unknown = swarm.Spec) =>
      refused(manager, 'POST', `/v1.47/swarm/update${query}`, 400, message, { body });
    await swarmUpdate('', /invalid version/);
    await swarmUpdate(`?version=${(swarm.Version?.Index ?? 0) - 1}`, /update out of sequence/);
    await swarmUpdate(`?version=${swarm.Version?.Index}`, /minimum certificate expiry time is: 1h0m0s/, {
      ...swarm.Spec,
      CAConfig: { NodeCertExpiry: 1_000_000_000 },
    });

    const secret = await api<Secret>(manager, 'GET', '/secrets/app_secret');
    await refused(
      manager,
      'POST',
      `/v1.47/secrets/${secret.ID}/update?version=${secret.Version?.Index}`,
      400,
      /only updates to Labels are allowed/,
      {
        body: { Name: 'renamed' },
      },
    );
    await refused(manager, 'POST', `/v1.47/secrets/${secret.ID}/update?version=x`, 400, /invalid version/, {
      body: secret.Spec,
    });
    await refused(
      manager,
      'DELETE',
      `/v1.47/secrets/${secret.ID}`,
      400,
      /secret 'app_secret' is in use by the following service: web/,
    );
    await refused(manager, 'DELETE', '/v1.47/networks/appnet', 400, /is in use by service/);
    await refused(
      manager,
      'DELETE',
      '/v1.47/networks/bridge',
      403,
      /bridge is a pre-defined network and cannot be removed/,
    );
    await refused(
      webContainer.node,
      'DELETE',
      `/v1.47/containers/${webContainer.id}`,
      409,
      /container is running: stop the container before removing or force remove/,
    );
    await refused(
      webContainer.node,
      'POST',
      `/v1.47/containers/${webContainer.id}/exec`,
      400,
      /No exec command specified/,
      { body: {} },
    );
    await refused(webContainer.node, 'DELETE', '/v1.47/images/nginx', 409, /cannot be removed/);
  });

  test('unknown paths, wrong methods and refused places', async () => {
    for (const path of [
      '/nosuch',
      '/v1.47/nosuch',
      '/v1.47/services/web/bogus',
      '/v1.47/configs',
      '/v1.47/plugins',
      '/v1.47/volumes',
      '/vx/version',
    ]) {
      await refused(manager, 'GET', path, 404, /page not found/);
    }
    await refused(
      manager,
      'GET',
      '/v1.99/version',
      400,
      /client version 1\.99 is too new\. Maximum supported API version is 1\.47/,
    );
    await refused(
      manager,
      'GET',
      '/v1.12/version',
      400,
      /client version 1\.12 is too old\. Minimum supported API version is 1\.24/,
    );
    const wrongMethods: [string, string][] = [
      ['DELETE', '/version'],
      ['POST', '/info'],
      ['PUT', '/services/create'],
      ['PUT', '/services/web'],
      ['POST', '/nodes'],
      ['GET', '/swarm/init'],
      ['PATCH', '/_ping'],
      ['DELETE', '/swarm'],
      ['POST', '/containers/json'],
      ['DELETE', '/tasks/x'],
    ];
    for (const [method, path] of wrongMethods) {
      await refused(
        manager,
        method,
        `/v1.47${path}`,
        405,
        new RegExp(`method ${method} is not allowed on ${path}`),
      );
    }
    await refused(
      worker,
      'GET',
      '/v1.47/services',
      503,
      /Worker nodes can't be used to view or modify cluster state/,
    );
    await refused(worker, 'POST', '/v1.47/services/create', 503, /Worker nodes can't be used/, {
      body: { Name: 'x', TaskTemplate: { ContainerSpec: { Image: 'nginx' } } },
    });
    await refused(
      outsider,
      'GET',
      '/v1.47/nodes',
      503,
      /This node is not a swarm manager\. Use "docker swarm init"/,
    );
    await refused(
      outsider,
      'GET',
      '/v1.47/swarm',
      503,
      /This node is not a swarm manager|not part of a swarm/,
    );
  });

  test('afterwards every daemon answers and the cluster is unchanged', async () => {
    for (const node of handle.lab.nodes) {
      const ping = await rawRequest(node.dockerHost, 'GET', '/_ping');
      assert.equal(ping.status, 200, `${node.name} answers /_ping`);
      assert.equal(ping.text, 'OK');
      process.kill(node.pid, 0);
    }
    assert.deepEqual(await snapshot(), initial);
    const info = await api<{ Swarm: { LocalNodeState: string } }>(outsider, 'GET', '/info');
    assert.equal(info.Swarm.LocalNodeState, 'inactive');
    for (const node of handle.lab.nodes) {
      const log = readFileSync(join(node.dataDir, 'swarmd.log'), 'utf8');
      // The daemon logs every 5xx; Docker's own 503s (not a manager, already in a swarm) are ApiErrors.
      const crashes = log.split('\n').filter((line) => /\bAPI \S+ \S+ failed: (?!ApiError:)/.test(line));
      assert.deepEqual(crashes, [], `${node.name} answered no request with an internal error`);
    }
  });
});
