/** Small helpers the manager loops share. */
import type { TableName, Tables } from '../../store/objects.js';
import type { ChangeSet, StoreEvent } from '../../store/watch.js';

/** Where the loops report what they could not do (the daemon logs it; tests may collect it). */
export type LoopLogger = (message: string, error?: unknown) => void;

/** The default logger: a process warning, so a failure is visible without crashing the manager. */
export const warn: LoopLogger = (message, error) => {
  const detail =
    error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
  process.emitWarning(`${message}${detail}`, 'SwarmlabManager');
};

/** Resolves `true` after `ms`, or `false` as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What a reconciliation loop does: rebuild from the store, take in one change, act on what changed. */
export interface ReconcileLoop {
  init(): void;
  handle(change: ChangeSet): void;
  tick(): Promise<void>;
}

/**
 * The loop shape the orchestrators share: reconcile once from the store, then after every change (a reset
 * after a snapshot rebuilds), until `signal` aborts. A failing round is logged and the loop goes on.
 */
export async function followStore(
  store: { watch(signal?: AbortSignal): AsyncIterableIterator<ChangeSet> },
  signal: AbortSignal,
  loop: ReconcileLoop,
  name: string,
  log: LoopLogger,
): Promise<void> {
  const changes = store.watch(signal);
  loop.init();
  await loop.tick();
  for await (const change of changes) {
    try {
      if (change.reset) loop.init();
      else loop.handle(change);
      await loop.tick();
    } catch (error) {
      log(`${name}: reconciliation failed`, error);
    }
  }
}

/** The events of one table in a change set, typed. */
export function eventsOf<T extends TableName>(
  change: ChangeSet,
  table: T,
): Extract<StoreEvent, { table: T }>[] {
  return change.events.filter((event): event is Extract<StoreEvent, { table: T }> => event.table === table);
}

/** Nanoseconds (the Engine API's durations) to milliseconds. */
export function nanosToMs(nanos: number | undefined): number {
  return nanos ? nanos / 1e6 : 0;
}

/** The object of an event, typed by its table. */
export type ObjectOf<T extends TableName> = Tables[T];

/**
 * Runs `work` soon, never twice at once: a request while it runs schedules one more run after it. Used by the
 * loops to coalesce many store events into one write batch.
 */
export class Coalescer {
  private running = false;
  private again = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly work: () => Promise<void>,
    private readonly log: LoopLogger,
    private readonly what: string,
  ) {}

  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.loop();
  }

  /** Resolves once no run is in progress or requested. */
  settled(): Promise<void> {
    return this.idle;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        await this.work();
      } catch (error) {
        this.log(`${this.what} failed`, error);
      }
    } while (this.again);
    this.running = false;
  }
}
