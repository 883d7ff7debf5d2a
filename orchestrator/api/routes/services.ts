/** The Engine API's `/services` endpoints, on the leader's store (see orchestrator/manager/controlapi). */

import {
  createService,
  getService,
  listServices,
  removeService,
  serviceFilters,
  updateService,
} from '../../manager/controlapi/services.js';
import type { Store } from '../../store/store.js';
import { decodeBody } from '../decode.js';
import type { Network } from '../engine-types.js';
import { parseFilters } from '../filters.js';
import { Reply, type Router } from '../router.js';
import { boolQuery } from './query.js';

export interface ServiceRouteDeps {
  store: Store;
  /** The node's local networks, which services cannot attach to. */
  localNetworks?: () => Network[];
}

export function registerServiceRoutes(router: Router, deps: ServiceRouteDeps): void {
  const { store } = deps;
  const isLocalNetwork = (name: string) =>
    deps.localNetworks?.().some((network) => network.Name === name || network.Id === name) ?? false;

  router.get('/services', (req) =>
    listServices(
      store,
      parseFilters(req.query.get('filters'), serviceFilters),
      boolQuery(req.query, 'status'),
    ),
  );

  router.post('/services/create', async (req) => {
    const created = await createService(store, decodeBody(await req.json(), 'ServiceSpec'), {
      isLocalNetwork,
    });
    return new Reply(201, created);
  });

  router.get('/services/{id}', (req) =>
    getService(store, req.params.id, boolQuery(req.query, 'insertDefaults')),
  );

  router.post('/services/{id}/update', async (req) =>
    updateService(store, req.params.id, decodeBody(await req.json(), 'ServiceSpec'), {
      version: req.query.get('version'),
      rollback: req.query.get('rollback'),
      isLocalNetwork,
    }),
  );

  router.delete('/services/{id}', async (req) => {
    await removeService(store, req.params.id);
    return new Reply(200);
  });
}
