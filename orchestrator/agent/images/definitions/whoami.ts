import type { ImageDefinition } from '../types.js';

/** traefik/whoami: prints the container's hostname, addresses and the request it received. */
export const whoamiImages: ImageDefinition[] = [
  {
    repository: 'traefik/whoami',
    tags: ['v1.10.4', 'latest', 'v1.10'],
    version: '1',
    created: '2025-01-13T10:10:53Z',
    size: 6_501_222,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Entrypoint: ['/whoami'],
      ExposedPorts: { '80/tcp': {} },
      WorkingDir: '/',
      Labels: {
        'org.opencontainers.image.source': 'https://github.com/traefik/whoami',
        'org.opencontainers.image.title': 'whoami',
      },
    },
    files: {},
    binaries: { '/whoami': 'whoami' },
  },
];
