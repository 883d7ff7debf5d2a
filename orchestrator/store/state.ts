import type { NamedTableName, TableName, Tables, TaskObject } from './objects.js';
import { tableNames, uniquelyNamedTables } from './objects.js';

type AnyObject = Tables[TableName];

/** The materialized tables with their secondary indexes. Only `Store.apply` and `Store.restore` change it. */
export class State {
  readonly objects = new Map<TableName, Map<string, AnyObject>>(tableNames.map((t) => [t, new Map()]));
  private readonly names = new Map<NamedTableName, Map<string, string>>(
    uniquelyNamedTables.map((t) => [t, new Map()]),
  );
  private readonly tasksByServiceIndex = new Map<string, Set<string>>();
  private readonly tasksByNodeIndex = new Map<string, Set<string>>();
  /** Raft index of the last applied entry. */
  index = 0;

  table<T extends TableName>(table: T): Map<string, Tables[T]> {
    return this.objects.get(table) as Map<string, Tables[T]>;
  }

  get<T extends TableName>(table: T, id: string): Tables[T] | undefined {
    return this.table(table).get(id);
  }

  idByName(table: NamedTableName, name: string): string | undefined {
    return this.names.get(table)?.get(name.toLowerCase());
  }

  taskIdsOfService(serviceId: string): ReadonlySet<string> {
    return this.tasksByServiceIndex.get(serviceId) ?? emptySet;
  }

  taskIdsOfNode(nodeId: string): ReadonlySet<string> {
    return this.tasksByNodeIndex.get(nodeId) ?? emptySet;
  }

  put<T extends TableName>(table: T, object: Tables[T]): void {
    this.unindex(table, object.ID);
    this.table(table).set(object.ID, object);
    this.index_(table, object);
  }

  remove(table: TableName, id: string): void {
    this.unindex(table, id);
    this.table(table).delete(id);
  }

  clear(): void {
    for (const map of this.objects.values()) map.clear();
    for (const map of this.names.values()) map.clear();
    this.tasksByServiceIndex.clear();
    this.tasksByNodeIndex.clear();
  }

  private index_(table: TableName, object: AnyObject): void {
    if (isNamed(table)) this.names.get(table)?.set(nameOf(object).toLowerCase(), object.ID);
    if (table === 'tasks') {
      const task = object as TaskObject;
      addTo(this.tasksByServiceIndex, task.ServiceID, task.ID);
      if (task.NodeID) addTo(this.tasksByNodeIndex, task.NodeID, task.ID);
    }
  }

  private unindex(table: TableName, id: string): void {
    const old = this.table(table).get(id);
    if (!old) return;
    if (isNamed(table)) {
      const names = this.names.get(table);
      const key = nameOf(old).toLowerCase();
      if (names?.get(key) === id) names.delete(key);
    }
    if (table === 'tasks') {
      const task = old as TaskObject;
      removeFrom(this.tasksByServiceIndex, task.ServiceID, id);
      if (task.NodeID) removeFrom(this.tasksByNodeIndex, task.NodeID, id);
    }
  }
}

const emptySet: ReadonlySet<string> = new Set();

export function isNamed(table: TableName): table is NamedTableName {
  return (uniquelyNamedTables as readonly string[]).includes(table);
}

export function nameOf(object: AnyObject): string {
  return (object as { Spec?: { Name?: string } }).Spec?.Name ?? '';
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
