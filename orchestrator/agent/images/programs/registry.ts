import type { Program } from '../shell/process.js';

/** Image programs by id (see each image definition's `binaries`); loaded on first use. */
const programs: Record<string, () => Promise<Program>> = {
  'routing-mesh-1': () => import('./routing-mesh.js').then((m) => m.routingMeshV1),
  'routing-mesh-2': () => import('./routing-mesh.js').then((m) => m.routingMeshV2),
  'routing-mesh-broken': () => import('./routing-mesh.js').then((m) => m.routingMeshBroken),
  nginx: () => import('./nginx.js').then((m) => m.nginx),
  'nginx-entrypoint': () => import('./nginx.js').then((m) => m.nginxEntrypoint),
  'visualizer-npm': () => import('./visualizer.js').then((m) => m.npm),
  'visualizer-node': () => import('./visualizer.js').then((m) => m.node),
  'redis-server': () => import('./redis.js').then((m) => m.redisServer),
  'redis-cli': () => import('./redis.js').then((m) => m.redisCli),
  'redis-entrypoint': () => import('./redis.js').then((m) => m.redisEntrypoint),
  whoami: () => import('./whoami.js').then((m) => m.whoami),
};

/** Loads an image program; throws for an id no image should name (a catalog bug). */
export function loadImageProgram(id: string): Promise<Program> {
  const loader = programs[id];
  if (!loader) throw new Error(`unknown built-in program "${id}"`);
  return loader();
}

/** Every program id, for the catalog's consistency test. */
export function programIds(): string[] {
  return Object.keys(programs);
}
