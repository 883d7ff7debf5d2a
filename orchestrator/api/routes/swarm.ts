import { badRequest } from '../errors.js';
import { Reply, type Router } from '../router.js';
import type { SwarmInitRequest, SwarmJoinRequest } from './swarm-requests.js';

/** What the `/swarm` endpoints drive: this node's membership in a swarm (implemented by SwarmNode). */
export interface SwarmControl {
  init(request: SwarmInitRequest): Promise<string>;
  join(request: SwarmJoinRequest): Promise<void>;
  leave(force: boolean): Promise<void>;
  unlock(unlockKey: string): Promise<void>;
}

function asObject(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`invalid ${what} request: expected a JSON object`);
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string')
    throw badRequest(`invalid ${field}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** `POST /swarm/init|join|leave|unlock`: the endpoints that change this node's own swarm state. */
export function registerSwarmLifecycleRoutes(router: Router, swarm: SwarmControl): void {
  router.post('/swarm/init', async (req) => {
    const body = asObject((await req.json()) ?? {}, 'swarm init');
    const request: SwarmInitRequest = {
      ListenAddr: optionalString(body, 'ListenAddr'),
      AdvertiseAddr: optionalString(body, 'AdvertiseAddr'),
      ForceNewCluster: body.ForceNewCluster === true,
      AutoLockManagers: body.AutoLockManagers === true,
      Availability: optionalString(body, 'Availability'),
      Spec: body.Spec,
    };
    return swarm.init(request);
  });
  router.post('/swarm/join', async (req) => {
    const body = asObject(await req.json(), 'swarm join');
    const remotes = body.RemoteAddrs;
    if (!Array.isArray(remotes) || remotes.length === 0 || remotes.some((r) => typeof r !== 'string')) {
      throw badRequest('invalid RemoteAddrs: give at least one manager address, e.g. ["127.0.1.1:2377"]');
    }
    const JoinToken = optionalString(body, 'JoinToken');
    await swarm.join({
      ListenAddr: optionalString(body, 'ListenAddr'),
      AdvertiseAddr: optionalString(body, 'AdvertiseAddr'),
      RemoteAddrs: remotes as string[],
      JoinToken,
      Availability: optionalString(body, 'Availability'),
    });
    return new Reply(200);
  });
  router.post('/swarm/leave', async (req) => {
    const force = ['1', 'true'].includes(req.query.get('force') ?? '');
    await swarm.leave(force);
    return new Reply(200);
  });
  router.post('/swarm/unlock', async (req) => {
    const body = asObject(await req.json(), 'swarm unlock');
    const key = optionalString(body, 'UnlockKey');
    if (!key) throw badRequest('invalid UnlockKey: give the key that "docker swarm unlock-key" printed');
    await swarm.unlock(key);
    return new Reply(200);
  });
}
