// End to end with the real docker CLI: node membership as an operator changes it (promote, demote, rm, leave,
// update) and as the swarm sees it (Raft membership, heartbeats, removal).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle, LabNode } from '../labs/provider.js';
import { engineRequest } from '../orchestrator/api/client.js';
import type { SystemInfo } from '../orchestrator/api/engine-types.js';
import { docker, eventually, realDocker } from './support/docker.js';

const labsDir = mkdtempSync(join(tmpdir(), 'swarmlab-node-management-test-'));
let handle: LabHandle;
let nodes: LabNode[];

/** Each row of `docker node ls`, by hostname: STATUS, AVAILABILITY and MANAGER STATUS as the CLI prints them. */
async function nodeTable(
  node: LabNode,
): Promise<Map<string, { id: string; status: string; availability: string; manager: string }>> {
  const ls = await docker(node, [
    'node',
    'ls',
    '--format',
    '{{.ID}}|{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}',
  ]);
  if (ls.code !== 0) throw new Error(`docker node ls on ${node.name} failed: ${ls.stderr}`);
  const rows = ls.stdout.trim().split('\n').filter(Boolean);
  return new Map(
    rows.map((row) => {
      const [id, hostname, status, availability, manager] = row.split('|');
      return [hostname, { id, status, availability, manager }];
    }),
  );
}

async function swarmInfo(node: LabNode): Promise<NonNullable<SystemInfo['Swarm']>> {
  const info = (await engineRequest<SystemInfo>(node.dockerHost, 'GET', '/info')).body;
  if (!info.Swarm) throw new Error(`no Swarm section in ${node.name}'s /info`);
  return info.Swarm;
}

const byName = (name: string): LabNode => {
  const found = nodes.find((n) => n.name === name);
  if (!found) throw new Error(`no node ${name}`);
  return found;
};

/**
 * Waits until exactly `managers` are the Raft members (MANAGER STATUS in `docker node ls`, `Swarm.Managers` in
 * /info, on the leader), each reachable, one leader; and each of them serves `docker node ls` itself.
 */
async function expectManagers(managers: string[], timeoutMs = 45_000): Promise<void> {
  const expected = [...managers].sort();
  await eventually(
    async () => {
      const table = await nodeTable(nodes[0]);
      const withStatus = [...table].filter(([, row]) => row.manager !== '');
      const names = withStatus.map(([name]) => name).sort();
      if (JSON.stringify(names) !== JSON.stringify(expected)) return undefined;
      if (withStatus.filter(([, row]) => row.manager === 'Leader').length !== 1) return undefined;
      if (!withStatus.every(([, row]) => row.manager === 'Leader' || row.manager === 'Reachable'))
        return undefined;
      if ((await swarmInfo(nodes[0])).Managers !== expected.length) return undefined;
      for (const name of expected) {
        const info = await swarmInfo(byName(name));
        if (!info.ControlAvailable || info.RemoteManagers?.length !== expected.length) return undefined;
      }
      return true;
    },
    timeoutMs,
    `the managers to be exactly ${expected.join(', ')}, all reachable`,
  );
}

