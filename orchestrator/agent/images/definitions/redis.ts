import type { ImageDefinition } from '../types.js';
import { baseFiles, defaultPath } from './base.js';

function redis(tags: string[], version: string, created: string, size: number): ImageDefinition {
  return {
    repository: 'redis',
    tags,
    version: '1',
    created,
    size,
    config: {
      Env: [defaultPath, 'GOSU_VERSION=1.7', `REDIS_VERSION=${version}`],
      Entrypoint: ['docker-entrypoint.sh'],
      Cmd: ['redis-server'],
      WorkingDir: '/data',
      ExposedPorts: { '6379/tcp': {} },
      Volumes: { '/data': {} },
    },
    files: { ...baseFiles('debian', '8.3'), '/data/': '' },
    binaries: {
      '/usr/local/bin/docker-entrypoint.sh': 'redis-entrypoint',
      '/usr/local/bin/redis-server': 'redis-server',
      '/usr/local/bin/redis-cli': 'redis-cli',
    },
  };
}

/** redis: RESP on 6379 (PING, ECHO, GET, SET, DEL, EXISTS, INCR, INFO, QUIT), as in Docker's swarm tutorial. */
export const redisImages: ImageDefinition[] = [
  redis(['3.0.6'], '3.0.6', '2016-01-07T00:49:32Z', 151_268_913),
  redis(['3.0.7'], '3.0.7', '2016-02-02T19:29:08Z', 151_313_264),
  redis(['7.4.2', 'latest', '7.4', '7'], '7.4.2', '2025-01-06T18:20:33Z', 117_302_118),
];
