import type { Network } from '../api/engine-types.js';
import { ApiError, notFound, swarmErrors } from '../api/errors.js';
import { type ApiRequest, Router, streamed } from '../api/router.js';
import { registerClusterRoutes } from '../api/routes/cluster.js';
import { registerLogRoutes } from '../api/routes/logs.js';
import { registerNetworkRoutes } from '../api/routes/networks.js';
import { registerNodeRoutes } from '../api/routes/nodes.js';
import { registerSecretRoutes } from '../api/routes/secrets.js';
import { registerServiceRoutes } from '../api/routes/services.js';
import { registerTaskRoutes } from '../api/routes/tasks.js';
import { createJoinToken, createUnlockKey } from '../manager/ca/index.js';
import type { ManagerMembership } from '../manager/controlapi/membership.js';
import type { NodeLogReader } from '../manager/logs/service-logs.js';
import type { Manager } from '../manager/manager.js';
import { enginePrefix, forwardedHeader } from '../node/channel-routes.js';
import type { SwarmNode } from '../node/swarm-node.js';
import type { Store } from '../store/store.js';

/** Paths served from the managers' replicated state (anything else is local to the node). */
const clusterPath = /^\/(swarm|nodes|services|tasks|secrets|configs|networks)(\/|$)/;

/** What a manager's routes work on: its store and Raft membership, and the nodes' task logs. */
export interface ManagerRouteDeps {
  store: Store;
  membership: ManagerMembership;
  readNodeLogs: NodeLogReader;
  log(line: string): void;
  localNetworks: () => Network[];
}

/** The routes a manager serves from its store; built once per manager (they hold its store). */
export function managerRouter(deps: ManagerRouteDeps): Router {
  const { store, localNetworks } = deps;
  const router = new Router();
  registerClusterRoutes(router, {
    store,
    keys: { newJoinToken: createJoinToken, newUnlockKey: () => createUnlockKey().unlockKey },
  });
  registerNodeRoutes(router, { store, membership: deps.membership });
  registerServiceRoutes(router, { store, localNetworks });
  registerTaskRoutes(router, { store });
  registerSecretRoutes(router, { store });
  registerLogRoutes(router, { store, read: deps.readNodeLogs, log: deps.log });
  registerNetworkRoutes(router, { store, localNetworks });
  return router;
}

/**
 * Serves cluster requests the way Docker does: refused on nodes outside a swarm or on workers (with Docker's
 * messages), answered by the leader, and forwarded to the leader by other managers.
 */
export function clusterDispatch(swarm: SwarmNode, localNetworks: () => Network[]) {
  const routers = new WeakMap<Manager, Router>();
  const local = new Router();
  local.get('/networks', () => localNetworks());
  local.get('/networks/{id}', (req) => {
    const found = localNetworks().find(
      (n) => n.Id === req.params.id || n.Name === req.params.id || n.Id?.startsWith(req.params.id),
    );
    if (!found) throw notFound(`network ${req.params.id} not found`);
    return found;
  });
  return async (req: ApiRequest): Promise<unknown> => {
    if (!clusterPath.test(req.path)) throw notFound('page not found');
    if (!swarm.manager) {
      const found = local.match(req.method, req.path);
      if (found && 'handler' in found) return found.handler({ ...req, params: found.params });
    }
    const state = swarm.nodeState;
    if (state === 'locked') throw swarmErrors.locked();
    if (state !== 'active') throw swarmErrors.notManager();
    const manager = swarm.manager;
    if (!manager) throw swarmErrors.workerNotManager();
    if (req.path === '/nodes/self' || req.path.startsWith('/nodes/self/')) {
      const id = swarm.nodeId ?? '';
      req.path = req.path.replace('/nodes/self', `/nodes/${id}`);
      req.raw.url = req.raw.url?.replace('/nodes/self', `/nodes/${id}`);
    }
    if (!manager.isLeader()) {
      const leader = manager.leaderAddr();
      const client = swarm.channelClient;
      if (!leader || !client || req.headers[forwardedHeader]) throw swarmErrors.noLeader();
      await client.forward(leader, enginePrefix, req.raw, req.res);
      return streamed;
    }
    let router = routers.get(manager);
    if (!router) {
      router = managerRouter({
        store: manager.store,
        membership: manager,
        readNodeLogs: (nodeId, containerId, query, signal) =>
          swarm.readNodeLogs(nodeId, containerId, query, signal),
        log: (line) => manager.log(line),
        localNetworks,
      });
      routers.set(manager, router);
    }
    const found = router.match(req.method, req.path);
    if (!found) throw notFound('page not found');
    if ('allowed' in found) throw new ApiError(405, `method ${req.method} is not allowed on ${req.path}`);
    return found.handler({ ...req, params: found.params });
  };
}
