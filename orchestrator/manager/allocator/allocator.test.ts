import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../api/engine-types.js';
import type { TaskObject } from '../../store/objects.js';
import { createNetwork } from '../controlapi/networks.js';
import { createService, removeService, updateService } from '../controlapi/services.js';
import { startManagerLoops } from '../loops.js';
import { addNode, localStore, simulateAgents, waitFor } from '../orchestrator/test-helpers.js';
import { AddressBook } from './address-book.js';
import { ensureIngressNetwork, vxlanOption } from './networks.js';

function spec(name: string, replicas: number, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: 'nginx:latest' } },
    Mode: { Replicated: { Replicas: replicas } },
    ...extra,
  };
}

const published = (target: number, port?: number) => ({
  EndpointSpec: {
    Ports: [
      { Protocol: 'tcp' as const, TargetPort: target, PublishedPort: port, PublishMode: 'ingress' as const },
    ],
  },
});

async function setup() {
  const store = localStore();
  for (let i = 0; i < 3; i++) await addNode(store);
  const abort = new AbortController();
  const loops = startManagerLoops(store, abort.signal, { commitDebounceGapMs: 5 });
  simulateAgents(store, abort.signal);
  return {
    store,
    async stop() {
      abort.abort();
      await loops;
    },
  };
}

function addresses(tasks: TaskObject[]): string[] {
  return tasks.flatMap((t) => (t.NetworksAttachments ?? []).flatMap((a) => a.Addresses ?? []));
}

test('networks get subnets from the default pool and VXLAN ids; overlaps and a second ingress are refused', async () => {
  const store = localStore();
  const ingress = await ensureIngressNetwork(store);
  assert.deepEqual(ingress.IPAM.Config, [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }]);
  assert.equal(ingress.Spec.Options[vxlanOption], '4096');
  assert.equal((await ensureIngressNetwork(store)).ID, ingress.ID, 'created once');

  const mesh = await createNetwork(store, { Name: 'routing-mesh', Driver: 'overlay' });
  const other = await createNetwork(store, { Name: 'backend', Driver: 'overlay', Labels: { tier: 'db' } });
  const [m, o] = store.view((tx) => [tx.get('networks', mesh.Id)!, tx.get('networks', other.Id)!]);
  assert.equal(m.IPAM.Config[0].Subnet, '10.0.1.0/24');
  assert.equal(m.Spec.Options[vxlanOption], '4097');
  assert.equal(o.IPAM.Config[0].Subnet, '10.0.2.0/24');

  await assert.rejects(
    createNetwork(store, {
      Name: 'clash',
      Driver: 'overlay',
      IPAM: { Config: [{ Subnet: '10.0.1.128/25' }] },
    }),
    {
      message:
        'rpc error: code = InvalidArgument desc = invalid pool request: Pool overlaps with other one on this address space',
    },
  );
  await assert.rejects(createNetwork(store, { Name: 'ingress2', Driver: 'overlay', Ingress: true }), {
    message: `rpc error: code = AlreadyExists desc = ingress network (${ingress.ID}) is already present`,
  });
  await assert.rejects(createNetwork(store, { Name: 'routing-mesh', Driver: 'overlay' }), {
    message: 'network with name routing-mesh already exists',
  });
});

