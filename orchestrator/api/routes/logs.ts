import { findService, findTask } from '../../manager/controlapi/lookup.js';
import { type NodeLogReader, writeTaskLogs } from '../../manager/logs/service-logs.js';
import type { TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { parseLogQuery } from '../log-stream.js';
import { type ApiRequest, type Router, streamed } from '../router.js';

/** `/services/{id}/logs` and `/tasks/{id}/logs` (on the leader). */
export function registerLogRoutes(
  router: Router,
  deps: { store: Store; read: NodeLogReader; log(line: string): void },
): void {
  const answer = async (req: ApiRequest, tasks: () => TaskObject[]) => {
    const query = parseLogQuery(req.query);
    const selected = tasks();
    const res = req.res;
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
    res.flushHeaders();
    try {
      await writeTaskLogs(res, selected, query, deps.read, req.signal, deps.log);
    } finally {
      res.end();
    }
    return streamed;
  };
  router.get('/services/{id}/logs', (req) =>
    answer(req, () => deps.store.view((tx) => tx.tasksByService(findService(tx, req.params.id).ID))),
  );
  router.get('/tasks/{id}/logs', (req) =>
    answer(req, () => deps.store.view((tx) => [findTask(tx, req.params.id)])),
  );
}
