/** Tasks, as the Engine API's `/tasks` endpoints need them (daemon/cluster/tasks.go, controlapi/task.go). */
import { type Filters, matchesFilter, matchesLabels } from '../../api/filters.js';
import type { TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { isTaskState } from '../../store/task-states.js';
import { isTaskUpToDate } from '../orchestrator/task-dirty.js';
import { invalidParameter } from './errors.js';
import { findNode, findService, findTask } from './lookup.js';

/** Filters `GET /tasks` accepts (`_up-to-date` is the CLI's, for its progress display). */
export const taskFilters = [
  'id',
  'name',
  'label',
  'service',
  'node',
  'desired-state',
  '_up-to-date',
  'runtime',
] as const;

/**
 * The tasks matching `filters`: `id` and `name` match prefixes (the name is `web.1` or `web.1.<id>`),
 * `service` and `node` take ids, names or id prefixes (an unknown one is a 404, as with Docker),
 * `desired-state` takes task states, `_up-to-date` keeps the tasks made from their service's current spec.
 */
export function listTasks(store: Store, filters: Filters): TaskObject[] {
  for (const state of filters.get('desired-state') ?? []) {
    if (!isTaskState(state.toLowerCase())) throw invalidParameter(`Invalid desired-state filter: '${state}'`);
  }
  return store.view((tx) => {
    const serviceIds = (filters.get('service') ?? []).map((s) => findService(tx, s).ID);
    const nodeIds = (filters.get('node') ?? []).map((n) => findNode(tx, n).ID);
    const upToDate = (filters.get('_up-to-date') ?? []).length > 0;
    const candidates =
      serviceIds.length > 0 ? serviceIds.flatMap((id) => tx.tasksByService(id)) : tx.list('tasks');
    return candidates.filter((task) => {
      if (nodeIds.length > 0 && !nodeIds.includes(task.NodeID ?? '')) return false;
      if (!matchesFilter(filters, 'id', (id) => task.ID.startsWith(id))) return false;
      const name = task.Name ?? '';
      if (!matchesFilter(filters, 'name', (n) => name.startsWith(n) || `${name}.${task.ID}`.startsWith(n)))
        return false;
      if (!matchesFilter(filters, 'desired-state', (s) => s.toLowerCase() === task.DesiredState))
        return false;
      if (!matchesFilter(filters, 'runtime', (r) => r === 'container')) return false;
      if (!matchesLabels(filters, task.Labels)) return false;
      if (upToDate) {
        const service = tx.get('services', task.ServiceID);
        if (!service || !isTaskUpToDate(service, task)) return false;
      }
      return true;
    });
  });
}

/** One task by id, name (`web.1.<id>`) or id prefix. */
export function getTask(store: Store, input: string): TaskObject {
  return store.view((tx) => findTask(tx, input));
}
