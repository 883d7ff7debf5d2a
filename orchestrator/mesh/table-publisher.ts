import type { Store } from '../store/store.js';
import type { ChangeSet } from '../store/watch.js';
import { type MeshTable, meshTable } from './mesh-table.js';

/** Changes are gathered this long before the table is computed and sent. */
export const defaultDebounceMs = 20;

const meshTables = new Set(['services', 'tasks', 'nodes', 'networks']);

/**
 * The leader's side of the mesh: follows the store, and after changes that may touch routing (debounced)
 * computes the mesh table and hands it to `publish` when it differs from the last one. The dispatcher
 * sends it to every node's session, and `current` to a session that just opened.
 */
export class MeshTablePublisher {
  private table: MeshTable;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly publish: (table: MeshTable) => void,
    private readonly debounceMs = defaultDebounceMs,
  ) {
    this.table = store.view(meshTable);
  }

  /** The latest table (for a session that just opened). */
  get current(): MeshTable {
    return this.table;
  }

  /** Follows the store until `stop`. */
  start(): void {
    this.unsubscribe ??= this.store.subscribe((change) => this.onChange(change));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onChange(change: ChangeSet): void {
    if (!change.reset && !change.events.some((e) => meshTables.has(e.table))) return;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const table = this.store.view(meshTable);
      if (table.version === this.table.version) return;
      this.table = table;
      this.publish(table);
    }, this.debounceMs);
  }
}
