import { posix } from 'node:path';
import type { AssignedSecret } from '../manager/dispatcher/protocol.js';
import type { TaskObject } from '../store/objects.js';
import type { ContainerConfig, ContainerMount, ContainerSecret } from './container-runtime.js';

/** What a node offers its containers: its API socket (for bind mounts of the docker socket) and network. */
export interface NodeEnvironment {
  apiSocketPath?: string;
  dns?: string;
  gateway?: string;
}

/** The docker socket path services bind-mount (the visualizer does); it maps to this node's API socket. */
export const dockerSocketPath = '/var/run/docker.sock';

/** Docker's container name for a task: `<service>.<slot or node id>.<task id>`. */
export function containerName(task: TaskObject): string {
  const slot = task.Slot ? String(task.Slot) : (task.NodeID ?? '');
  return `${serviceNameOf(task)}.${slot}.${task.ID}`;
}

/** A task's service name: tasks are named `<service>.<slot>` by the orchestrator. */
export function serviceNameOf(task: TaskObject): string {
  return task.Name?.split('.')[0] || task.ServiceID;
}

function mounts(task: TaskObject, env: NodeEnvironment): ContainerMount[] {
  return (task.Spec.ContainerSpec?.Mounts ?? []).map((mount) => {
    if (mount.Type !== 'bind' || mount.Source !== dockerSocketPath || !env.apiSocketPath) {
      throw new Error(
        `invalid mount config: only bind mounts of ${dockerSocketPath} are available in a swarmlab lab (got ${mount.Type} ${mount.Source ?? ''})`,
      );
    }
    return {
      type: 'bind',
      source: env.apiSocketPath,
      target: mount.Target ?? dockerSocketPath,
      readOnly: mount.ReadOnly ?? false,
    };
  });
}

function secrets(task: TaskObject, assigned: Map<string, AssignedSecret>): ContainerSecret[] {
  return (task.Spec.ContainerSpec?.Secrets ?? []).map((ref) => {
    const secret = ref.SecretID ? assigned.get(ref.SecretID) : undefined;
    if (!secret) throw new Error(`secret ${ref.SecretName ?? ref.SecretID} is not available on this node`);
    const name = ref.File?.Name ?? secret.name;
    return {
      target: name.startsWith('/') ? name : posix.join('/run/secrets', name),
      data: Buffer.from(secret.data, 'base64'),
      mode: ref.File?.Mode ?? 0o444,
      uid: ref.File?.UID ?? '0',
      gid: ref.File?.GID ?? '0',
    };
  });
}

/** The container that runs a task, with Docker's `com.docker.swarm.*` labels. */
export function buildContainerConfig(
  task: TaskObject,
  containerId: string,
  nodeId: string,
  assigned: Map<string, AssignedSecret>,
  env: NodeEnvironment,
): ContainerConfig {
  const spec = task.Spec.ContainerSpec ?? {};
  const name = containerName(task);
  return {
    id: containerId,
    name,
    image: spec.Image ?? '',
    ...(spec.Command?.length ? { cmd: spec.Command } : {}),
    ...(spec.Args?.length ? { args: spec.Args } : {}),
    env: spec.Env ?? [],
    labels: {
      ...(spec.Labels ?? {}),
      'com.docker.swarm.node.id': nodeId,
      'com.docker.swarm.service.id': task.ServiceID,
      'com.docker.swarm.service.name': serviceNameOf(task),
      'com.docker.swarm.task': '',
      'com.docker.swarm.task.id': task.ID,
      'com.docker.swarm.task.name': name,
    },
    ...(spec.Dir ? { workingDir: spec.Dir } : {}),
    ...(spec.Hostname ? { hostname: spec.Hostname } : {}),
    ports: [],
    mounts: mounts(task, env),
    secrets: secrets(task, assigned),
    ...(spec.HealthCheck ? { healthcheck: spec.HealthCheck } : {}),
    ...(spec.StopSignal ? { stopSignal: spec.StopSignal } : {}),
    stopGracePeriodMs: spec.StopGracePeriod === undefined ? 10_000 : Math.round(spec.StopGracePeriod / 1e6),
    ...(env.dns ? { dns: env.dns } : {}),
    ...(env.gateway ? { gateway: env.gateway } : {}),
  };
}
