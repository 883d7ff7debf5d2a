import { engineStream } from '../../orchestrator/api/client.js';
import type { EventMessage } from '../../orchestrator/api/engine-types.js';

export interface EventStreamsOptions {
  /** An event from node `index` (its position in the list of hosts). */
  onEvent(index: number, event: EventMessage): void;
  /** Node `index`'s stream opened or ended: what it would have said meanwhile is unknown. */
  onGap(index: number): void;
  /** Each connection attempt (to count requests). */
  onConnect?(index: number): void;
  /** Wait before the first reconnect; it doubles per failed attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Follows `GET /events` on each of a lab's nodes until closed, reconnecting with backoff when a node's daemon
 * goes away (restart, crash) and resetting the backoff once it answers again.
 */
export class EventStreams {
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private openCount = 0;

  constructor(
    dockerHosts: string[],
    private readonly options: EventStreamsOptions,
  ) {
    for (const [index, host] of dockerHosts.entries()) this.follow(host, index, 0);
  }

  /** Streams currently open (answered and not ended). */
  get open(): number {
    return this.openCount;
  }

  /** Ends every stream and pending reconnect. */
  close(): void {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private follow(host: string, index: number, failures: number): void {
    if (this.abort.signal.aborted) return;
    let opened = false;
    this.options.onConnect?.(index);
    engineStream(host, '/events', (event) => this.options.onEvent(index, event as EventMessage), {
      signal: this.abort.signal,
      timeoutMs: 5_000,
      onOpen: () => {
        opened = true;
        this.openCount++;
        this.options.onGap(index);
      },
    })
      .catch(() => {
        // ended below either way: a daemon that is gone or refused is retried after a backoff
      })
      .finally(() => {
        if (opened) this.openCount--;
        if (this.abort.signal.aborted) return;
        if (opened) this.options.onGap(index);
        const next = opened ? 0 : failures + 1;
        const base = this.options.backoffMs ?? 100;
        const delay = Math.min(base * 2 ** Math.max(0, next - 1), this.options.maxBackoffMs ?? 3_000);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.follow(host, index, next);
        }, delay);
        this.timers.add(timer);
      });
  }
}
