// End to end with the real docker CLI: a 3-node local lab becomes a swarm as in lessons L1, L3, L4 and L12.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import { engineRequest } from '../orchestrator/api/client.js';
import type { Node, SystemInfo } from '../orchestrator/api/engine-types.js';
import { assertEachMatches, assertMatchesDefinition } from '../orchestrator/api/testing/schema.js';
import { docker, eventually, realDocker } from './support/docker.js';

const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-swarm-test-'));
let handle: LabHandle;
let nodes: LabNode[];

const nodeList = async (node: LabNode) =>
  (await engineRequest<Node[]>(node.dockerHost, 'GET', '/nodes')).body;

describe('a swarm of local nodes, driven by the real docker CLI', {
  skip: realDocker ? false : 'docker CLI not installed',
}, () => {
  before(async () => {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 4 });
    nodes = handle.lab.nodes;
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(labsDir, { recursive: true, force: true });
  });

  test('docker swarm init makes the first node a manager and leader', async () => {
    const init = await docker(nodes[0], ['swarm', 'init', '--advertise-addr', nodes[0].addr]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Swarm initialized: current node \([0-9a-z]{25}\) is now a manager\./);
    assert.match(init.stdout, /docker swarm join --token SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25} /);
    const info = (await engineRequest<SystemInfo>(nodes[0].dockerHost, 'GET', '/info')).body;
    assert.equal(info.Swarm?.LocalNodeState, 'active');
    assert.equal(info.Swarm?.ControlAvailable, true);
    assertMatchesDefinition('SystemInfo', info);
    const [self] = await nodeList(nodes[0]);
    assert.equal(self.ManagerStatus?.Leader, true);
    assert.equal(self.ManagerStatus?.Addr, `${nodes[0].addr}:2377`);
    const again = await docker(nodes[0], ['swarm', 'init', '--advertise-addr', nodes[0].addr]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /This node is already part of a swarm/);
  });

  test('workers join with the worker token; node ls shows them Ready and Active', async () => {
    const token = (await docker(nodes[0], ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    assert.match(token, /^SWMTKN-1-/);
    for (const node of nodes.slice(1, 3)) {
      const join = await docker(node, [
        'swarm',
        'join',
        '--token',
        token,
        '--advertise-addr',
        node.addr,
        `${nodes[0].addr}:2377`,
      ]);
      assert.equal(join.code, 0, join.stderr);
      assert.match(join.stdout, /This node joined a swarm as a worker\./);
    }
    const ls = await docker(nodes[0], ['node', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = ls.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 3);
    for (const row of rows) assert.match(row, /Ready\s+Active/);
    assert.equal(rows.filter((r) => /Leader/.test(r)).length, 1);
    assertEachMatches('Node', await nodeList(nodes[0]));
    const worker = await docker(nodes[1], ['node', 'ls']);
    assert.equal(worker.code, 1);
    assert.match(worker.stderr, /Worker nodes can't be used to view or modify cluster state/);
  });

  test('a rotated token no longer joins, and a wrong token is refused', async () => {
    const old = (await docker(nodes[0], ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    const rotate = await docker(nodes[0], ['swarm', 'join-token', '--rotate', 'worker']);
    assert.equal(rotate.code, 0, rotate.stderr);
    assert.match(rotate.stdout, /Successfully rotated worker join token/);
    const refused = await docker(nodes[3], ['swarm', 'join', '--token', old, `${nodes[0].addr}:2377`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /A valid join token is necessary to join this cluster/);
    const bad = await docker(nodes[3], ['swarm', 'join', '--token', 'BADTOKEN', `${nodes[0].addr}:2377`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid join token/);
    const info = (await engineRequest<SystemInfo>(nodes[3].dockerHost, 'GET', '/info')).body;
    assert.equal(info.Swarm?.LocalNodeState, 'inactive', 'a refused join leaves the node as it was');
  });

  test('a fourth node joins with the manager token; promote and demote change roles', async () => {
    const token = (await docker(nodes[0], ['swarm', 'join-token', '-q', 'manager'])).stdout.trim();
    const join = await docker(nodes[3], [
      'swarm',
      'join',
      '--token',
      token,
      '--advertise-addr',
      nodes[3].addr,
      `${nodes[0].addr}:2377`,
    ]);
    assert.equal(join.code, 0, join.stderr);
    assert.match(join.stdout, /This node joined a swarm as a manager\./);
    const promote = await docker(nodes[0], ['node', 'promote', 'swarm-2']);
    assert.equal(promote.code, 0, promote.stderr);
    await eventually(
      async () => {
        const list = await nodeList(nodes[0]);
        const two = list.find((n) => n.Description?.Hostname === 'swarm-2');
        return two?.ManagerStatus?.Reachability === 'reachable' ? true : undefined;
      },
      30_000,
      'swarm-2 to become a reachable manager',
    );
    // A demotion at once undone: the node must end as a voting manager, not lost between the two.
    const demoteFirst = await docker(nodes[0], ['node', 'demote', 'swarm-2']);
    assert.equal(demoteFirst.code, 0, demoteFirst.stderr);
    const promoteBack = await docker(nodes[0], ['node', 'promote', 'swarm-2']);
    assert.equal(promoteBack.code, 0, promoteBack.stderr);
    await eventually(
      async () => {
        const list = await nodeList(nodes[0]);
        const two = list.find((n) => n.Description?.Hostname === 'swarm-2');
        const info = (await engineRequest<SystemInfo>(nodes[1].dockerHost, 'GET', '/info')).body;
        return two?.ManagerStatus?.Reachability === 'reachable' && info.Swarm?.ControlAvailable
          ? true
          : undefined;
      },
      30_000,
      'swarm-2 to be a reachable manager again after demote + promote',
    );
    const demote = await docker(nodes[0], ['node', 'demote', 'swarm-2']);
    assert.equal(demote.code, 0, demote.stderr);
    await eventually(
      async () => {
        const list = await nodeList(nodes[0]);
        const two = list.find((n) => n.Description?.Hostname === 'swarm-2');
        return two && !two.ManagerStatus ? true : undefined;
      },
      30_000,
      'swarm-2 to leave the managers',
    );
    await eventually(
      async () => {
        const info = (await engineRequest<SystemInfo>(nodes[1].dockerHost, 'GET', '/info')).body;
        return info.Swarm?.ControlAvailable === false && info.Swarm.LocalNodeState === 'active'
          ? true
          : undefined;
      },
      30_000,
      'swarm-2 to run as a worker',
    );
  });

  test('drain shows in node ls, and bad node updates are refused', async () => {
    const drain = await docker(nodes[0], ['node', 'update', '--availability', 'drain', 'swarm-3']);
    assert.equal(drain.code, 0, drain.stderr);
    const ls = await docker(nodes[0], ['node', 'ls']);
    assert.match(ls.stdout, /swarm-3\s+Ready\s+Drain/);
    const unknown = await docker(nodes[0], ['node', 'update', '--availability', 'active', 'nosuchnode']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /node nosuchnode not found/);
    const res = await engineRequest(nodes[0].dockerHost, 'POST', '/nodes/swarm-3/update?version=1', {
      Role: 'boss',
    }).catch((e) => e);
    assert.equal(res.status, 400);
  });

  test('with 3 managers, killing the leader elects another one and the state survives its restart', async () => {
    const list = await nodeList(nodes[0]);
    const managers = list.filter((n) => n.Spec?.Role === 'manager').map((n) => n.Description?.Hostname);
    assert.deepEqual(managers.sort(), ['swarm-1', 'swarm-4']);
    const promote = await docker(nodes[0], ['node', 'promote', 'swarm-2']);
    assert.equal(promote.code, 0, promote.stderr);
    await eventually(
      async () =>
        (await nodeList(nodes[0])).filter((n) => n.ManagerStatus?.Reachability === 'reachable').length === 3
          ? true
          : undefined,
      30_000,
      'three reachable managers',
    );
    process.kill(nodes[0].pid, 'SIGKILL');
    const started = Date.now();
    const leader = await eventually(
      async () => {
        const seen = await nodeList(nodes[3]);
        return seen.find((n) => n.ManagerStatus?.Leader && n.Description?.Hostname !== 'swarm-1');
      },
      15_000,
      'a new leader',
    );
    assert.ok(leader);
    process.stdout.write(`# new leader ${leader.Description?.Hostname} after ${Date.now() - started} ms\n`);
    const survivors = await nodeList(nodes[3]);
    assert.equal(survivors.length, 4);
    assert.match(
      survivors.find((n) => n.Description?.Hostname === 'swarm-3')?.Spec?.Availability ?? '',
      /drain/,
      'the drain written before the failover is still there',
    );

    const restarted = await handle.restartNode('swarm-1');
    await eventually(
      async () => {
        const seen = await nodeList(restarted);
        const one = seen.find((n) => n.Description?.Hostname === 'swarm-1');
        return seen.length === 4 &&
          one?.ManagerStatus?.Reachability === 'reachable' &&
          one.Status?.State === 'ready'
          ? true
          : undefined;
      },
      30_000,
      'the old leader to come back as a reachable manager with the whole state',
    );
    const seen = await nodeList(restarted);
    assert.equal(seen.filter((n) => n.ManagerStatus?.Leader).length, 1);
    assert.equal(seen.find((n) => n.Description?.Hostname === 'swarm-3')?.Spec?.Availability, 'drain');
  });
});
