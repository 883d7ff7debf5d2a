import { ExistsError, NameConflictError, NotFoundError, SequenceConflictError } from './errors.js';
import type { Draft, Meta, NamedTableName, TableName, Tables, TaskObject } from './objects.js';
import { isNamed, nameOf, type State } from './state.js';

/** Read access to the store's tables at one point in time. Returned objects are frozen: copy to change. */
export interface ReadTx {
  get<T extends TableName>(table: T, id: string): Tables[T] | undefined;
  list<T extends TableName>(table: T): Tables[T][];
  find<T extends TableName>(table: T, predicate: (object: Tables[T]) => boolean): Tables[T][];
  byName<T extends NamedTableName>(table: T, name: string): Tables[T] | undefined;
  tasksByService(serviceId: string): TaskObject[];
  tasksByNode(nodeId: string): TaskObject[];
}

/** Read-write access inside `Store.update`. Writes are visible to later reads of the same transaction. */
export interface WriteTx extends ReadTx {
  /** Adds an object; fills in `Version` and the timestamps. Throws ExistsError or NameConflictError. */
  create<T extends TableName>(table: T, draft: Draft<Tables[T]> & { ID: string }): Tables[T];
  /** Replaces an object. `object.Version` must be the stored one, else SequenceConflictError. */
  update<T extends TableName>(table: T, object: Tables[T]): Tables[T];
  /** Removes an object. Throws NotFoundError. */
  delete(table: TableName, id: string): void;
}

/** One write of a transaction, as replicated through Raft. */
export type Op =
  | { op: 'create'; table: TableName; object: Tables[TableName] }
  | { op: 'update'; table: TableName; object: Tables[TableName]; expect: number }
  | { op: 'delete'; table: TableName; id: string; expect: number };

/** A transaction as replicated: an id (to settle the proposer's promise) and its ops, all or nothing. */
export interface TxnRecord {
  txn: string;
  ops: Op[];
}

type AnyObject = Tables[TableName];
const key = (table: TableName, id: string) => `${table}/${id}`;

/**
 * Staged writes over the state. The leader builds one while running an update function; every manager
 * replays the same ops through `stage` when the entry commits, so the checks run identically everywhere.
 */
export class Transaction implements WriteTx {
  readonly ops: Op[] = [];
  /** Staged objects; `null` marks a deletion. */
  readonly staged = new Map<string, { table: TableName; id: string; object: AnyObject | null }>();
  private readonly undo: { ops: number; key: string; previous: AnyObject | null | undefined }[] = [];

  constructor(
    private readonly state: State,
    private readonly now: () => string,
  ) {}

  get<T extends TableName>(table: T, id: string): Tables[T] | undefined {
    const staged = this.staged.get(key(table, id));
    if (staged) return (staged.object ?? undefined) as Tables[T] | undefined;
    return this.state.get(table, id);
  }

  list<T extends TableName>(table: T): Tables[T][] {
    const result: Tables[T][] = [];
    for (const [id, object] of this.state.table(table)) {
      if (!this.staged.has(key(table, id))) result.push(object);
    }
    for (const entry of this.staged.values()) {
      if (entry.table === table && entry.object) result.push(entry.object as Tables[T]);
    }
    return result;
  }

  find<T extends TableName>(table: T, predicate: (object: Tables[T]) => boolean): Tables[T][] {
    return this.list(table).filter(predicate);
  }

  byName<T extends NamedTableName>(table: T, name: string): Tables[T] | undefined {
    const lower = name.toLowerCase();
    for (const entry of this.staged.values()) {
      if (entry.table === table && entry.object && nameOf(entry.object).toLowerCase() === lower) {
        return entry.object as Tables[T];
      }
    }
    const id = this.state.idByName(table, name);
    return id === undefined ? undefined : (this.get(table, id) as Tables[T] | undefined);
  }

  tasksByService(serviceId: string): TaskObject[] {
    return this.indexed(this.state.taskIdsOfService(serviceId), (t) => t.ServiceID === serviceId);
  }

  tasksByNode(nodeId: string): TaskObject[] {
    return this.indexed(this.state.taskIdsOfNode(nodeId), (t) => t.NodeID === nodeId);
  }

  create<T extends TableName>(table: T, draft: Draft<Tables[T]> & { ID: string }): Tables[T] {
    const at = this.now();
    const object = { ...draft, Version: { Index: 0 }, CreatedAt: at, UpdatedAt: at } as unknown as Tables[T];
    this.stage({ op: 'create', table, object });
    return object;
  }

  update<T extends TableName>(table: T, object: Tables[T]): Tables[T] {
    const updated = { ...object, UpdatedAt: this.now() } as Tables[T];
    this.stage({ op: 'update', table, object: updated, expect: object.Version.Index });
    return updated;
  }

  delete(table: TableName, id: string): void {
    const current = this.get(table, id);
    if (!current) throw new NotFoundError(table, id);
    this.stage({ op: 'delete', table, id, expect: current.Version.Index });
  }

  /** Checks one op against what this transaction sees and stages it. Throws a StoreError if it does not apply. */
  stage(op: Op): void {
    const id = op.op === 'delete' ? op.id : op.object.ID;
    const current = this.get(op.table, id);
    if (op.op === 'create' && current) throw new ExistsError(op.table, id);
    if (op.op !== 'create') {
      if (!current) throw new NotFoundError(op.table, id);
      if ((current as Meta).Version.Index !== op.expect) throw new SequenceConflictError(op.table, id);
    }
    if (op.op !== 'delete' && isNamed(op.table)) {
      const holder = this.byName(op.table, nameOf(op.object));
      if (holder && holder.ID !== id) throw new NameConflictError(op.table, nameOf(op.object));
    }
    const k = key(op.table, id);
    this.undo.push({ ops: this.ops.length, key: k, previous: this.staged.get(k)?.object });
    this.staged.set(k, { table: op.table, id, object: op.op === 'delete' ? null : op.object });
    this.ops.push(op);
  }

  /** Marks a point to roll back to (a failed sub-update of a batch leaves no trace). */
  savepoint(): () => void {
    const depth = this.undo.length;
    return () => {
      while (this.undo.length > depth) {
        const step = this.undo.pop()!;
        this.ops.length = step.ops;
        if (step.previous === undefined) this.staged.delete(step.key);
        else {
          const entry = this.staged.get(step.key)!;
          this.staged.set(step.key, { ...entry, object: step.previous });
        }
      }
    };
  }

  private indexed(ids: ReadonlySet<string>, belongs: (task: TaskObject) => boolean): TaskObject[] {
    const result: TaskObject[] = [];
    for (const id of ids) {
      if (this.staged.has(key('tasks', id))) continue;
      const task = this.state.get('tasks', id);
      if (task) result.push(task);
    }
    for (const entry of this.staged.values()) {
      if (entry.table === 'tasks' && entry.object && belongs(entry.object as TaskObject)) {
        result.push(entry.object as TaskObject);
      }
    }
    return result;
  }
}
