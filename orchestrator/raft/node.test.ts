// RaftNode end to end, in one process: real TCP on loopback, real files, real fsync.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MembershipError, NotLeaderError, ProposalDroppedError } from './errors.js';
import { type NodeStatus, RaftNode, type StateMachine } from './node.js';
import { randomLoopback } from './testing/member-process.js';
import { TcpTransport } from './transport/tcp-transport.js';

// Election timeouts of 0.5-1 s: fast, yet steady on a loaded machine.
const timing = { tickMs: 50, electionTicks: 10, heartbeatTicks: 1 };
const root = mkdtempSync(join(tmpdir(), 'raft-node-'));
after(() => rmSync(root, { recursive: true, force: true }));

class Kv implements StateMachine {
  map = new Map<string, string>();
  applied: number[] = [];
  restores = 0;
  apply(e: { index: number; data: Uint8Array }): void {
    const [k, v] = new TextDecoder().decode(e.data).split('=');
    this.map.set(k!, v!);
    this.applied.push(e.index);
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.map]));
  }
  restore(data: Uint8Array): void {
    this.map = new Map(JSON.parse(new TextDecoder().decode(data)) as [string, string][]);
    this.restores++;
  }
}

interface Member {
  id: string;
  addr: string;
  host: string;
  port: number;
  kv: Kv;
  node: RaftNode;
}

const put = (k: string, v: string): Uint8Array => new TextEncoder().encode(`${k}=${v}`);

async function start(
  id: string,
  opts: {
    bootstrap?: { id: string; addr: string }[];
    host?: string;
    port?: number;
    snapshotInterval?: number;
  } = {},
): Promise<Member> {
  const transport = new TcpTransport({ id });
  const host = opts.host ?? randomLoopback();
  const { port } = await transport.listen(host, opts.port ?? 0);
  const kv = new Kv();
  const node = await RaftNode.open({
    id,
    dataDir: join(root, id),
    transport,
    stateMachine: kv,
    bootstrap: opts.bootstrap ? { members: opts.bootstrap } : undefined,
    timing,
    snapshotInterval: opts.snapshotInterval,
    catchUpEntries: 5,
  });
  return { id, addr: `${host}:${port}`, host, port, kv, node };
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const leaderOf = (ms: Member[]): Member | undefined =>
  ms.find((m) => m.node.status().role === 'leader' && m.node.status().hasQuorum);

/** Proposes through whichever member leads, retrying across leader changes (the machine may be loaded). */
async function proposeAny(ms: Member[], data: Uint8Array): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const leader = await until('a leader', () => leaderOf(ms));
    try {
      return (await leader.node.propose(data)).index;
    } catch (err) {
      if (attempt > 20 || !(err instanceof NotLeaderError || err instanceof ProposalDroppedError)) throw err;
    }
  }
}

/** A cluster of `n` members bootstrapped together. */
async function cluster(prefix: string, n: number, snapshotInterval?: number): Promise<Member[]> {
  const transports = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const id = `${prefix}${i + 1}`;
      const t = new TcpTransport({ id });
      const host = randomLoopback();
      const { port } = await t.listen(host, 0);
      return { id, t, host, port };
    }),
  );
  const bootstrap = transports.map((x) => ({ id: x.id, addr: `${x.host}:${x.port}` }));
  return Promise.all(
    transports.map(async (x) => {
      const kv = new Kv();
      const node = await RaftNode.open({
        id: x.id,
        dataDir: join(root, x.id),
        transport: x.t,
        stateMachine: kv,
        bootstrap: { members: bootstrap },
        timing,
        snapshotInterval,
      });
      return { id: x.id, addr: `${x.host}:${x.port}`, host: x.host, port: x.port, kv, node };
    }),
  );
}

test('one member (swarm init) leads, commits, serves linearizable reads, and reports its status', async () => {
  const m = await start('solo', { bootstrap: [{ id: 'solo', addr: '127.0.0.1:1' }] });
  try {
    const statuses: NodeStatus[] = [];
    m.node.on('status', (s: NodeStatus) => statuses.push(s));
    await until('leadership', () => m.node.status().role === 'leader');
    const { index } = await m.node.propose(put('a', '1'));
    assert.ok(index > 1);
    assert.equal(m.kv.map.get('a'), '1', 'applied before propose resolves');
    await m.node.readIndex();
    const s = m.node.status();
    assert.equal(s.role, 'leader');
    assert.equal(s.hasQuorum, true);
    assert.equal(s.leaderId, 'solo');
    assert.deepEqual(s.members, [
      { id: 'solo', addr: '127.0.0.1:1', voter: true, reachable: true, matchIndex: s.commitIndex },
    ]);
    assert.ok(
      statuses.some((x) => x.role === 'leader'),
      'a status event announced the leadership',
    );
    await assert.rejects(m.node.propose(new Uint8Array(0)), /empty/);
  } finally {
    await m.node.stop();
  }
  await assert.rejects(
    m.node.propose(put('b', '2')),
    (err: Error & { code?: string }) => err.code === 'STOPPED',
  );
});

