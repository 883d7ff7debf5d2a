/** The Engine API's `/tasks` endpoints, on the leader's store (see orchestrator/manager/controlapi). */
import { getTask, listTasks, taskFilters } from '../../manager/controlapi/tasks.js';
import type { Store } from '../../store/store.js';
import { parseFilters } from '../filters.js';
import type { Router } from '../router.js';

export interface TaskRouteDeps {
  store: Store;
}

export function registerTaskRoutes(router: Router, deps: TaskRouteDeps): void {
  router.get('/tasks', (req) => listTasks(deps.store, parseFilters(req.query.get('filters'), taskFilters)));
  router.get('/tasks/{id}', (req) => getTask(deps.store, req.params.id));
}
