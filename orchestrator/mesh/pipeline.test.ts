/**
 * The mesh driven by the real managers: allocator, orchestrator, scheduler and updater write the store, the
 * table publisher sends tables as the leader would, and a node's mesh routes real traffic to real backends
 * (one per task, started when the simulated agent reports the task running, drained when it stops).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, Agent as HttpAgent, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../api/engine-types.js';
import { ensureIngressNetwork } from '../manager/allocator/networks.js';
import { createNetwork } from '../manager/controlapi/networks.js';
import { createService, updateService } from '../manager/controlapi/services.js';
import { startManagerLoops } from '../manager/loops.js';
import { addNode, localStore, simulateAgents, waitFor } from '../manager/orchestrator/test-helpers.js';
import type { TaskEndpoint } from '../store/objects.js';
import { Mesh } from './mesh.js';
import { MeshTablePublisher } from './table-publisher.js';
import { eventually, freePort, httpGet } from './testing/clients.js';
import { testEachRelay } from './testing/relays.js';
import { randomLoopback } from './testing/swarm-fixture.js';

const ms = 1_000_000;

/** A task's container: answers with its image, drains (Connection: close, no new connections) when stopped. */
async function taskBackend(host: string, image: string) {
  let draining = false;
  const server: Server = createServer((req, res) => {
    if (draining) res.shouldKeepAlive = false;
    req.resume();
    req.on('end', () => res.end(`image ${image}`));
  });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    drain() {
      draining = true;
      NetServer.prototype.close.call(server);
    },
    close() {
      server.closeAllConnections();
      NetServer.prototype.close.call(server);
    },
  };
}

testEachRelay(
  'a start-first rolling update driven by the managers loses no request through the mesh',
  async (t, relay) => {
    const store = localStore();
    for (let i = 0; i < 3; i++) await addNode(store, { hostname: `n${i}` });
    const abort = new AbortController();
    const loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
    simulateAgents(store, abort.signal);
    await ensureIngressNetwork(store);
    const network = await createNetwork(store, { Name: 'routing-mesh', Driver: 'overlay' });

    const nodeAddr = randomLoopback();
    const backendAddr = randomLoopback();
    const mesh = new Mesh({ relay, nodeAddr, nodeId: 'mesh-node', log: () => {} });
    await mesh.start();
    const publisher = new MeshTablePublisher(store, (table) => mesh.update(table), 5);
    mesh.update(publisher.current);
    publisher.start();

    // The agents' part this test plays: a running task gets a container listening somewhere, a stopped one drains.
    const backends = new Map<string, Awaited<ReturnType<typeof taskBackend>>>();
    const starting = new Set<string>();
    const unsubscribe = store.subscribe((change) => {
      for (const event of change.events) {
        if (event.table !== 'tasks' || event.action === 'delete') continue;
        const task = event.object;
        const backend = backends.get(task.ID);
        if (backend && (task.DesiredState !== 'running' || task.Status.State !== 'running')) backend.drain();
        if (
          backend ||
          starting.has(task.ID) ||
          task.Status.State !== 'running' ||
          task.DesiredState !== 'running'
        )
          continue;
        starting.add(task.ID);
        void taskBackend(backendAddr, task.Spec.ContainerSpec?.Image ?? '').then((started) => {
          backends.set(task.ID, started);
          const endpoint: TaskEndpoint = {
            targetPort: 80,
            protocol: 'tcp',
            hostAddr: backendAddr,
            hostPort: started.port,
          };
          return store.update((tx) => {
            const current = tx.get('tasks', task.ID);
            if (current) tx.update('tasks', { ...current, _endpoints: [endpoint] });
          });
        });
      }
    });
    t.after(async () => {
      unsubscribe();
      publisher.stop();
      abort.abort();
      await loops;
      await mesh.close();
      for (const backend of backends.values()) backend.close();
    });

    const published = await freePort(nodeAddr);
    const spec: ServiceSpec = {
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'app:1' }, Networks: [{ Target: network.Id }] },
      Mode: { Replicated: { Replicas: 2 } },
      UpdateConfig: {
        Parallelism: 1,
        Delay: 0,
        Monitor: 100 * ms,
        FailureAction: 'pause',
        Order: 'start-first',
      },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: published }] },
    };
    const { ID } = await createService(store, spec);
    await eventually(() => {
      assert.equal(mesh.publishedPorts.length, 1);
      assert.equal(publisher.current.services[0]?.tasks.filter((t) => t.endpoints.length).length, 2);
    }, 20_000);
    const [service] = publisher.current.services;
    assert.equal(service?.networks.length, 2, 'a virtual IP on the ingress network and on routing-mesh');
    assert.ok(service.networks.every((n) => n.vip?.startsWith('10.0.')));
    assert.ok(service.tasks.every((task) => task.addresses.length === 2));

    // Clients that open a connection per request, and clients that keep theirs.
    let running = true;
    const bodies = new Map<string, number>();
    const errors: string[] = [];
    const agents: HttpAgent[] = [];
    const client = async (agent: HttpAgent | false) => {
      while (running) {
        try {
          const body = await httpGet(nodeAddr, published, agent);
          bodies.set(body, (bodies.get(body) ?? 0) + 1);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    };
    const clients = [
      ...Array.from({ length: 3 }, () => client(false)),
      ...Array.from({ length: 3 }, () => {
        const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
        agents.push(agent);
        return client(agent);
      }),
    ];
    await sleep(300);
    const current = store.view((tx) => tx.get('services', ID))!;
    await updateService(
      store,
      ID,
      { ...current.Spec, TaskTemplate: { ...current.Spec.TaskTemplate, ContainerSpec: { Image: 'app:2' } } },
      { version: String(current.Version.Index) },
    );
    await waitFor(
      store,
      (tx) => tx.get('services', ID)?.UpdateStatus?.State === 'completed',
      'the update completed',
      30_000,
    );
    await eventually(() => {
      const tasks = publisher.current.services[0]?.tasks ?? [];
      assert.equal(tasks.filter((t) => t.endpoints.length).length, 2);
    }, 20_000);
    await sleep(300);
    running = false;
    await Promise.all(clients);
    for (const agent of agents) agent.destroy();

    assert.deepEqual(errors.slice(0, 5), []);
    assert.ok((bodies.get('image app:1') ?? 0) > 10, 'the old version served before the update');
    assert.ok((bodies.get('image app:2') ?? 0) > 10, 'the new version served after it');
    assert.ok(publisher.current.services[0]?.tasks.length === 2);
  },
);