test('three members: followers refuse proposals with the leader address; reads on a follower see acknowledged writes', async () => {
  const ms = await cluster('t', 3);
  try {
    const leader = await until('a leader', () => leaderOf(ms));
    const follower = await until('a follower of that leader', () =>
      ms.find((m) => m !== leader && m.node.status().leaderId === leader.id),
    );
    await assert.rejects(follower.node.propose(put('x', '1')), (err: unknown) => {
      assert.ok(err instanceof NotLeaderError);
      const named = ms.find((m) => m.id === err.leaderId);
      assert.ok(named && named !== follower, `NotLeaderError names the leader (${err.leaderId})`);
      assert.equal(err.leaderAddr, named.addr);
      return true;
    });
    for (let i = 0; i < 50; i++) await proposeAny(ms, put('x', String(i)));
    await follower.node.readIndex();
    assert.equal(follower.kv.map.get('x'), '49');
    const s = await until('a leader that reaches every member', () => {
      const st = leaderOf(ms)?.node.status();
      return st?.members.every((m) => m.reachable) && st;
    });
    assert.deepEqual(
      s.members.map((m) => [m.id, m.voter, m.reachable]),
      ms.map((m) => [m.id, true, true]),
    );
  } finally {
    await Promise.all(ms.map((m) => m.node.stop()));
  }
});

test('membership: a new manager joins as a learner, catches up by snapshot, becomes a voter; the leader removes itself', async () => {
  const first = await start('j1', { snapshotInterval: 20 });
  await first.node.stop();
  // Restart j1 as the bootstrap member of a new cluster at a known address.
  rmSync(join(root, 'j1'), { recursive: true, force: true });
  const a = await start('j1', {
    bootstrap: [{ id: 'j1', addr: `${first.host}:${first.port}` }],
    host: first.host,
    port: first.port,
    snapshotInterval: 20,
  });
  const members: Member[] = [a];
  try {
    await until('j1 leads', () => a.node.status().role === 'leader');
    for (let i = 0; i < 100; i++) await a.node.propose(put(`k${i}`, String(i)));
    const b = await start('j2', { snapshotInterval: 20 });
    members.push(b);
    await a.node.addMember('j2', b.addr);
    assert.deepEqual(
      a.node.status().members.map((m) => [m.id, m.voter]),
      [
        ['j1', true],
        ['j2', true],
      ],
    );
    assert.ok(b.kv.restores >= 1, 'j2 caught up through a snapshot');
    await b.node.readIndex();
    assert.equal(b.kv.map.get('k99'), '99');
    const c = await start('j3', { snapshotInterval: 20 });
    members.push(c);
    await a.node.addMember('j3', c.addr);
    await a.node.addMember('j3', c.addr); // adding a voter again changes nothing
    await assert.rejects(a.node.removeMember('nobody'), MembershipError);
    await a.node.removeMember('j1');
    const next = await until('a new leader', () => leaderOf([b, c]));
    assert.deepEqual(
      next.node.status().members.map((m) => m.id),
      ['j2', 'j3'],
    );
    await until('j1 learns it was removed', () => !a.node.status().members.some((m) => m.id === 'j1'));
    await proposeAny([b, c], put('after', 'removal'));
    const other = next === b ? c : b;
    await other.node.readIndex();
    assert.equal(other.kv.map.get('after'), 'removal');
  } finally {
    await Promise.all(members.map((m) => m.node.stop()));
  }
});

test('leadership transfer to a chosen member, and quorum loss shows in status', async () => {
  const ms = await cluster('q', 3);
  try {
    const leader = await until('a leader', () => leaderOf(ms));
    const target = ms.find((m) => m !== leader)!;
    await leader.node.transferLeadership(target.id);
    await until('the transferee leads', () => target.node.status().role === 'leader');
    await proposeAny(ms, put('t', '1'));
    const others = ms.filter((m) => m !== target);
    await Promise.all(others.map((m) => m.node.stop()));
    const s = await until('quorum loss on the old leader', () => {
      const st = target.node.status();
      return !st.hasQuorum && st;
    });
    assert.notEqual(s.role, 'leader');
  } finally {
    await Promise.all(ms.map((m) => m.node.stop()));
  }
});

test('a member restarts from its data directory: snapshot plus log, each entry applied once', async () => {
  const ms = await cluster('r', 3, 25);
  try {
    for (let i = 0; i < 60; i++) await proposeAny(ms, put(`r${i}`, String(i)));
    const victim = ms.find((m) => m !== leaderOf(ms))!;
    await victim.node.readIndex();
    await victim.node.stop();
    const rest = ms.filter((m) => m !== victim);
    for (let i = 60; i < 80; i++) await proposeAny(rest, put(`r${i}`, String(i)));
    const back = await start(victim.id, { host: victim.host, port: victim.port, snapshotInterval: 25 });
    ms[ms.indexOf(victim)] = back;
    await until('the restarted member catches up', () => back.kv.map.get('r79') === '79');
    assert.ok(back.kv.restores >= 1);
    const applied = back.kv.applied;
    assert.deepEqual(
      applied,
      [...applied].sort((x, y) => x - y),
    );
    assert.equal(new Set(applied).size, applied.length, 'no entry applied twice');
  } finally {
    await Promise.all(ms.map((m) => m.node.stop()));
  }
});
