import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Replica } from './replica.js';
import { KvStore } from './sim/kv.js';
import { Prng } from './sim/prng.js';
import { SimCrash, SimDisk } from './sim/sim-disk.js';

const cmd = (k: string, v: string): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ c: 0, o: 0, k, v }));

function open(disk: SimDisk, kv: KvStore, bootstrap = false): Replica {
  return Replica.open({
    id: 'a',
    disk,
    dataDir: '/d',
    stateMachine: kv,
    send: () => {},
    random: () => 0,
    electionTick: 10,
    heartbeatTick: 1,
    bootstrap: bootstrap ? { members: [{ id: 'a', addr: 'a:1' }] } : undefined,
    snapshotInterval: 7,
    catchUpEntries: 2,
  });
}

async function lead(r: Replica): Promise<void> {
  r.process(); // applies what is committed (membership included) before campaigning
  if (!r.isLeader()) r.raw.campaign();
  r.process();
  assert.ok(r.isLeader());
}

test('replica: acknowledged writes survive crashes that tear the unsynced tail, across snapshots', async () => {
  const disk = new SimDisk();
  const rng = new Prng(3);
  const acked = new Map<string, string>();
  /** Every value proposed per key, in order: a write that was never acknowledged may still have landed. */
  const proposed = new Map<string, string[]>();
  let kv = new KvStore(() => {});
  let r = open(disk, kv, true);
  for (let round = 0; round < 30; round++) {
    await lead(r);
    for (let i = 0; i < 5; i++) {
      const key = `k${rng.int(4)}`;
      const value = `v${round}-${i}`;
      const data = cmd(key, value);
      proposed.set(key, [...(proposed.get(key) ?? []), value]);
      r.propose(data, { resolve: () => acked.set(key, value), reject: () => {} });
      // Sometimes the machine dies in the middle of writing.
      if (rng.chance(0.2)) disk.crashAfterOps = rng.int(4);
      try {
        r.process();
      } catch (err) {
        if (!(err instanceof SimCrash)) throw err;
        break;
      }
    }
    disk.crash(rng);
    kv = new KvStore(() => {});
    r = open(disk, kv);
    await lead(r);
    r.process();
    for (const [key, value] of acked) {
      const later = proposed.get(key)!.slice(proposed.get(key)!.indexOf(value));
      assert.ok(
        later.includes(kv.get(key)!),
        `round ${round}: ${key} is ${kv.get(key)}, acknowledged ${value}`,
      );
    }
  }
});

test('replica: a bootstrap list without this member is refused', () => {
  assert.throws(
    () =>
      Replica.open({
        id: 'a',
        disk: new SimDisk(),
        dataDir: '/d',
        stateMachine: new KvStore(() => {}),
        send: () => {},
        random: () => 0,
        electionTick: 10,
        heartbeatTick: 1,
        bootstrap: { members: [{ id: 'b', addr: 'b:1' }] },
      }),
    /must include this member/,
  );
});

test('replica: a sole voter leads at once, at bootstrap and after a restart; a member of three waits', () => {
  const disk = new SimDisk();
  let kv = new KvStore(() => {});
  let r = open(disk, kv, true);
  r.process(); // no tick: an election timeout never passes
  assert.ok(r.isLeader(), 'a new single-member group elects itself without waiting');
  const term = r.status().term;
  r.propose(cmd('k', 'v'), { resolve: () => {}, reject: () => {} });
  r.process();
  // The restart finds its membership in the log, committed but not yet applied: it applies it, then campaigns.
  disk.crash(new Prng(1));
  kv = new KvStore(() => {});
  r = open(disk, kv);
  r.process();
  assert.ok(r.isLeader(), 'a restarted single member elects itself without waiting');
  assert.ok(r.status().term > term);
  assert.equal(kv.get('k'), 'v');

  const three = Replica.open({
    id: 'a',
    disk: new SimDisk(),
    dataDir: '/d',
    stateMachine: new KvStore(() => {}),
    send: () => {},
    random: () => 0,
    electionTick: 10,
    heartbeatTick: 1,
    bootstrap: { members: ['a', 'b', 'c'].map((id) => ({ id, addr: `${id}:1` })) },
  });
  three.process();
  assert.equal(three.status().term, 1, 'a member of three campaigns only after an election timeout');
  assert.ok(!three.isLeader());
});
