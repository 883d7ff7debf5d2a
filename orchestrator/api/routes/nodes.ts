import { findNode } from '../../manager/controlapi/lookup.js';
import type { ManagerMembership } from '../../manager/controlapi/membership.js';
import {
  listNodes,
  nodeFilterKeys,
  nodeView,
  removeNode,
  updateNode,
} from '../../manager/controlapi/nodes.js';
import type { Store } from '../../store/store.js';
import { decodeBody } from '../decode.js';
import { badRequest } from '../errors.js';
import { parseFilters } from '../filters.js';
import { Reply, type Router } from '../router.js';

/** Parses the `version` query parameter that every update carries. */
export function versionParam(query: URLSearchParams): number {
  const text = query.get('version');
  if (text === null || !/^\d+$/.test(text)) {
    throw badRequest(`invalid version "${text ?? ''}": pass the object's current Version.Index as ?version=`);
  }
  return Number(text);
}

export const isTrue = (value: string | null) => value === '1' || value === 'true';

/** `/nodes`: list, inspect, update, remove (runs on the leader). */
export function registerNodeRoutes(
  router: Router,
  deps: { store: Store; membership: ManagerMembership },
): void {
  const { store, membership } = deps;
  router.get('/nodes', (req) =>
    listNodes(store, parseFilters(req.query.get('filters'), nodeFilterKeys), membership),
  );
  router.get('/nodes/{id}', (req) =>
    nodeView(
      store.view((tx) => findNode(tx, req.params.id)),
      membership,
    ),
  );
  router.post('/nodes/{id}/update', async (req) => {
    const spec = decodeBody(await req.json(), 'NodeSpec');
    await updateNode(store, req.params.id, versionParam(req.query), spec, membership);
    return new Reply(200);
  });
  router.delete('/nodes/{id}', async (req) => {
    await removeNode(store, req.params.id, isTrue(req.query.get('force')), membership);
    return new Reply(200);
  });
}