describe('node management with the real docker CLI', {
  skip: realDocker ? false : 'docker CLI not installed',
}, () => {
  before(async () => {
    handle = await new LocalProvider({ labsDir }).create({ nodes: 5, managers: 1 });
    nodes = handle.lab.nodes;
  });
  after(async () => {
    if (!process.env.KEEP_LABS) await handle?.destroy();
    if (!process.env.KEEP_LABS) rmSync(labsDir, { recursive: true, force: true });
  });

  test('promoted nodes become Raft members, demoted ones leave it', async () => {
    await expectManagers(['swarm-1']);
    for (const name of ['swarm-2', 'swarm-3']) {
      const promote = await docker(nodes[0], ['node', 'promote', name]);
      assert.equal(promote.code, 0, promote.stderr);
      assert.equal(promote.stdout.trim(), `Node ${name} promoted to a manager in the swarm.`);
    }
    await expectManagers(['swarm-1', 'swarm-2', 'swarm-3']);
    const again = await docker(nodes[0], ['node', 'promote', 'swarm-2']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Node [0-9a-z]{25} is already a manager\.$/m);

    const demote = await docker(nodes[0], ['node', 'demote', 'swarm-3']);
    assert.equal(demote.code, 0, demote.stderr);
    assert.equal(demote.stdout.trim(), 'Manager swarm-3 demoted in the swarm.');
    await expectManagers(['swarm-1', 'swarm-2']);
    await eventually(
      async () => ((await swarmInfo(byName('swarm-3'))).ControlAvailable === false ? true : undefined),
      30_000,
      'swarm-3 to run as a worker',
    );
    const refused = await docker(byName('swarm-3'), ['node', 'ls']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Worker nodes can't be used to view or modify cluster state/);
  });

  test('a promotion right after a demotion (and back and forth) still ends with a voting manager', async () => {
    // The second command comes before the first is carried out: the swarm must follow the latest one.
    for (let cycle = 0; cycle < 3; cycle++) {
      const demote = await docker(nodes[0], ['node', 'demote', 'swarm-2']);
      assert.equal(demote.code, 0, demote.stderr);
      const promote = await docker(nodes[0], ['node', 'promote', 'swarm-2']);
      assert.equal(promote.code, 0, promote.stderr);
    }
    await expectManagers(['swarm-1', 'swarm-2']);

    const promote = await docker(nodes[0], ['node', 'promote', 'swarm-3']);
    assert.equal(promote.code, 0, promote.stderr);
    const demote = await docker(nodes[0], ['node', 'demote', 'swarm-3']);
    assert.equal(demote.code, 0, demote.stderr);
    const promoteAgain = await docker(nodes[0], ['node', 'promote', 'swarm-3']);
    assert.equal(promoteAgain.code, 0, promoteAgain.stderr);
    await expectManagers(['swarm-1', 'swarm-2', 'swarm-3']);

    // The new members really vote: the swarm keeps working (and writing) with one of three managers demoted.
    const demote3 = await docker(nodes[0], ['node', 'demote', 'swarm-3']);
    assert.equal(demote3.code, 0, demote3.stderr);
    await expectManagers(['swarm-1', 'swarm-2']);
    const label = await docker(byName('swarm-2'), ['node', 'update', '--label-add', 'cycle=done', 'swarm-3']);
    assert.equal(label.code, 0, label.stderr);
  });

  test('a manager may leave only with --force; then the swarm is back to one manager', async () => {
    const leave = await docker(byName('swarm-2'), ['swarm', 'leave']);
    assert.equal(leave.code, 1);
    assert.equal(
      leave.stderr.trim(),
      'Error response from daemon: You are attempting to leave the swarm on a node that is participating as a manager. ' +
        'Removing this node leaves 1 managers out of 2. Without a Raft quorum your swarm will be inaccessible. ' +
        'The only way to restore a swarm that has lost consensus is to reinitialize it with `--force-new-cluster`. ' +
        'Use `--force` to suppress this message.',
    );
    assert.equal(
      (await swarmInfo(byName('swarm-2'))).LocalNodeState,
      'active',
      'a refused leave changes nothing',
    );

    const forced = await docker(byName('swarm-2'), ['swarm', 'leave', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout.trim(), 'Node left the swarm.');
    const info = await swarmInfo(byName('swarm-2'));
    assert.equal(info.LocalNodeState, 'inactive');
    assert.equal(info.NodeID, '');
    await expectManagers(['swarm-1']);
    const down = await eventually(
      async () => {
        const row = (await nodeTable(nodes[0])).get('swarm-2');
        return row?.status === 'Down' ? row : undefined;
      },
      30_000,
      'swarm-2 to be Down once it left',
    );
    const rm = await docker(nodes[0], ['node', 'rm', 'swarm-2']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout.trim(), 'swarm-2');
    assert.equal((await nodeTable(nodes[0])).has('swarm-2'), false, `${down.id} is gone from node ls`);
  });

  test("the last manager can neither be demoted, removed nor leave without --force, with Docker's messages", async () => {
    const self = (await nodeTable(nodes[0])).get('swarm-1');
    assert.ok(self);
    const demote = await docker(nodes[0], ['node', 'demote', 'swarm-1']);
    assert.equal(demote.code, 1);
    assert.equal(
      demote.stderr.trim(),
      'Error response from daemon: rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm',
    );
    for (const args of [
      ['node', 'rm', 'swarm-1'],
      ['node', 'rm', '--force', 'swarm-1'],
    ]) {
      const rm = await docker(nodes[0], args);
      assert.equal(rm.code, 1, args.join(' '));
      assert.equal(
        rm.stderr.trim(),
        `Error response from daemon: rpc error: code = FailedPrecondition desc = node ${self.id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
      );
    }
    const leave = await docker(nodes[0], ['swarm', 'leave']);
    assert.equal(leave.code, 1);
    assert.match(
      leave.stderr,
      /^Error response from daemon: You are attempting to leave the swarm on a node that is participating as a manager\. Removing the last manager erases all current state of the swarm\. Use `--force` to ignore this message\./,
    );
    await expectManagers(['swarm-1']);
  });

  test('a running node is removed only with --force, and then learns it left the swarm', async () => {
    const four = byName('swarm-4');
    const { id } = (await nodeTable(nodes[0])).get('swarm-4') ?? { id: '' };
    const rm = await docker(nodes[0], ['node', 'rm', 'swarm-4']);
    assert.equal(rm.code, 1);
    assert.equal(
      rm.stderr.trim(),
      `Error response from daemon: rpc error: code = FailedPrecondition desc = node ${id} is not down and can't be removed`,
    );
    const forced = await docker(nodes[0], ['node', 'rm', '--force', 'swarm-4']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout.trim(), 'swarm-4');
    await eventually(
      async () => ((await swarmInfo(four)).LocalNodeState === 'inactive' ? true : undefined),
      20_000,
      'the removed node to leave the swarm',
    );
    const leave = await docker(four, ['swarm', 'leave']);
    assert.equal(leave.code, 1);
    assert.equal(leave.stderr.trim(), 'Error response from daemon: This node is not part of a swarm');
    assert.equal((await nodeTable(nodes[0])).has('swarm-4'), false);
  });

  test('a killed worker is Down after missed heartbeats and Ready again when it restarts as itself', async () => {
    const before = (await nodeTable(nodes[0])).get('swarm-5');
    assert.equal(before?.status, 'Ready');
    process.kill(byName('swarm-5').pid, 'SIGKILL');
    await eventually(
      async () => ((await nodeTable(nodes[0])).get('swarm-5')?.status === 'Down' ? true : undefined),
      20_000,
      'swarm-5 to be Down',
    );
    const restarted = await handle.restartNode('swarm-5');
    nodes = handle.lab.nodes;
    await eventually(
      async () => ((await nodeTable(nodes[0])).get('swarm-5')?.status === 'Ready' ? true : undefined),
      20_000,
      'swarm-5 to be Ready again',
    );
    const after = (await nodeTable(nodes[0])).get('swarm-5');
    assert.equal(after?.id, before?.id, 'the same node, not a new one');
    assert.equal((await swarmInfo(restarted)).NodeID, before?.id);
  });

  test('a node removed while it was down learns it when it comes back, and can join again', async () => {
    const { id } = (await nodeTable(nodes[0])).get('swarm-5') ?? { id: '' };
    process.kill(byName('swarm-5').pid, 'SIGKILL');
    await eventually(
      async () => ((await nodeTable(nodes[0])).get('swarm-5')?.status === 'Down' ? true : undefined),
      20_000,
      'swarm-5 to be Down',
    );
    const rm = await docker(nodes[0], ['node', 'rm', 'swarm-5']);
    assert.equal(rm.code, 0, rm.stderr);
    const five = await handle.restartNode('swarm-5');
    nodes = handle.lab.nodes;
    await eventually(
      async () => ((await swarmInfo(five)).LocalNodeState === 'inactive' ? true : undefined),
      20_000,
      'the node removed while down to leave the swarm',
    );
    const log = readFileSync(join(five.dataDir, 'swarmd.log'), 'utf8');
    assert.match(log, new RegExp(`node ${id} was removed from the swarm`), 'told so by the manager');
    const token = (await docker(nodes[0], ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    const joined = await docker(five, ['swarm', 'join', '--token', token, nodes[0].clusterAddr]);
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(joined.stdout.trim(), 'This node joined a swarm as a worker.');
    const row = (await nodeTable(nodes[0])).get('swarm-5');
    assert.equal(row?.status, 'Ready');
    assert.notEqual(row?.id, id, 'a new node');
  });

  test('node update adds and removes labels and pauses a node', async () => {
    const add = await docker(nodes[0], [
      'node',
      'update',
      '--label-add',
      'zone=a',
      '--label-add',
      'tier=web',
      'swarm-3',
    ]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout.trim(), 'swarm-3');
    const labels = async () =>
      JSON.parse(
        (await docker(nodes[0], ['node', 'inspect', '--format', '{{json .Spec.Labels}}', 'swarm-3'])).stdout,
      );
    assert.deepEqual(await labels(), { cycle: 'done', zone: 'a', tier: 'web' });
    const rm = await docker(nodes[0], [
      'node',
      'update',
      '--label-rm',
      'tier',
      '--label-rm',
      'cycle',
      'swarm-3',
    ]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(await labels(), { zone: 'a' });
    const missing = await docker(nodes[0], ['node', 'update', '--label-rm', 'nope', 'swarm-3']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /key nope doesn't exist in node's labels/);
    const filtered = await docker(nodes[0], [
      'node',
      'ls',
      '--filter',
      'node.label=zone=a',
      '--format',
      '{{.Hostname}}',
    ]);
    assert.equal(filtered.stdout.trim(), 'swarm-3');

    const pause = await docker(nodes[0], ['node', 'update', '--availability', 'pause', 'swarm-3']);
    assert.equal(pause.code, 0, pause.stderr);
    const row = (await nodeTable(nodes[0])).get('swarm-3');
    assert.equal(row?.availability, 'Pause');
    assert.equal(row?.status, 'Ready');
    const spec = await docker(nodes[0], ['node', 'inspect', '--format', '{{.Spec.Availability}}', 'swarm-3']);
    assert.equal(spec.stdout.trim(), 'pause');
    const bad = await docker(nodes[0], ['node', 'update', '--availability', 'sleepy', 'swarm-3']);
    assert.equal(bad.code, 1);
    const active = await docker(nodes[0], ['node', 'update', '--availability', 'active', 'swarm-3']);
    assert.equal(active.code, 0, active.stderr);
    assert.equal((await nodeTable(nodes[0])).get('swarm-3')?.availability, 'Active');
  });
});
