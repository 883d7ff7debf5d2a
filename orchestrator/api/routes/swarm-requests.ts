import type { NodeAvailability } from '../../store/objects.js';

/** `POST /swarm/init`, as the docker CLI sends it. */
export interface SwarmInitRequest {
  ListenAddr: string;
  AdvertiseAddr: string;
  ForceNewCluster: boolean;
  AutoLockManagers: boolean;
  Availability: NodeAvailability | string;
  Spec: unknown;
}

/** `POST /swarm/join`. */
export interface SwarmJoinRequest {
  ListenAddr: string;
  AdvertiseAddr: string;
  RemoteAddrs: string[];
  JoinToken: string;
  Availability: NodeAvailability | string;
}
