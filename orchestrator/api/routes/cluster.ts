import { type ClusterKeys, swarmView, updateCluster } from '../../manager/controlapi/cluster.js';
import type { Store } from '../../store/store.js';
import { decodeBody } from '../decode.js';
import { badRequest } from '../errors.js';
import { Reply, type Router } from '../router.js';
import { isTrue, versionParam } from './nodes.js';

/** `GET /swarm`, `POST /swarm/update`, `GET /swarm/unlockkey` (run on the leader). */
export function registerClusterRoutes(router: Router, deps: { store: Store; keys: ClusterKeys }): void {
  const { store, keys } = deps;
  const cluster = () => {
    const found = store.view((tx) => tx.list('clusters')[0]);
    if (!found) throw badRequest('the swarm is still initializing; try again in a moment');
    return found;
  };
  router.get('/swarm', () => swarmView(cluster()));
  router.post('/swarm/update', async (req) => {
    const spec = decodeBody(await req.json(), 'SwarmSpec');
    await updateCluster(
      store,
      versionParam(req.query),
      spec,
      {
        workerToken: isTrue(req.query.get('rotateWorkerToken')),
        managerToken: isTrue(req.query.get('rotateManagerToken')),
        unlockKey: isTrue(req.query.get('rotateManagerUnlockKey')),
      },
      keys,
    );
    return new Reply(200);
  });
  router.get('/swarm/unlockkey', () => ({ UnlockKey: cluster()._unlockKey ?? '' }));
}
