import type { ImageDefinition } from '../types.js';
import { baseFiles } from './base.js';

/**
 * dockersamples/visualizer: nodes as columns and tasks as cards, read through the bind-mounted docker socket.
 * Unlike the original, its `/apis/*` proxy only passes the three GETs the page needs.
 */
export const visualizerImages: ImageDefinition[] = [
  {
    repository: 'dockersamples/visualizer',
    tags: ['latest', 'stable'],
    version: '1',
    created: '2018-02-05T23:32:10Z',
    size: 148_315_203,
    config: {
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'NPM_CONFIG_LOGLEVEL=info',
        'NODE_VERSION=8.2.1',
        'YARN_VERSION=0.27.5',
        'MS=1000',
        'CTX_ROOT=/',
      ],
      Cmd: ['npm', 'start'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Healthcheck: { Test: ['CMD-SHELL', 'node /app/healthcheck.js || exit 1'] },
    },
    files: {
      ...baseFiles('alpine', '3.6.2'),
      '/app/package.json':
        '{\n  "name": "swarmVisualizer",\n  "version": "0.0.1",\n  "scripts": { "start": "node server.js" }\n}\n',
      '/app/server.js': '// the visualizer server (built into swarmlab)\n',
      '/app/healthcheck.js': '// requests http://localhost:8080 and fails on error\n',
    },
    binaries: { '/usr/local/bin/npm': 'visualizer-npm', '/usr/local/bin/node': 'visualizer-node' },
  },
];
