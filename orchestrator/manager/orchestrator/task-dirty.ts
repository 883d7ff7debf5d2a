import type { NodeObject, ServiceObject, TaskObject } from '../../store/objects.js';
import { nodeMatches, parseConstraints } from '../scheduler/constraint.js';
import { deepEqual } from './deep-equal.js';

/**
 * True if `task` no longer matches its service's spec and a rolling update must replace it (SwarmKit's
 * orchestrator.IsTaskDirty): its task template or endpoint spec differ, unless only the placement changed and
 * the task's node still satisfies the new constraints.
 */
export function isTaskDirty(service: ServiceObject, task: TaskObject, node: NodeObject | undefined): boolean {
  if (
    task._specVersion !== undefined &&
    service._specVersion !== undefined &&
    task._specVersion === service._specVersion
  ) {
    return false;
  }
  const template = service.Spec.TaskTemplate;
  const endpoint = (task as TaskObject)._endpoint;
  const endpointDirty = endpoint !== undefined && !deepEqual(service.Spec.EndpointSpec, endpoint.Spec);
  if (deepEqual(template, task.Spec)) return endpointDirty;
  if (
    !endpointDirty &&
    node &&
    deepEqual({ ...template, Placement: undefined }, { ...task.Spec, Placement: undefined })
  ) {
    try {
      if (nodeMatches(parseConstraints(template.Placement?.Constraints), node)) return false;
    } catch {
      // constraints were validated by controlapi; a bad one makes the task dirty
    }
  }
  return true;
}

/** True if `task` was made from the service's current spec, as the `_up-to-date` task filter asks. */
export function isTaskUpToDate(service: ServiceObject, task: TaskObject): boolean {
  if (task._specVersion !== undefined && task._specVersion === service._specVersion) return true;
  return deepEqual(service.Spec.TaskTemplate, task.Spec);
}
