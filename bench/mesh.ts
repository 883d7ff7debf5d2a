/**
 * `npm run bench:mesh`: what the routing mesh costs. A real HTTP task in its own process, the mesh of a node
 * that runs no task of the service in another, and a load generator (bench/mesh/loadgen.c, wrk-like, built
 * here with the C compiler) in a third. Each measurement runs straight to the task and through the mesh, in
 * alternating order, for several rounds; ratios are the medians of each round's ratio.
 *
 * Environment: MESH_BENCH_SECONDS (per measurement, default 2), MESH_BENCH_ROUNDS (default 7),
 * MESH_BENCH_CONNECTIONS (default 32), MESH_BENCH_RELAY (native|js, default native when built),
 * MESH_BENCH_COMPARE=1 (also measure the JavaScript relay), MESH_BENCH_SPIN_US (the native relay's polling
 * before it sleeps; default the mesh's).
 *
 * Prints one JSON object on its last line.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { freePort } from '../orchestrator/mesh/testing/clients.js';
import { randomLoopback, SwarmFixture } from '../orchestrator/mesh/testing/swarm-fixture.js';

const root = new URL('../../', import.meta.url).pathname;
const seconds = Number(process.env.MESH_BENCH_SECONDS ?? 2);
const rounds = Number(process.env.MESH_BENCH_ROUNDS ?? 7);
const connections = Number(process.env.MESH_BENCH_CONNECTIONS ?? 32);
const latencySeconds = Math.max(1, seconds / 2);
const clockTicksPerSecond = 100;

interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  allRequests: number;
  cpuUs: number;
}

interface Target {
  host: string;
  port: number;
}

interface CpuShare {
  loadgen: number;
  mesh: number;
  backend: number;
}

const children: ChildProcess[] = [];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function buildTools(): string {
  const built = spawnSync(process.execPath, [`${root}orchestrator/mesh/native/build.mjs`, '--if-needed'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) log('bench: the native relay did not build; measuring the JavaScript relay');
  const source = `${root}bench/mesh/loadgen.c`;
  const binary = `${root}dist/bench/mesh/loadgen`;
  mkdirSync(`${root}dist/bench/mesh`, { recursive: true });
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    const cc = spawnSync('cc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
    if (cc.status !== 0) throw new Error('bench: cannot build the load generator (needs cc)');
  }
  return binary;
}

/** Starts a child running a compiled bench helper; resolves with its first stdout line, parsed. */
async function startChild<T>(
  script: string,
  args: string[],
  input?: unknown,
): Promise<{ child: ChildProcess; first: T }> {
  const child = spawn(process.execPath, [`${root}dist/bench/mesh/${script}`, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  if (input !== undefined) child.stdin?.write(`${JSON.stringify(input)}\n`);
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<T>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return { child, first };
}

/** CPU time (user + system, microseconds) a process has used so far, all threads. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond;
}

function load(loadgen: string, target: Target, conns: number, mode: 'keepalive' | 'close', duration: number) {
  const result = spawnSync(
    loadgen,
    [target.host, String(target.port), String(conns), String(duration), mode, '0.5'],
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`loadgen failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim()) as LoadResult;
}

/** Busy CPU time of the whole machine so far (all CPUs, microseconds): what other processes use shows. */
function machineBusyUs(): number {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return ((total - idle) * 1e6) / clockTicksPerSecond;
}

/** Runs one measurement, with the CPU each process spent per request and the CPU other processes took. */
function measure(
  loadgen: string,
  target: Target,
  conns: number,
  mode: 'keepalive' | 'close',
  duration: number,
  pids: { mesh?: number; backend: number },
): LoadResult & { cpu: CpuShare; otherCores: number } {
  const before = {
    mesh: pids.mesh ? cpuUs(pids.mesh) : 0,
    backend: cpuUs(pids.backend),
    machine: machineBusyUs(),
  };
  const started = process.hrtime.bigint();
  const result = load(loadgen, target, conns, mode, duration);
  const elapsedUs = Number(process.hrtime.bigint() - started) / 1000;
  const used = {
    mesh: pids.mesh ? cpuUs(pids.mesh) - before.mesh : 0,
    backend: cpuUs(pids.backend) - before.backend,
  };
  const others = machineBusyUs() - before.machine - used.mesh - used.backend - result.cpuUs;
  const per = (us: number) => Math.round((us / Math.max(1, result.allRequests)) * 10) / 10;
  return {
    ...result,
    cpu: { loadgen: per(result.cpuUs), mesh: per(used.mesh), backend: per(used.backend) },
    otherCores: Math.max(0, Math.round((others / elapsedUs) * 100) / 100),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Direct and through-the-mesh measurements, alternating which goes first, for `rounds` rounds. */
function compare(
  loadgen: string,
  direct: Target,
  mesh: Target,
  pids: { mesh: number; backend: number },
  mode: 'keepalive' | 'close',
) {
  type Measured = ReturnType<typeof measure>;
  const pairs: { direct: Measured; mesh: Measured }[] = [];
  for (let round = 0; round < rounds; round++) {
    const runDirect = () => measure(loadgen, direct, connections, mode, seconds, { backend: pids.backend });
    const runMesh = () => measure(loadgen, mesh, connections, mode, seconds, pids);
    const pair =
      round % 2 === 0
        ? { direct: runDirect(), mesh: runMesh() }
        : (() => {
            const m = runMesh();
            return { direct: runDirect(), mesh: m };
          })();
    log(
      `bench: ${mode} round ${round + 1}: direct ${pair.direct.rps.toFixed(0)} rps, mesh ${pair.mesh.rps.toFixed(0)} rps (${(pair.mesh.rps / pair.direct.rps).toFixed(3)}); errors ${pair.direct.errors}/${pair.mesh.errors}; other processes ${pair.direct.otherCores}/${pair.mesh.otherCores} cores`,
    );
    pairs.push(pair);
  }
  const quiet = pairs.filter((p) => p.direct.otherCores < 0.1 && p.mesh.otherCores < 0.1);
  return {
    directRps: Math.round(median(pairs.map((p) => p.direct.rps))),
    meshRps: Math.round(median(pairs.map((p) => p.mesh.rps))),
    ratio: round3(median(pairs.map((p) => p.mesh.rps / p.direct.rps))),
    // Rounds where other processes of the machine took less than a tenth of a core in both runs.
    quietRounds: quiet.length,
    quietRatio: quiet.length ? round3(median(quiet.map((p) => p.mesh.rps / p.direct.rps))) : null,
    otherCores: median(pairs.flatMap((p) => [p.direct.otherCores, p.mesh.otherCores])),
    errors: pairs.reduce((sum, p) => sum + p.direct.errors + p.mesh.errors, 0),
    cpuUsPerRequest: {
      direct: medianCpu(pairs.map((p) => p.direct.cpu)),
      mesh: medianCpu(pairs.map((p) => p.mesh.cpu)),
    },
  };
}

function medianCpu(shares: CpuShare[]): CpuShare {
  return {
    loadgen: median(shares.map((s) => s.loadgen)),
    mesh: median(shares.map((s) => s.mesh)),
    backend: median(shares.map((s) => s.backend)),
  };
}

/** Latency added with one keep-alive connection: p50 and p99 through the mesh minus straight to the task. */
function addedLatency(loadgen: string, direct: Target, mesh: Target) {
  const added50: number[] = [];
  const added99: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const d = load(loadgen, direct, 1, 'keepalive', latencySeconds);
    const m = load(loadgen, mesh, 1, 'keepalive', latencySeconds);
    log(`bench: one connection round ${round + 1}: p50 direct ${d.p50Us} us, mesh ${m.p50Us} us`);
    added50.push(m.p50Us - d.p50Us);
    added99.push(m.p99Us - d.p99Us);
  }
  return { addedP50Ms: round3(median(added50) / 1000), addedP99Ms: round3(median(added99) / 1000) };
}

async function startMesh(relay: 'native' | 'js', table: unknown, nodeAddr: string) {
  const spin = process.env.MESH_BENCH_SPIN_US;
  const { child, first } = await startChild<{ ready: boolean; relay: 'native' | 'js' }>('mesh-node.js', [], {
    nodeAddr,
    nodeId: 'bench-mesh-node',
    relay,
    table,
    ...(spin !== undefined ? { spinUs: Number(spin) } : {}),
  });
  return { pid: child.pid!, relay: first.relay };
}

async function main(): Promise<void> {
  const loadgen = buildTools();
  const backendAddr = randomLoopback();
  const meshAddr = randomLoopback();
  const { child: backend, first } = await startChild<{ port: number }>('backend.js', [backendAddr]);
  const direct = { host: backendAddr, port: first.port };

  const swarm = new SwarmFixture();
  const taskNode = await swarm.node();
  const published = await freePort(meshAddr);
  const service = await swarm.service('web', {
    ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: published, PublishMode: 'ingress' }],
  });
  await swarm.task(service, {
    nodeId: taskNode,
    endpoints: [{ targetPort: 8080, protocol: 'tcp', hostAddr: backendAddr, hostPort: direct.port }],
  });
  const table = swarm.table();
  const wanted = process.env.MESH_BENCH_RELAY === 'js' ? 'js' : 'native';
  const built = existsSync(`${root}orchestrator/mesh/native/build/Release/mesh_relay.node`);
  const mesh = await startMesh(wanted === 'native' && built ? 'native' : 'js', table, meshAddr);
  const through = { host: meshAddr, port: published };
  const pids = { mesh: mesh.pid, backend: backend.pid! };

  // Warm up both paths (JIT of the backend, TCP state).
  load(loadgen, direct, connections, 'keepalive', 1);
  load(loadgen, through, connections, 'keepalive', 1);

  const keepAlive = compare(loadgen, direct, through, pids, 'keepalive');
  const newConn = compare(loadgen, direct, through, pids, 'close');
  const latency = addedLatency(loadgen, direct, through);

  let js: Record<string, number> = {};
  if (process.env.MESH_BENCH_COMPARE === '1' && mesh.relay === 'native') {
    const jsAddr = randomLoopback();
    const jsPort = await freePort(jsAddr);
    const jsTable = new SwarmFixture();
    const node = await jsTable.node();
    const jsService = await jsTable.service('web', {
      ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: jsPort, PublishMode: 'ingress' }],
    });
    await jsTable.task(jsService, {
      nodeId: node,
      endpoints: [{ targetPort: 8080, protocol: 'tcp', hostAddr: backendAddr, hostPort: direct.port }],
    });
    const jsMesh = await startMesh('js', jsTable.table(), jsAddr);
    const jsTarget = { host: jsAddr, port: jsPort };
    const jsPids = { mesh: jsMesh.pid, backend: backend.pid! };
    const jsKeepAlive = compare(loadgen, direct, jsTarget, jsPids, 'keepalive');
    const jsNewConn = compare(loadgen, direct, jsTarget, jsPids, 'close');
    const jsLatency = addedLatency(loadgen, direct, jsTarget);
    js = {
      jsRelayKeepAliveRatio: jsKeepAlive.ratio,
      jsRelayNewConnRatio: jsNewConn.ratio,
      jsRelayAddedP50Ms: jsLatency.addedP50Ms,
      jsRelayMeshCpuUsPerKeepAliveRequest: jsKeepAlive.cpuUsPerRequest.mesh.mesh,
    };
  }

  const result = {
    bench: 'mesh',
    relay: mesh.relay,
    loadgen: 'bench/mesh/loadgen.c (epoll, 1 thread)',
    connections,
    secondsPerRun: seconds,
    rounds,
    directKeepAliveRps: keepAlive.directRps,
    meshKeepAliveRps: keepAlive.meshRps,
    keepAliveRatio: keepAlive.ratio,
    directNewConnRps: newConn.directRps,
    meshNewConnRps: newConn.meshRps,
    newConnRatio: newConn.ratio,
    ...latency,
    errors: keepAlive.errors + newConn.errors,
    // Other processes share the machine: their median CPU use during the runs, and the ratios of the rounds
    // where they were quiet (< 0.1 core), when there were such rounds.
    otherProcessesCores: { keepAlive: keepAlive.otherCores, newConn: newConn.otherCores },
    quietRounds: { keepAlive: keepAlive.quietRounds, newConn: newConn.quietRounds },
    quietKeepAliveRatio: keepAlive.quietRatio,
    quietNewConnRatio: newConn.quietRatio,
    cpuUsPerRequest: {
      keepAlive: keepAlive.cpuUsPerRequest,
      newConn: newConn.cpuUsPerRequest,
    },
    ...js,
    targets: { keepAliveRatio: 0.7, newConnRatio: 0.55, addedP50Ms: 0.06 },
  };
  console.log(JSON.stringify(result));
}

try {
  await main();
} finally {
  for (const child of children) child.stdin?.end();
}
