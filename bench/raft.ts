/**
 * @module `npm run bench:raft`: three manager processes on their own loopback addresses, real TCP, fsync on.
 * Measures commit throughput and latency with 1 and 64 concurrent proposers (on the leader), then kills the
 * leader with SIGKILL repeatedly and times each failover: kill to the first commit accepted by a new leader.
 * Prints one JSON line last.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemberProcess, randomLoopback } from '../orchestrator/raft/testing/member-process.js';
import { timingProfiles } from '../orchestrator/raft/timing.js';

const KILLS = Number(process.env.RAFT_BENCH_KILLS ?? 24);
const MEASURE_MS = Number(process.env.RAFT_BENCH_MS ?? 5000);
/** Election timeout randomised in [300, 600) ms; RAFT_BENCH_TIMING=lab or swarm measures a named profile. */
const TIMING = (() => {
  const named = process.env.RAFT_BENCH_TIMING;
  if (named === 'lab' || named === 'swarm') return timingProfiles[named];
  return { tickMs: 30, electionTicks: 10, heartbeatTicks: 1 };
})();
const ids = ['bench-manager-1', 'bench-manager-2', 'bench-manager-3'];

const root = mkdtempSync(join(tmpdir(), 'raft-bench-'));
const members = new Map<string, MemberProcess>();

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function start(id: string, host: string, port: number): Promise<MemberProcess> {
  const m = await MemberProcess.spawn({ id, host, port, logFile: join(root, `${id}.log`) });
  members.set(id, m);
  return m;
}

async function open(m: MemberProcess, bootstrap?: { id: string; addr: string }[]): Promise<void> {
  await m.request(
    { cmd: 'open', id: m.id, dataDir: join(root, m.id), bootstrap, timing: TIMING, machine: 'counter' },
    'opened',
  );
}

async function statuses(): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  await Promise.all(
    [...members.values()]
      .filter((m) => m.alive)
      .map(async (m) => {
        try {
          out.set(m.id, await m.request({ cmd: 'status' }, 'status-reply', 5000));
        } catch {
          // a member that does not answer is as good as down
        }
      }),
  );
  return out;
}

async function waitForLeader(timeoutMs = 30_000): Promise<MemberProcess> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await statuses();
    for (const [id, st] of s) if (st.role === 'leader' && st.hasQuorum) return members.get(id)!;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no leader elected');
}

/** Waits until every member has applied what the leader has committed. */
async function waitConverged(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = [...(await statuses()).values()];
    const leader = s.find((x) => x.role === 'leader');
    if (
      leader &&
      s.length === members.size &&
      s.every((x) => (x.appliedIndex as number) >= (leader.commitIndex as number))
    )
      return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('members did not converge');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function measure(concurrency: number): Promise<{ rate: number; p50: number; p99: number }> {
  const leader = await waitForLeader();
  const r = await leader.request(
    { cmd: 'bench', concurrency, durationMs: MEASURE_MS, size: 128 },
    'bench',
    MEASURE_MS + 60_000,
  );
  log(`raft bench: ${concurrency} proposers: ${JSON.stringify(r)}`);
  return { rate: Number(r.commits) / Number(r.seconds), p50: Number(r.p50), p99: Number(r.p99) };
}

async function failover(): Promise<number> {
  const leader = await waitForLeader();
  const others = [...members.values()].filter((m) => m !== leader && m.alive);
  const t0 = performance.now();
  const killed = leader.kill();
  const first = await Promise.any(others.map((m) => m.request({ cmd: 'probe' }, 'probe', 60_000)));
  const ms = performance.now() - t0;
  for (const m of others) m.send({ cmd: 'cancel-probe' });
  void first;
  await killed;
  const restarted = await start(leader.id, leader.host, leader.port);
  await open(restarted);
  await waitConverged();
  return ms;
}

async function main(): Promise<void> {
  const hosts = ids.map(() => randomLoopback());
  const started = await Promise.all(ids.map((id, i) => start(id, hosts[i]!, 0)));
  const bootstrap = started.map((m) => ({ id: m.id, addr: m.addr }));
  await Promise.all(started.map((m) => open(m, bootstrap)));
  await waitForLeader();
  log('raft bench: cluster up; warming up');
  await measure(64);
  const one = await measure(1);
  log(
    `raft bench: 1 proposer: ${one.rate.toFixed(0)} commits/s, p50 ${one.p50.toFixed(2)} ms, p99 ${one.p99.toFixed(2)} ms`,
  );
  const many = await measure(64);
  log(
    `raft bench: 64 proposers: ${many.rate.toFixed(0)} commits/s, p50 ${many.p50.toFixed(2)} ms, p99 ${many.p99.toFixed(2)} ms`,
  );
  const failovers: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const ms = await failover();
    failovers.push(ms);
    log(`raft bench: kill ${i + 1}/${KILLS}: new leader committed after ${ms.toFixed(0)} ms`);
  }
  failovers.sort((a, b) => a - b);
  const round = (x: number, d = 2): number => Number(x.toFixed(d));
  const result = {
    commitsPerSec1: Math.round(one.rate),
    p50Ms1: round(one.p50, 3),
    p99Ms1: round(one.p99, 3),
    commitsPerSec64: Math.round(many.rate),
    p50Ms64: round(many.p50, 3),
    p99Ms64: round(many.p99, 3),
    failoverP50Ms: round(percentile(failovers, 0.5), 0),
    failoverP99Ms: round(percentile(failovers, 0.99), 0),
    failoverMaxMs: round(failovers[failovers.length - 1] ?? 0, 0),
    kills: failovers.length,
    electionTimeoutMs: [TIMING.tickMs * TIMING.electionTicks, 2 * TIMING.tickMs * TIMING.electionTicks],
    members: 3,
    fsync: true,
    payloadBytes: 128,
  };
  console.log(JSON.stringify(result));
}

async function cleanup(): Promise<void> {
  await Promise.all([...members.values()].map((m) => m.close(2000)));
  rmSync(root, { recursive: true, force: true });
}

main()
  .then(cleanup)
  .catch(async (err: Error) => {
    console.error(`raft bench failed: ${err.stack ?? err.message} (logs in ${root})`);
    await Promise.all([...members.values()].map((m) => m.kill()));
    process.exit(1);
  });
