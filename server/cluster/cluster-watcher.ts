import {
  type ClusterSnapshot,
  type EngineReader,
  type LabTarget,
  snapshotKey,
  takeSnapshot,
} from '../../lessons/checks/cluster-snapshot.js';
import { engineRequest } from '../../orchestrator/api/client.js';
import type { EventMessage } from '../../orchestrator/api/engine-types.js';
import { EventStreams } from './event-streams.js';

export interface WatcherOptions {
  /** After an event, wait this long before reading, so a burst of events costs one reading. */
  settleMs?: number;
  /**
   * Readings that events ask for are at least this far apart: a busy cluster is read no more often than the
   * 200 ms poll this watcher replaced.
   */
  minGapMs?: number;
  /**
   * Read once more this long after the last event: what follows an event without one of its own (a task's
   * status reaching the managers ~100 ms after its container started) shows up then, not at the backstop.
   */
  trailMs?: number;
}

interface Run {
  abort: AbortController;
  streams: EventStreams;
}

/**
 * Keeps a lab's cluster state fresh and says when it changed. It follows every node's `GET /events` and reads
 * the cluster soon after an event, and reads everything every `intervalMs` anyway (a backstop for changes no
 * event announces: a task going pending -> assigned, a node's heartbeat running out).
 */
export class ClusterWatcher {
  /** HTTP requests made so far: reads and event stream connections (benchmarks divide it by time). */
  requests = 0;
  private snapshot: ClusterSnapshot | undefined;
  private key = '';
  private readonly listeners: ((snapshot: ClusterSnapshot) => void)[] = [];
  private readonly settleMs: number;
  private readonly minGapMs: number;
  private readonly trailMs: number;
  private run: Run | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** When the last reading started, and the last one that read every node's /info. */
  private readAt = 0;
  private fullReadAt = 0;
  /** Readings events asked for: soon and once more later, and which nodes' /info they made stale (all: undefined). */
  private dueAt: number | undefined;
  private trailAt: number | undefined;
  private stale: Set<number> | undefined = new Set();
  private poked = false;
  /** Readings started and the latest one applied, so a slow reading never replaces a newer one. */
  private started = 0;
  private applied = 0;

  constructor(
    readonly target: LabTarget,
    readonly intervalMs = 1_000,
    options: WatcherOptions = {},
  ) {
    this.settleMs = options.settleMs ?? 40;
    this.minGapMs = options.minGapMs ?? 200;
    this.trailMs = options.trailMs ?? 250;
  }

  /** The latest reading, if any. */
  get latest(): ClusterSnapshot | undefined {
    return this.snapshot;
  }

  /** Event streams open now (0 once stopped). */
  get openStreams(): number {
    return this.run?.streams.open ?? 0;
  }

  /** Called after each reading whose content differs from the previous one. */
  onChange(listener: (snapshot: ClusterSnapshot) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Starts watching (idempotent); the first reading is reported as a change. */
  start(): void {
    if (this.run) return;
    const run: Run = {
      abort: new AbortController(),
      streams: new EventStreams(
        this.target.nodes.map((n) => n.dockerHost),
        {
          onEvent: (index, event) => this.onEvent(index, event),
          onGap: (index) => this.markStale(index),
          onConnect: () => this.requests++,
        },
      ),
    };
    this.run = run;
    this.dueAt = undefined;
    this.trailAt = undefined;
    this.stale = undefined;
    void this.loop(run);
  }

  /** Stops watching: ends the event streams, the reading in flight and the timers. */
  stop(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    run.streams.close();
    run.abort.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
  }

  /** Reads everything now instead of at the next tick (e.g. right after the learner pressed Enter). */
  poke(): void {
    this.poked = true;
    this.schedule();
  }

  /** Reads everything once now and reports a change if there is one. */
  refresh(): Promise<ClusterSnapshot> {
    return this.read(undefined, this.run?.abort.signal);
  }

  private onEvent(index: number, event: EventMessage): void {
    // A node's role, availability or membership shows in its own /info too; other events touch only the sender.
    if (event.Type === 'node') this.stale = undefined;
    this.markStale(index);
  }

  private markStale(index: number): void {
    this.stale?.add(index);
    const now = Date.now();
    if (this.dueAt === undefined) this.dueAt = now + this.settleMs;
    this.trailAt = now + this.trailMs;
    this.schedule();
  }

  /** When the next reading is due: at once when poked, soon after events, else at the backstop. */
  private nextAt(): number {
    if (this.poked) return 0;
    const backstop = this.fullReadAt + this.intervalMs;
    const soon = this.dueAt === undefined ? backstop : Math.max(this.dueAt, this.readAt + this.minGapMs);
    return Math.min(backstop, soon, this.trailAt ?? backstop);
  }

  /** Re-arms the wait between readings for a changed due time (a no-op while a reading runs). */
  private schedule(): void {
    const wake = this.wake;
    if (!wake) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(wake, Math.max(0, this.nextAt() - Date.now()));
  }

  private async loop(run: Run): Promise<void> {
    while (this.run === run) {
      const now = Date.now();
      const full = this.poked || !this.stale || now >= this.fullReadAt + this.intervalMs;
      const stale = this.stale;
      this.poked = false;
      this.dueAt = undefined;
      if (this.trailAt !== undefined && now >= this.trailAt) this.trailAt = undefined;
      this.stale = new Set();
      this.readAt = now;
      if (full) this.fullReadAt = now;
      try {
        await this.read(full ? undefined : stale, run.abort.signal);
      } catch {
        // a reading that throws is retried at the next one
      }
      if (this.run !== run) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.schedule();
      });
      this.wake = undefined;
      clearTimeout(this.timer);
    }
  }

  /** One reading: the swarm-wide state, and the /info of the nodes in `stale` (every node: undefined). */
  private async read(
    stale: Set<number> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ClusterSnapshot> {
    const seq = ++this.started;
    const previous = this.snapshot;
    const snapshot = await takeSnapshot(this.target, {
      timeoutMs: 2_000,
      reuseNodes: stale && previous?.nodes.map((node, i) => (stale.has(i) ? undefined : node)),
      read: this.reader(signal),
    });
    // A reading cut short by stop() sees every node unreachable: not news to report.
    if (signal?.aborted || seq < this.applied) return snapshot;
    this.applied = seq;
    this.snapshot = snapshot;
    const key = snapshotKey(snapshot);
    if (key !== this.key) {
      this.key = key;
      for (const listener of [...this.listeners]) listener(snapshot);
    }
    return snapshot;
  }

  private reader(signal: AbortSignal | undefined): EngineReader {
    return async <T>(dockerHost: string, path: string, timeoutMs: number) => {
      this.requests++;
      return (await engineRequest<T>(dockerHost, 'GET', path, undefined, { timeoutMs, signal })).body;
    };
  }
}
