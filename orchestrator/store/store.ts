import { randomBytes } from 'node:crypto';
import { Serial } from '../common/serial.js';
import { deepFreeze } from './deep-freeze.js';
import type { TableName, Tables } from './objects.js';
import { tableNames } from './objects.js';
import type { Applier, Proposer } from './proposer.js';
import { State } from './state.js';
import { type ReadTx, Transaction, type TxnRecord, type WriteTx } from './transaction.js';
import { type ChangeSet, changeQueue, type StoreEvent } from './watch.js';

/** Largest number of writes one replicated transaction of a batch carries (keeps Raft entries bounded). */
export const maxOpsPerBatchTxn = 500;

/** One sub-update of a batch: each runs on its own, a failing one leaves no trace and does not stop the rest. */
export interface Batch {
  update(fn: (tx: WriteTx) => void): void;
}

interface Pending {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The managers' in-memory store of cluster objects, replicated through a Proposer (Raft in swarmd).
 *
 * Writers call `update`/`batch`; their writes reach the tables only when the Raft entry commits and comes back
 * through `apply`, on every manager alike. `view` reads the applied state; `subscribe`/`watch` report each
 * applied transaction. Writes are serialized: an update function always runs against the latest applied state.
 */
export class Store implements Applier {
  private readonly state = new State();
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(change: ChangeSet) => void>();
  private readonly writes = new Serial();
  private proposer: Proposer | undefined;

  constructor(
    proposer?: Proposer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.proposer = proposer;
  }

  /** Sets how transactions replicate (swarmd creates the store before the Raft node that replicates it). */
  setProposer(proposer: Proposer | undefined): void {
    this.proposer = proposer;
  }

  /** Raft index of the last applied entry. */
  get appliedIndex(): number {
    return this.state.index;
  }

  view<R>(fn: (tx: ReadTx) => R): R {
    return fn(new Transaction(this.state, this.timestamp));
  }

  /** Runs `fn` on the latest state and replicates its writes as one transaction (none: nothing is proposed). */
  update<R>(fn: (tx: WriteTx) => R): Promise<R> {
    return this.writes.run(async () => {
      const tx = new Transaction(this.state, this.timestamp);
      const result = fn(tx);
      if (tx.ops.length > 0) await this.replicate(tx);
      return result;
    });
  }

  /**
   * Runs many small updates, replicated in transactions of at most `maxOpsPerBatchTxn` writes. Errors of
   * sub-updates are collected and returned, not thrown.
   */
  batch(fn: (batch: Batch) => void): Promise<unknown[]> {
    return this.writes.run(async () => {
      const updates: ((tx: WriteTx) => void)[] = [];
      fn({ update: (u) => updates.push(u) });
      const errors: unknown[] = [];
      let tx = new Transaction(this.state, this.timestamp);
      for (const update of updates) {
        const rollback = tx.savepoint();
        try {
          update(tx);
        } catch (error) {
          rollback();
          errors.push(error);
        }
        if (tx.ops.length >= maxOpsPerBatchTxn) {
          await this.replicate(tx);
          tx = new Transaction(this.state, this.timestamp);
        }
      }
      if (tx.ops.length > 0) await this.replicate(tx);
      return errors;
    });
  }

  /** Calls `listener` after every applied transaction (synchronously, in apply order). Returns an unsubscribe. */
  subscribe(listener: (change: ChangeSet) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The applied transactions from now on, as an async iterator that ends when `signal` aborts. */
  watch(signal?: AbortSignal): AsyncIterableIterator<ChangeSet> {
    return changeQueue((listener) => this.subscribe(listener), signal);
  }

  /** Applies a committed entry: replays its ops with the same checks the leader ran, all or nothing. */
  apply(index: number, data: Uint8Array): void {
    let record: TxnRecord;
    try {
      record = JSON.parse(Buffer.from(data).toString('utf8')) as TxnRecord;
    } catch {
      this.state.index = index;
      return; // not a store transaction (e.g. an empty entry a new leader appends)
    }
    const waiter = this.pending.get(record.txn);
    this.pending.delete(record.txn);
    const tx = new Transaction(this.state, this.timestamp);
    try {
      for (const op of record.ops) tx.stage(op);
    } catch (error) {
      this.state.index = index;
      waiter?.reject(error);
      return;
    }
    const events: StoreEvent[] = [];
    for (const { table, id, object } of tx.staged.values()) {
      const previous = this.state.get(table, id);
      if (object) {
        const stored = deepFreeze({ ...object, Version: { Index: index } }) as Tables[TableName];
        this.state.put(table, stored);
        events.push({
          table,
          action: previous ? 'update' : 'create',
          object: stored,
          previous,
        } as StoreEvent);
      } else if (previous) {
        this.state.remove(table, id);
        events.push({ table, action: 'delete', object: previous } as StoreEvent);
      }
    }
    this.state.index = index;
    this.notify({ index, events });
    waiter?.resolve();
  }

  /** The whole state, for a Raft snapshot. */
  snapshot(): Uint8Array {
    const tables: Record<string, unknown[]> = {};
    for (const table of tableNames) tables[table] = [...this.state.table(table).values()];
    return Buffer.from(JSON.stringify({ format: 1, index: this.state.index, tables }));
  }

  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array, index: number): void {
    const snapshot = JSON.parse(Buffer.from(data).toString('utf8')) as {
      tables: Record<TableName, unknown[]>;
    };
    this.state.clear();
    for (const table of tableNames) {
      for (const object of snapshot.tables[table] ?? []) {
        this.state.put(table, deepFreeze(object) as Tables[TableName]);
      }
    }
    this.state.index = index;
    this.notify({ index, events: [], reset: true });
  }

  private readonly timestamp = () => this.now().toISOString();

  private async replicate(tx: Transaction): Promise<void> {
    if (!this.proposer) throw new Error('this store has no proposer: it is not a manager or not started');
    const txn = randomBytes(12).toString('base64url');
    const settled = new Promise<void>((resolve, reject) => this.pending.set(txn, { resolve, reject }));
    const record: TxnRecord = { txn, ops: tx.ops };
    try {
      await this.proposer.propose(Buffer.from(JSON.stringify(record)));
    } catch (error) {
      this.pending.delete(txn);
      throw error;
    }
    if (this.pending.has(txn)) {
      this.pending.delete(txn);
      throw new Error('the proposer resolved before the transaction was applied');
    }
    return settled;
  }

  private notify(change: ChangeSet): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        process.emitWarning(`store listener failed: ${(error as Error).message}`);
      }
    }
  }
}
