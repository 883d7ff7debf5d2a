import type { TableName, Tables } from './objects.js';

/** One change to one object, as a watcher sees it. */
export type StoreEvent = {
  [T in TableName]: {
    table: T;
    action: 'create' | 'update' | 'delete';
    /** The object after the change (before it, for a delete). */
    object: Tables[T];
    previous?: Tables[T];
  };
}[TableName];

/** All changes of one applied transaction, or a reset after a snapshot replaced the whole state. */
export interface ChangeSet {
  index: number;
  events: StoreEvent[];
  reset?: boolean;
}

/** An unbounded queue of change sets, consumed as an async iterator; ends when `signal` aborts. */
export function changeQueue(
  subscribe: (listener: (change: ChangeSet) => void) => () => void,
  signal?: AbortSignal,
): AsyncIterableIterator<ChangeSet> {
  const queue: ChangeSet[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const unsubscribe = subscribe((change) => {
    queue.push(change);
    wake?.();
  });
  const finish = () => {
    done = true;
    unsubscribe();
    wake?.();
  };
  signal?.addEventListener('abort', finish, { once: true });
  if (signal?.aborted) finish();

  const iterator: AsyncIterableIterator<ChangeSet> = {
    async next() {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const value = queue.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    },
    async return() {
      finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
