import {
  createSecret,
  getSecret,
  listSecrets,
  removeSecret,
  secretFilterKeys,
  updateSecret,
} from '../../manager/controlapi/secrets.js';
import type { Store } from '../../store/store.js';
import { decodeBody } from '../decode.js';
import { parseFilters } from '../filters.js';
import { Reply, type Router } from '../router.js';
import { versionParam } from './nodes.js';

/** `/secrets`: create, list, inspect, update (labels), remove. The data never leaves. */
export function registerSecretRoutes(router: Router, deps: { store: Store }): void {
  const { store } = deps;
  router.get('/secrets', (req) =>
    listSecrets(store, parseFilters(req.query.get('filters'), secretFilterKeys)),
  );
  router.post(
    '/secrets/create',
    async (req) => new Reply(201, await createSecret(store, decodeBody(await req.json(), 'SecretSpec'))),
  );
  router.get('/secrets/{id}', (req) => getSecret(store, req.params.id));
  router.post('/secrets/{id}/update', async (req) => {
    const spec = decodeBody(await req.json(), 'SecretSpec');
    await updateSecret(store, req.params.id, versionParam(req.query), spec);
    return new Reply(200);
  });
  router.delete('/secrets/{id}', async (req) => {
    await removeSecret(store, req.params.id);
    return new Reply(204);
  });
}
