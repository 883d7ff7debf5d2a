import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { engineRequest } from '../../orchestrator/api/client.js';
import type { Lab } from '../provider.js';
import { isProcess } from '../registry.js';
import { LocalProvider } from './local-provider.js';

const root = new URL('../../../', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'swarmlab-home-'));
const run = promisify(execFile);
const swarmlab = (...args: string[]) =>
  run(process.execPath, [`${root}bin/swarmlab.js`, ...args], {
    env: { ...process.env, SWARMLAB_HOME: home },
  });

after(() => rmSync(home, { recursive: true, force: true }));

async function waitGone(pids: number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((pid) => isProcess(pid, [])) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a local lab runs one swarmd per node on its own loopback address, and destroy ends them', async () => {
  const provider = new LocalProvider({ labsDir: join(home, 'in-process') });
  const steps: string[] = [];
  const handle = await provider.create({ nodes: 3 }, (event) => steps.push(event.step));
  const { nodes } = handle.lab;
  assert.deepEqual(
    nodes.map((n) => n.name),
    ['swarm-1', 'swarm-2', 'swarm-3'],
  );
  assert.equal(new Set(nodes.map((n) => n.addr)).size, 3, 'distinct addresses');
  for (const node of nodes) {
    const ping = await engineRequest(node.dockerHost, 'GET', '/_ping');
    assert.equal(ping.body, 'OK');
    const info = await engineRequest<{ Name: string }>(node.dockerHost, 'GET', '/info');
    assert.equal(info.body.Name, node.name);
  }
  assert.ok(steps.includes('ready'));
  await handle.destroy();
  await waitGone(nodes.map((n) => n.pid));
  for (const node of nodes) assert.equal(isProcess(node.pid, []), false, `${node.name} still runs`);
});

test('two labs at once get different addresses', async () => {
  const provider = new LocalProvider({ labsDir: join(home, 'parallel') });
  const [a, b] = await Promise.all([provider.create({ nodes: 2 }), provider.create({ nodes: 2 })]);
  try {
    const addrs = [...a.lab.nodes, ...b.lab.nodes].map((n) => n.addr);
    assert.equal(new Set(addrs).size, 4);
  } finally {
    await Promise.all([a.destroy(), b.destroy()]);
  }
});

test('swarmlab lab up --json / ls / down, and no node survives its supervisor', async () => {
  const { stdout } = await swarmlab('lab', 'up', '--nodes', '2', '--json');
  const lab = JSON.parse(stdout) as Lab;
  assert.equal(lab.nodes.length, 2);
  for (const node of lab.nodes) {
    assert.deepEqual(Object.keys(node).sort(), [
      'addr',
      'clusterAddr',
      'dataDir',
      'dockerHost',
      'name',
      'pid',
    ]);
    assert.equal((await engineRequest(node.dockerHost, 'GET', '/_ping')).body, 'OK');
  }
  const listed = JSON.parse((await swarmlab('lab', 'ls', '--json')).stdout) as (Lab & {
    supervisorPid: number;
  })[];
  const record = listed.find((r) => r.id === lab.id);
  assert.ok(record, 'lab ls lists the lab');

  process.kill(record.supervisorPid, 'SIGKILL');
  await waitGone(lab.nodes.map((n) => n.pid));
  for (const node of lab.nodes)
    assert.equal(isProcess(node.pid, []), false, `${node.name} outlived its supervisor`);

  assert.equal((await swarmlab('lab', 'down', lab.id)).stdout.trim(), lab.id);
  assert.equal(JSON.parse((await swarmlab('lab', 'ls', '--json')).stdout).length, 0);
});

test('lab commands reject bad input with a hint', async () => {
  await assert.rejects(swarmlab('lab', 'up', '--nodes', 'many'), /invalid value "many" for --nodes/);
  await assert.rejects(swarmlab('lab', 'down', 'nosuchlab00'), /no such lab: nosuchlab00/);
  await assert.rejects(swarmlab('lab', 'frob'), /'frob' is not a swarmlab lab command/);
});
