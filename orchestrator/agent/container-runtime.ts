/**
 * What the agent needs from a container runtime (the executor in `agent/executor/` implements it). Kept to
 * the calls the agent makes, so the agent's logic does not depend on how containers are run.
 */
import type { HealthConfig } from '../api/engine-types.js';
import type { TaskEndpoint } from '../store/objects.js';

export interface ContainerSecret {
  /** Absolute path in the container (`/run/secrets/<name>` unless the service gave another target). */
  target: string;
  data: Buffer;
  mode: number;
  uid: string;
  gid: string;
}

export interface ContainerMount {
  type: 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  id: string;
  name: string;
  image: string;
  cmd?: string[];
  args?: string[];
  env: string[];
  labels: Record<string, string>;
  workingDir?: string;
  hostname?: string;
  ports: { targetPort: number; protocol: 'tcp' | 'udp' }[];
  mounts: ContainerMount[];
  secrets: ContainerSecret[];
  healthcheck?: HealthConfig;
  stopSignal?: string;
  stopGracePeriodMs: number;
  /** The node's DNS resolver (`addr:port`) and mesh gateway, once the routing mesh runs. */
  dns?: string;
  gateway?: string;
}

export interface ContainerState {
  id: string;
  state: 'created' | 'running' | 'exited' | 'dead';
  pid?: number;
  exitCode?: number;
  error?: string;
  ports: TaskEndpoint[];
  health?: { status: 'starting' | 'healthy' | 'unhealthy' | 'none' };
}

export interface ContainerRuntime {
  logs(
    id: string,
    options: {
      follow?: boolean;
      tail?: number;
      since?: Date;
      until?: Date;
      stdout?: boolean;
      stderr?: boolean;
      signal?: AbortSignal;
    },
  ): AsyncIterable<{ stream: 'stdout' | 'stderr'; time: Date; data: Buffer }>;
  create(config: ContainerConfig): Promise<unknown>;
  start(id: string): Promise<void>;
  stop(id: string, graceMs: number): Promise<void>;
  remove(id: string): Promise<void>;
  inspect(id: string): ContainerState | undefined;
  on(event: 'change', listener: (info: ContainerState) => void): unknown;
}
