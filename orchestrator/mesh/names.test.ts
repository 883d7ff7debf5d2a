import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Names } from './names.js';
import { Routes } from './routes.js';
import { SwarmFixture } from './testing/swarm-fixture.js';

async function names() {
  const swarm = new SwarmFixture();
  const node = await swarm.node();
  const front = await swarm.network('front', '10.0.1.0/24');
  const back = await swarm.network('back', '10.0.2.0/24');
  const api = await swarm.service('api', {
    networks: [
      { network: front, vip: '10.0.1.2/24', aliases: ['gateway'] },
      { network: back, vip: '10.0.2.2/24' },
    ],
  });
  await swarm.task(api, {
    nodeId: node,
    addresses: [
      { network: front, addr: '10.0.1.3/24' },
      { network: back, addr: '10.0.2.3/24' },
    ],
  });
  const db = await swarm.service('db', { endpointMode: 'dnsrr', networks: [{ network: back }] });
  await swarm.task(db, { nodeId: node, slot: 1, addresses: [{ network: back, addr: '10.0.2.10/24' }] });
  await swarm.task(db, { nodeId: node, slot: 2, addresses: [{ network: back, addr: '10.0.2.11/24' }] });
  return new Names(new Routes(swarm.table(), node));
}

function resolve(index: Names, name: string): string[] | undefined {
  const target = index.lookup(name);
  return target ? index.addresses(target).sort() : undefined;
}

test('a service on two networks resolves to its virtual IP on each, or on the one its name is qualified with', async () => {
  const index = await names();
  assert.deepEqual(resolve(index, 'api'), ['10.0.1.2', '10.0.2.2']);
  assert.deepEqual(resolve(index, 'api.back'), ['10.0.2.2']);
  assert.deepEqual(resolve(index, 'tasks.api.front.'), ['10.0.1.3']);
  assert.equal(resolve(index, 'api.elsewhere'), undefined);
});

test('an alias resolves on its own network only', async () => {
  const index = await names();
  assert.deepEqual(resolve(index, 'gateway'), ['10.0.1.2']);
  assert.deepEqual(resolve(index, 'gateway.front'), ['10.0.1.2']);
  assert.equal(resolve(index, 'gateway.back'), undefined);
});

test('a dnsrr service resolves to its tasks, and reverse lookups name services and tasks', async () => {
  const index = await names();
  assert.deepEqual(resolve(index, 'db'), ['10.0.2.10', '10.0.2.11']);
  assert.equal(index.reverseLookup('10.0.2.2'), 'api');
  assert.match(index.reverseLookup('10.0.2.10') ?? '', /^db\.1\.[0-9a-z]{25}$/);
  assert.equal(index.reverseLookup('10.0.9.9'), undefined);
});
