import { newObjectId } from '../../common/ids.js';
import type { ServiceObject, TaskObject } from '../../store/objects.js';

/**
 * The display name of a task as `docker service ps` shows it: `web.1` for slot 1 of service `web`, and
 * `web.<node id>` for a global service's task. Its container is named `<task name>.<task id>`.
 */
export function taskName(serviceName: string, slot: number | undefined, nodeId: string | undefined): string {
  return `${serviceName}.${slot ? slot : (nodeId ?? '')}`;
}

/**
 * A new task for `service` (SwarmKit's orchestrator.NewTask): slot `slot` of a replicated service, or the task
 * of a global service on `nodeId`. It starts in state `new` with desired state `running`.
 */
export function newTask(
  service: ServiceObject,
  slot: number,
  nodeId?: string,
  now: Date = new Date(),
): TaskObject {
  const at = now.toISOString();
  const task: TaskObject = {
    ID: newObjectId(),
    Version: { Index: 0 },
    CreatedAt: at,
    UpdatedAt: at,
    Name: taskName(service.Spec.Name, slot, nodeId),
    Labels: {},
    Spec: service.Spec.TaskTemplate,
    ServiceID: service.ID,
    Status: { Timestamp: at, State: 'new', Message: 'created' },
    DesiredState: 'running',
    _specVersion: service._specVersion,
  };
  if (service.Spec.EndpointSpec) task._endpoint = { Spec: service.Spec.EndpointSpec };
  if (slot > 0) task.Slot = slot;
  if (nodeId) task.NodeID = nodeId;
  return task;
}

/** True if `service` is a replicated service (the default mode). */
export function isReplicated(service: ServiceObject | undefined): service is ServiceObject {
  return service !== undefined && service.Spec.Mode?.Global === undefined;
}

/** True if `service` is a global service. */
export function isGlobal(service: ServiceObject | undefined): service is ServiceObject {
  return service !== undefined && service.Spec.Mode?.Global !== undefined;
}

/** The number of replicas a replicated service asks for. */
export function replicasOf(service: ServiceObject): number {
  return service.Spec.Mode?.Replicated?.Replicas ?? 1;
}
