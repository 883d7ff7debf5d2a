import { decodeBody } from '../decode.js';
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

function optionalString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string')
    throw badRequest(`invalid ${field}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

const addressPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*)(:(\d{1,5}))?$/;

/** An address field (`host`, `host:port` or an interface name), refused with what to give when malformed. */
function address(body: Record<string, unknown>, field: string, example: string, value = body[field]): string {
  const text = value === undefined || value === null ? '' : String(value);
  if (text === '') return '';
  const found = addressPattern.exec(text);
  const port = found?.[3] === undefined ? 2377 : Number(found[3]);
  if (!found || port < 1 || port > 65535) {
    throw badRequest(`invalid ${field} "${text}": give an address and port, e.g. ${example}`);
  }
  return text;
}

/** `POST /swarm/init|join|leave|unlock`: the endpoints that change this node's own swarm state. */
export function registerSwarmLifecycleRoutes(router: Router, swarm: SwarmControl): void {
  router.post('/swarm/init', async (req) => {
    const body = decodeBody(await req.json(), 'SwarmInitRequest');
    const request: SwarmInitRequest = {
      ListenAddr: address(body, 'ListenAddr', '0.0.0.0:2377'),
      AdvertiseAddr: address(body, 'AdvertiseAddr', '127.0.1.1:2377'),
      ForceNewCluster: body.ForceNewCluster === true,
      AutoLockManagers: body.AutoLockManagers === true,
      Availability: optionalString(body, 'Availability'),
      Spec: body.Spec,
    };
    return swarm.init(request);
  });
  router.post('/swarm/join', async (req) => {
    const body = decodeBody(await req.json(), 'SwarmJoinRequest');
    const remotes = body.RemoteAddrs;
    if (!Array.isArray(remotes) || remotes.length === 0 || remotes.some((r) => typeof r !== 'string')) {
      throw badRequest('invalid RemoteAddrs: give at least one manager address, e.g. ["127.0.1.1:2377"]');
    }
    for (const remote of remotes) address(body, 'RemoteAddrs', '127.0.1.1:2377', remote);
    const JoinToken = optionalString(body, 'JoinToken');
    await swarm.join({
      ListenAddr: address(body, 'ListenAddr', '0.0.0.0:2377'),
      AdvertiseAddr: address(body, 'AdvertiseAddr', '127.0.1.2:2377'),
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
    const body = decodeBody(await req.json(), 'SwarmUnlockRequest');
    const key = optionalString(body, 'UnlockKey');
    if (!key) throw badRequest('invalid UnlockKey: give the key that "docker swarm unlock-key" printed');
    await swarm.unlock(key);
    return new Reply(200);
  });
}