test('services get a virtual IP per network and published ports; tasks get unique addresses', async () => {
  const c = await setup();
  try {
    const ingress = await ensureIngressNetwork(c.store);
    const mesh = await createNetwork(c.store, { Name: 'routing-mesh', Driver: 'overlay' });
    const { ID } = await createService(c.store, {
      ...spec('web', 3, published(8080, 8080)),
      TaskTemplate: { ContainerSpec: { Image: 'nginx:latest' }, Networks: [{ Target: 'routing-mesh' }] },
    });
    const service = c.store.view((tx) => tx.get('services', ID))!;
    assert.deepEqual(service.Spec.TaskTemplate.Networks, [{ Target: mesh.Id }], 'network names become ids');
    assert.deepEqual(service.Endpoint?.Ports, [
      { Protocol: 'tcp', TargetPort: 8080, PublishedPort: 8080, PublishMode: 'ingress' },
    ]);
    const vips = service.Endpoint?.VirtualIPs ?? [];
    assert.deepEqual(
      vips.map((v) => v.NetworkID),
      [ingress.ID, mesh.Id],
    );
    assert.match(vips[0].Addr!, /^10\.0\.0\.\d+\/24$/);
    assert.match(vips[1].Addr!, /^10\.0\.1\.\d+\/24$/);

    const tasks = await waitFor(
      c.store,
      (tx) => {
        const all = tx.tasksByService(ID);
        return all.length === 3 && all.every((t) => t.Status.State === 'running') && all;
      },
      '3 running',
    );
    for (const task of tasks) {
      assert.deepEqual(
        task.NetworksAttachments?.map((a) => (a.Network as { Spec: { Name: string } }).Spec.Name),
        ['ingress', 'routing-mesh'],
      );
    }
    const all = [...addresses(tasks), ...vips.map((v) => v.Addr!)];
    assert.equal(new Set(all).size, all.length, 'no address is given twice');
    assert.ok(!all.some((a) => a.startsWith('10.0.0.1/') || a.startsWith('10.0.1.1/')), 'gateways stay free');
  } finally {
    await c.stop();
  }
});

test("ports: auto-assigned from 30000, kept on update, conflicts refused with Docker's message, freed on removal", async () => {
  const c = await setup();
  try {
    await ensureIngressNetwork(c.store);
    const a = await createService(c.store, spec('a', 1, published(80)));
    const b = await createService(c.store, spec('b', 1, published(80)));
    const portOf = (id: string) =>
      c.store.view((tx) => tx.get('services', id)!.Endpoint?.Ports?.[0].PublishedPort);
    assert.equal(portOf(a.ID), 30000);
    assert.equal(portOf(b.ID), 30001);

    const current = c.store.view((tx) => tx.get('services', a.ID))!;
    await updateService(
      c.store,
      a.ID,
      { ...current.Spec, Labels: { changed: 'yes' } },
      { version: String(current.Version.Index) },
    );
    assert.equal(portOf(a.ID), 30000, 'the assigned port is kept');

    const fixed = await createService(c.store, spec('fixed', 1, published(80, 8080)));
    await assert.rejects(createService(c.store, spec('clash', 1, published(81, 8080))), {
      message: `rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'fixed' (${fixed.ID}) as an ingress port`,
    });
    await assert.rejects(
      createService(c.store, spec('clash', 1, published(81, 30001))),
      /port '30001' is already in use by service 'b'/,
    );
    await removeService(c.store, 'fixed');
    await createService(c.store, spec('again', 1, published(81, 8080)));
  } finally {
    await c.stop();
  }
});

test('addresses return to the pool when tasks and services go; a full subnet leaves tasks unallocated', async () => {
  const c = await setup();
  try {
    const small = await createNetwork(c.store, {
      Name: 'small',
      Driver: 'overlay',
      IPAM: { Config: [{ Subnet: '10.9.0.0/29' }] },
    });
    const book = AddressBook.of(c.store);
    const withNetwork = (name: string, replicas: number) => ({
      ...spec(name, replicas),
      TaskTemplate: { ContainerSpec: { Image: 'nginx:latest' }, Networks: [{ Target: 'small' }] },
    });
    // A /29 has 5 host addresses besides the gateway: one VIP and four tasks.
    const { ID } = await createService(c.store, withNetwork('tight', 5));
    const [stuck] = await waitFor(
      c.store,
      (tx) => {
        const waiting = tx.tasksByService(ID).filter((t) => t.Status.State === 'new' && t.Status.Err);
        return waiting.length === 1 && waiting;
      },
      'one task without an address',
    );
    assert.equal(stuck.Status.Err, 'no IP address left on network small (10.9.0.0/29)');
    assert.equal(book.countUsed(small.Id), 5);

    await removeService(c.store, 'tight');
    await waitFor(c.store, (tx) => tx.tasksByService(ID).length === 0, 'tasks deleted');
    assert.equal(book.countUsed(small.Id), 0, 'every address released');
    const again = await createService(c.store, withNetwork('fits', 4));
    await waitFor(
      c.store,
      (tx) => tx.tasksByService(again.ID).filter((t) => t.Status.State === 'running').length === 4,
      '4 running in the reused addresses',
    );
  } finally {
    await c.stop();
  }
});
