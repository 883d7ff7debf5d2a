/**
 * The Engine API's `/networks` endpoints on a manager: swarm networks from the leader's store, listed beside
 * the node's local networks (see orchestrator/manager/controlapi/networks.ts).
 */
import {
  createNetwork,
  getNetwork,
  isSwarmNetworkRequest,
  listNetworks,
  networkFilters,
  removeNetwork,
} from '../../manager/controlapi/networks.js';
import type { Store } from '../../store/store.js';
import { decodeBody } from '../decode.js';
import type { Network } from '../engine-types.js';
import { parseFilters } from '../filters.js';
import { Reply, type Router } from '../router.js';

export interface NetworkRouteDeps {
  store: Store;
  /** The node's local networks (bridge, host, none, docker_gwbridge...). */
  localNetworks?: () => Network[];
  /** Creates a local (non-overlay) network, if the node supports it; without it such requests are refused. */
  createLocalNetwork?: (body: unknown) => Promise<{ Id: string; Warning: string }>;
}

export function registerNetworkRoutes(router: Router, deps: NetworkRouteDeps): void {
  const { store } = deps;
  const options = { localNetworks: deps.localNetworks };

  router.get('/networks', (req) =>
    listNetworks(store, parseFilters(req.query.get('filters'), networkFilters), options),
  );

  router.post('/networks/create', async (req) => {
    const body = decodeBody(await req.json(), 'NetworkCreateRequest');
    if (!isSwarmNetworkRequest(body) && deps.createLocalNetwork) {
      return new Reply(201, await deps.createLocalNetwork(body));
    }
    return new Reply(201, await createNetwork(store, body, options));
  });

  router.get('/networks/{id}', (req) => getNetwork(store, req.params.id, options));

  router.delete('/networks/{id}', async (req) => {
    await removeNetwork(store, req.params.id, options);
    return new Reply(204);
  });
}
