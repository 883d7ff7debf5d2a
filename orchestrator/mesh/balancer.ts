import type { Backend } from './routes.js';

/**
 * Round-robin over a changing set of backends. Each key (a service and port) keeps its own cursor, which
 * survives table updates: a new table shifts the rotation, it does not restart it.
 */
export class Balancer {
  private readonly cursors = new Map<string, number>();

  /** The backends in the order to try them for the next connection: the next in turn first, then the rest. */
  order(key: string, backends: readonly Backend[]): Backend[] {
    if (backends.length <= 1) return [...backends];
    const cursor = this.cursors.get(key) ?? 0;
    const start = cursor % backends.length;
    this.cursors.set(key, (start + 1) % backends.length);
    return [...backends.slice(start), ...backends.slice(0, start)];
  }

  /** Forgets cursors whose key is no longer in use. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.cursors.keys()) if (!keys.has(key)) this.cursors.delete(key);
  }
}
