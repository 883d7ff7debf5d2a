/**
 * @module A Raft member as a child process, for the crash test and the benchmark. It speaks JSON lines:
 * commands on stdin, events on stdout, logs on stderr. It exits when stdin closes, so it never outlives
 * its parent.
 *
 * Commands: listen {id, host, port}; open {id, dataDir, bootstrap?, timing?, snapshotInterval?, machine};
 * put {req, value}; probe {req} (propose as soon as this member leads); cancel-probe; state; status;
 * bench {concurrency, durationMs, size}.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { NotLeaderError, RaftError } from '../errors.js';
import { RaftNode, type StateMachine } from '../node.js';
import type { TimingOption } from '../timing.js';
import { TcpTransport } from '../transport/tcp-transport.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function emit(ev: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(ev)}\n`);
}

/** Keeps every value applied (crash test: every acknowledged write must be found). */
class ValueLog implements StateMachine {
  values: string[] = [];
  apply(entry: { data: Uint8Array }): void {
    this.values.push(decoder.decode(entry.data));
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify(this.values));
  }
  restore(data: Uint8Array): void {
    this.values = JSON.parse(decoder.decode(data)) as string[];
  }
  summary(): Record<string, unknown> {
    return { count: this.values.length, values: this.values };
  }
}

/** Counts entries and hashes them (benchmark: a cheap state machine). */
class Counter implements StateMachine {
  count = 0;
  bytes = 0;
  apply(entry: { data: Uint8Array }): void {
    this.count++;
    this.bytes += entry.data.byteLength;
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ count: this.count, bytes: this.bytes }));
  }
  restore(data: Uint8Array): void {
    const s = JSON.parse(decoder.decode(data)) as { count: number; bytes: number };
    this.count = s.count;
    this.bytes = s.bytes;
  }
  summary(): Record<string, unknown> {
    return { count: this.count, bytes: this.bytes };
  }
}

let transport: TcpTransport | undefined;
let node: RaftNode | undefined;
let machine: ValueLog | Counter | undefined;
let id = '';
const probes = new Set<number>();

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${id} ${line}\n`);
}

function errorFields(err: unknown): Record<string, unknown> {
  const e = err as Error;
  const out: Record<string, unknown> = {
    ok: false,
    error: e.message,
    code: err instanceof RaftError ? err.code : 'ERROR',
  };
  if (err instanceof NotLeaderError) out.leaderId = err.leaderId;
  return out;
}

async function listen(host: string, port: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    transport = new TcpTransport({ id, logger: log });
    try {
      const a = await transport.listen(host, port);
      emit({ ev: 'listening', host, port: a.port });
      return;
    } catch (err) {
      await transport.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function probe(req: number): Promise<void> {
  probes.add(req);
  while (probes.has(req)) {
    if (node?.status().role === 'leader') {
      try {
        const { index } = await node.propose(encoder.encode(`probe-${req}-${Date.now()}`));
        probes.delete(req);
        emit({ ev: 'probe', req, ok: true, index });
        return;
      } catch {
        // lost leadership again: keep trying
      }
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function bench(concurrency: number, durationMs: number, size: number): Promise<void> {
  const n = node!;
  const payload = new Uint8Array(size).fill(120);
  const latencies: number[] = [];
  let errors = 0;
  const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const gcs: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await n.propose(payload);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  h.disable();
  obs.disconnect();
  gcs.sort((a, b) => a - b);
  const diag = {
    loopP99: h.percentile(99) / 1e6,
    loopMax: h.max / 1e6,
    gcs: gcs.length,
    gcTotal: gcs.reduce((a, b) => a + b, 0),
    gcMax: gcs.at(-1) ?? 0,
    gcP99: gcs[Math.floor(gcs.length * 0.99)] ?? 0,
  };
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  emit({
    ev: 'bench',
    commits: latencies.length,
    errors,
    seconds,
    p50: pct(0.5),
    p90: pct(0.9),
    p95: pct(0.95),
    p99: pct(0.99),
    p999: pct(0.999),
    max: latencies[latencies.length - 1] ?? 0,
    ...diag,
  });
}

async function handle(cmd: Record<string, unknown>): Promise<void> {
  switch (cmd.cmd) {
    case 'listen':
      id = String(cmd.id);
      await listen(String(cmd.host), Number(cmd.port ?? 0));
      return;
    case 'open': {
      id = String(cmd.id);
      machine = cmd.machine === 'counter' ? new Counter() : new ValueLog();
      if (!transport || transport.id !== id) throw new Error('open must follow listen with the same id');
      node = await RaftNode.open({
        id,
        dataDir: String(cmd.dataDir),
        transport,
        stateMachine: machine,
        bootstrap: cmd.bootstrap ? { members: cmd.bootstrap as { id: string; addr: string }[] } : undefined,
        timing: (cmd.timing as TimingOption | undefined) ?? 'lab',
        snapshotInterval: cmd.snapshotInterval as number | undefined,
        logger: cmd.verbose ? log : undefined,
      });
      node.on('status', (s) => emit({ ev: 'status', role: s.role, leaderId: s.leaderId, term: s.term }));
      node.on('fatal', (err: Error) => {
        log(`fatal: ${err.message}`);
        process.exit(3);
      });
      emit({ ev: 'opened', id });
      return;
    }
    case 'put': {
      const req = cmd.req;
      try {
        const { index } = await node!.propose(encoder.encode(String(cmd.value)));
        emit({ ev: 'put', req, ok: true, index });
      } catch (err) {
        emit({ ev: 'put', req, ...errorFields(err) });
      }
      return;
    }
    case 'probe':
      await probe(Number(cmd.req));
      return;
    case 'cancel-probe':
      probes.clear();
      return;
    case 'state': {
      const s = node!.status();
      const summary = machine!.summary();
      const digest = createHash('sha256').update(JSON.stringify(summary)).digest('hex');
      emit({
        ev: 'state',
        req: cmd.req,
        applied: s.appliedIndex,
        commit: s.commitIndex,
        role: s.role,
        digest,
        ...summary,
      });
      return;
    }
    case 'status':
      emit({ ev: 'status-reply', req: cmd.req, ...node!.status() });
      return;
    case 'bench':
      await bench(Number(cmd.concurrency), Number(cmd.durationMs), Number(cmd.size ?? 128));
      return;
    default:
      emit({ ev: 'error', error: `unknown command ${String(cmd.cmd)}` });
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let cmd: Record<string, unknown>;
  try {
    cmd = JSON.parse(line) as Record<string, unknown>;
  } catch {
    emit({ ev: 'error', error: `bad command line: ${line}` });
    return;
  }
  handle(cmd).catch((err: Error) => {
    emit({ ev: 'error', cmd: cmd.cmd, error: err.message });
    log(err.stack ?? err.message);
  });
});
rl.on('close', () => process.exit(0));
