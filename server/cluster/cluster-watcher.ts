import {
  type ClusterSnapshot,
  type LabTarget,
  snapshotKey,
  takeSnapshot,
} from '../../lessons/checks/cluster-snapshot.js';

/** How stale a node's own /info may get while a manager answers for the swarm. */
const nodeInfoMaxAgeMs = 1_000;

/**
 * Keeps a lab's cluster state fresh and says when it changed. Today it reads every node's Engine API at a short
 * interval (local sockets are cheap); it could follow `/events` instead without its users noticing.
 */
export class ClusterWatcher {
  private snapshot: ClusterSnapshot | undefined;
  private key = '';
  private readonly listeners: ((snapshot: ClusterSnapshot) => void)[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private nodesReadAt = 0;
  private poked = false;

  constructor(
    readonly target: LabTarget,
    readonly intervalMs = 200,
  ) {}

  /** The latest reading, if any. */
  get latest(): ClusterSnapshot | undefined {
    return this.snapshot;
  }

  /** Called after each reading whose content differs from the previous one. */
  onChange(listener: (snapshot: ClusterSnapshot) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Starts reading (idempotent); the first reading is reported as a change. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  /** Reads again now instead of at the next tick (e.g. right after the learner pressed Enter). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Reads once now and reports a change if there is one. */
  async refresh(): Promise<ClusterSnapshot> {
    // Once a manager answers, membership and tasks come from it; each node's own /info is re-read once a second.
    const previous = this.snapshot;
    const reuse = previous?.manager && Date.now() - this.nodesReadAt < nodeInfoMaxAgeMs && !this.poked;
    this.poked = false;
    const snapshot = await takeSnapshot(this.target, {
      timeoutMs: 2_000,
      reuseNodes: reuse ? previous.nodes : undefined,
    });
    if (!reuse) this.nodesReadAt = snapshot.takenAt;
    this.snapshot = snapshot;
    const key = snapshotKey(snapshot);
    if (key !== this.key) {
      this.key = key;
      for (const listener of [...this.listeners]) listener(snapshot);
    }
    return snapshot;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.refresh();
      } catch {
        // a reading that throws is retried at the next tick
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.intervalMs);
      });
      this.wake = undefined;
    }
  }
}
