import type { BuiltinImage } from '../types.js';

/** The image as the runtime needs it (its files are already in the container's root). */
export type RuntimeImage = Omit<BuiltinImage, 'files'>;

/**
 * What the executor hands the container runtime (`<container dir>/control/config.json`): everything a container
 * process needs to know, resolved on the node side (argv, merged environment, paths as the runtime sees them).
 */
export interface RuntimeConfig {
  /** 64 hex characters. */
  id: string;
  name: string;
  hostname: string;
  /** The built-in image (the runtime does not load the catalog: fewer modules, less memory). */
  image: RuntimeImage;
  /** Entrypoint + command, as Docker runs them. */
  argv: string[];
  /** `KEY=value` entries: image Env, then the container's. */
  env: string[];
  workingDir: string;
  /** The node's address: container ports are mapped to free ports there. */
  nodeAddr: string;
  /** The node's DNS resolver, `addr:port`. */
  dns?: string;
  /** The node's mesh gateway, `addr:port` (HTTP CONNECT); absent: connect directly. */
  gateway?: string;
  /** The container's own overlay addresses (`10.0.1.5`), for `hostname -i` and whoami. */
  addresses: string[];
  /** `bubblewrap`: container paths are real paths; `process`: they map into `rootfs` and `mounts`. */
  sandbox: 'bubblewrap' | 'process';
  /** Host path of the container's root overlay (process mode). */
  rootfs: string;
  /** Bind mounts (process mode maps paths under `target` to `source`). */
  mounts: { source: string; target: string; readOnly: boolean }[];
  /** Path of the control socket, as the runtime sees it. */
  controlSocket: string;
}
