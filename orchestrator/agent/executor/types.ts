import type { HealthConfig } from '../../api/engine-types.js';
import type { PortMapping } from '../images/runtime/context.js';

export type { PortMapping };

/** A port the container exposes. */
export interface PortSpec {
  targetPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

/** A bind mount. A `source` of `/var/run/docker.sock` means the node's own API socket. */
export interface BindMount {
  type: 'bind';
  source: string;
  target: string;
  readOnly?: boolean;
}

/** A secret (or config) file: a relative `target` lands in `/run/secrets/`, an absolute one where it says. */
export interface SecretFile {
  target: string;
  data: Uint8Array;
  /** Permission bits; 0o444 when omitted (Docker's default). */
  mode?: number;
  uid?: string | number;
  gid?: string | number;
}

/** The container's attachment to an overlay network (for inspect and for `hostname -i`). */
export interface NetworkAttachment {
  name: string;
  id: string;
  /** CIDR addresses, e.g. `10.0.1.5/24`. */
  addresses: string[];
  aliases?: string[];
}

/** What the agent asks the executor to run: a task's container, in SwarmKit's terms. */
export interface ContainerConfig {
  /** 64 lowercase hex characters. */
  id: string;
  /** `<service>.<slot>.<task id>`. */
  name: string;
  /** Image reference, usually pinned: `nginx:latest@sha256:...`. */
  image: string;
  /** Replaces the image's entrypoint (ContainerSpec.Command). */
  cmd?: string[];
  /** Replaces the image's command (ContainerSpec.Args). */
  args?: string[];
  /** `KEY=value` entries, over the image's Env. */
  env?: string[];
  /** Labels, including the `com.docker.swarm.*` ones the agent sets. */
  labels?: Record<string, string>;
  workingDir?: string;
  /** Defaults to the first 12 characters of the id. */
  hostname?: string;
  /** Ports to expose besides the image's (published ports the mesh forwards to). */
  ports?: PortSpec[];
  mounts?: BindMount[];
  secrets?: SecretFile[];
  /** Overrides the image's healthcheck field by field; `Test: ['NONE']` disables it. */
  healthcheck?: HealthConfig;
  /** Overrides the image's StopSignal (default SIGTERM). */
  stopSignal?: string;
  /** Time between the stop signal and SIGKILL; 10 s when omitted (SwarmKit's default). */
  stopGracePeriodMs?: number;
  /** The node's DNS resolver for the container, `addr:port`. */
  dns?: string;
  /** The node's mesh gateway (HTTP CONNECT), `addr:port`. */
  gateway?: string;
  networks?: NetworkAttachment[];
}

export type ContainerState = 'created' | 'running' | 'exited' | 'dead';

/** One health probe's result. Times are RFC 3339. */
export interface HealthResult {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  /** The last 5 results, oldest first. */
  log: HealthResult[];
}

/** The effective healthcheck (image's, overridden by the container's), durations in milliseconds. */
export interface EffectiveHealthcheck {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

/** A container as the executor reports it. Times are RFC 3339 strings. */
export interface ContainerInfo {
  id: string;
  name: string;
  /** The reference the container was created with. */
  image: string;
  /** The image's manifest digest (`sha256:...`). */
  imageDigest: string;
  /** The image's content id (`sha256:...`). */
  imageId: string;
  /** Entrypoint + command as run (Path is the first, Args the rest). */
  command: string[];
  env: string[];
  workingDir: string;
  hostname: string;
  labels: Record<string, string>;
  created: string;
  state: ContainerState;
  /** The process id on the node (bubblewrap's when sandboxed). */
  pid?: number;
  exitCode?: number;
  /** Why the container failed to start or died (Docker's State.Error). */
  error?: string;
  startedAt?: string;
  finishedAt?: string;
  health?: HealthState;
  healthcheck?: EffectiveHealthcheck;
  /** Ports the image exposes and the container asked for. */
  exposedPorts: PortSpec[];
  /** Where each listening container port is reachable on the node. */
  ports: PortMapping[];
  mounts: { source: string; target: string; readOnly: boolean }[];
  networks: NetworkAttachment[];
  stopSignal: string;
  stopGracePeriodMs: number;
  runtime: 'bubblewrap' | 'process';
  /** The container's directory on the node. */
  dir: string;
  /** The json-file log. */
  logPath: string;
}

/** A log line as `docker logs` streams it. */
export interface LogEntry {
  stream: 'stdout' | 'stderr';
  time: Date;
  data: Buffer;
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines; all when omitted or negative. */
  tail?: number;
  /** Only entries at or after this time. */
  since?: Date;
  /** Only entries before this time. */
  until?: Date;
  stdout?: boolean;
  stderr?: boolean;
  signal?: AbortSignal;
}

export interface ExecOptions {
  cmd: string[];
  tty?: boolean;
  env?: string[];
  workingDir?: string;
  /** Whether the caller will write to `stdin`. */
  stdin?: boolean;
  cols?: number;
  rows?: number;
}

/** The executor's errors, each with the HTTP status the Engine API answers. */
export class ExecutorError extends Error {
  override name = 'ExecutorError';
  constructor(
    readonly status: 400 | 404 | 409 | 500,
    message: string,
  ) {
    super(message);
  }
}
