import type { ImageDefinition } from '../types.js';
import { baseFiles, defaultPath } from './base.js';

const tenSeconds = 10_000_000_000;
const healthcheck = { Test: ['CMD-SHELL', 'wget -qO- localhost:8080/health'], Interval: tenSeconds };

function routingMesh(
  tag: string,
  program: string,
  created: string,
  extra: { env?: string[]; health?: boolean },
): ImageDefinition {
  return {
    repository: 'albertogviana/docker-routing-mesh',
    tags: [tag],
    version: '1',
    created,
    size: 11_452_014,
    config: {
      Env: [defaultPath, ...(extra.env ?? [])],
      Cmd: ['./docker-routing-mesh'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      ...(extra.health ? { Healthcheck: healthcheck } : {}),
      Labels: { maintainer: 'Alberto Viana' },
    },
    files: { ...baseFiles('alpine', '3.5.2'), '/app/': '' },
    binaries: { '/app/docker-routing-mesh': program },
  };
}

/**
 * The talk's demo app. `3.0.0-broken` is the deliberately broken tag of the automatic-rollback lesson: it
 * starts, logs a Go panic a second later and exits with status 2, so every task of it fails.
 */
export const routingMeshImages: ImageDefinition[] = [
  routingMesh('1.0.0', 'routing-mesh-1', '2017-02-11T18:42:10Z', {}),
  routingMesh('2.0.0', 'routing-mesh-2', '2017-02-12T10:21:54Z', {
    env: ['APP_VERSION=2.0.0'],
    health: true,
  }),
  routingMesh('3.0.0-broken', 'routing-mesh-broken', '2017-02-12T11:05:03Z', {
    env: ['APP_VERSION=3.0.0'],
    health: true,
  }),
];
