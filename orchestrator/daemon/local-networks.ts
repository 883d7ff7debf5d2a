import { createHash } from 'node:crypto';
import type { Network } from '../api/engine-types.js';

function networkId(engineId: string, name: string): string {
  return createHash('sha256').update(`${engineId}/${name}`).digest('hex');
}

/**
 * The node-local networks every Docker engine has: `bridge`, `host` and `none`. In a swarmlab node containers
 * share the node's address, so these exist to be listed and inspected, as `docker network ls` expects.
 */
export function localNetworks(engineId: string, created: Date): Network[] {
  const base = (name: string, driver: string): Network => ({
    Name: name,
    Id: networkId(engineId, name),
    Created: created.toISOString(),
    Scope: 'local',
    Driver: driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  });
  const bridge = base('bridge', 'bridge');
  bridge.IPAM = {
    Driver: 'default',
    Options: {},
    Config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }],
  };
  bridge.Options = {
    'com.docker.network.bridge.default_bridge': 'true',
    'com.docker.network.bridge.name': 'docker0',
  };
  return [bridge, base('host', 'host'), base('none', 'null')];
}
