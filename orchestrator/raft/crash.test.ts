// Real processes, real TCP, real fsync: kill -9 the leader of three again and again while clients write;
// every acknowledged write must survive, on every member.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemberProcess, randomLoopback } from './testing/member-process.js';

const TIMING = { tickMs: 50, electionTicks: 10, heartbeatTicks: 1 };
const KILLS = 8;
const WRITERS = 4;

test('no acknowledged write is lost when the leader of 3 (once: all 3) is killed with SIGKILL repeatedly', {
  timeout: 180_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'raft-crash-'));
  const ids = ['m1', 'm2', 'm3'];
  const members = new Map<string, MemberProcess>();
  const logFile = (id: string): string => join(root, `${id}.log`);
  const open = (m: MemberProcess, bootstrap?: { id: string; addr: string }[]): Promise<unknown> =>
    m.request(
      {
        cmd: 'open',
        id: m.id,
        dataDir: join(root, m.id),
        bootstrap,
        timing: TIMING,
        snapshotInterval: 200,
        machine: 'log',
        verbose: true,
      },
      'opened',
    );
  let failed = true;
  let stop = false;
  const testDeadline = Date.now() + 150_000;
  const checkTime = (what: string): void => {
    if (Date.now() > testDeadline) throw new Error(`gave up waiting: ${what}`);
  };
  try {
    const first = await Promise.all(
      ids.map((id) => MemberProcess.spawn({ id, host: randomLoopback(), port: 0, logFile: logFile(id) })),
    );
    for (const m of first) members.set(m.id, m);
    const bootstrap = first.map((m) => ({ id: m.id, addr: m.addr }));
    await Promise.all(first.map((m) => open(m, bootstrap)));

    let leaderHint: string | undefined;
    const acked = new Set<string>();
    let attempted = 0;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const value = `w${w}-${i}`;
        const target = members.get(leaderHint ?? ids[Math.floor(Math.random() * ids.length)]!)!;
        if (!target.alive) {
          leaderHint = undefined;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        attempted++;
        try {
          const r = await target.request({ cmd: 'put', value }, 'put', 20_000);
          if (r.ok) acked.add(value);
          else {
            leaderHint = (r.leaderId as string | undefined) ?? undefined;
            if (!r.leaderId) await new Promise((res) => setTimeout(res, 20));
          }
        } catch {
          leaderHint = undefined; // the member died while we waited: outcome unknown
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    const findLeader = async (): Promise<MemberProcess> => {
      for (;;) {
        checkTime('a leader');
        for (const m of members.values()) {
          if (!m.alive) continue;
          const s = await m.request({ cmd: 'status' }, 'status-reply', 10_000).catch(() => undefined);
          if (s?.role === 'leader') return m;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    for (let k = 0; k < KILLS; k++) {
      const before = acked.size;
      // Let some writes through under this leader before killing it.
      const deadline = Date.now() + 20_000;
      while (acked.size < before + 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const leader = await findLeader();
      // Once, the whole cluster dies at the same moment: everything must come back from disk.
      const victims = k === KILLS - 2 ? [...members.values()] : [leader];
      await Promise.all(victims.map((v) => v.kill()));
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      await Promise.all(
        victims.map(async (v) => {
          const restarted = await MemberProcess.spawn({
            id: v.id,
            host: v.host,
            port: v.port,
            logFile: logFile(v.id),
          });
          members.set(v.id, restarted);
          await open(restarted);
        }),
      );
    }
    stop = true;
    await Promise.all(writers);

    // Every member converges on the same log, which holds every acknowledged write.
    let states: Record<string, unknown>[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      checkTime('convergence');
      states = await Promise.all(
        [...members.values()].map((m) => m.request({ cmd: 'state' }, 'state', 10_000)),
      );
      const applied = new Set(states.map((s) => s.applied));
      const digests = new Set(states.map((s) => s.digest));
      if ((applied.size === 1 && digests.size === 1) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(new Set(states.map((s) => s.digest)).size, 1, 'members did not converge to the same state');
    assert.ok(acked.size >= KILLS * 20, `too few writes were acknowledged (${acked.size} of ${attempted})`);
    for (const s of states) {
      const values = new Set(s.values as string[]);
      const lost = [...acked].filter((v) => !values.has(v));
      assert.deepEqual(lost, [], `member has lost ${lost.length} acknowledged writes`);
      assert.equal(values.size, (s.values as string[]).length, 'a write was applied twice');
    }
    failed = false;
  } finally {
    stop = true;
    await Promise.all([...members.values()].map((m) => m.close()));
    if (failed) {
      for (const id of ids) {
        try {
          const lines = readFileSync(logFile(id), 'utf8').trim().split('\n');
          console.error(`--- last log lines of ${id} ---\n${lines.slice(-40).join('\n')}`);
        } catch {
          // no log
        }
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
});
