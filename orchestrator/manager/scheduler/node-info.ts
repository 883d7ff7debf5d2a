/**
 * What the scheduler knows of a node (SwarmKit's scheduler/nodeinfo): the node, the tasks placed on it that
 * still hold resources, the resources left, the host ports in use and the counts the spread strategy needs.
 * Updated incrementally as tasks come and go, so a placement costs the same on an empty or a full cluster.
 */
import type { NodeObject, TaskObject } from '../../store/objects.js';
import { rankOf, stateRank } from '../../store/task-states.js';

/** How far back task failures on a node count against placing the same service there. */
export const monitorFailuresMs = 5 * 60_000;
/** Failures within that window after which a node is placed last for the service. */
export const maxFailures = 5;

export interface Resources {
  nanoCPUs: number;
  memoryBytes: number;
}

/** The CPU and memory a task reserves. */
export function reservationsOf(task: TaskObject): Resources {
  const reservations = task.Spec.Resources?.Reservations;
  return { nanoCPUs: reservations?.NanoCPUs ?? 0, memoryBytes: reservations?.MemoryBytes ?? 0 };
}

/** The host-mode published ports of a task, as `protocol/port`. */
export function hostPortsOf(task: TaskObject): string[] {
  const ports = (task as TaskObject)._endpoint?.Ports ?? [];
  return ports
    .filter((port) => port.PublishMode === 'host' && port.PublishedPort)
    .map((port) => `${port.Protocol ?? 'tcp'}/${port.PublishedPort}`);
}

const isActive = (task: TaskObject) => stateRank(task.DesiredState) <= rankOf.running;

export class NodeInfo {
  readonly tasks = new Map<string, TaskObject>();
  /** Tasks on the node whose desired state is at most running. */
  activeTasksCount = 0;
  readonly activeTasksCountByService = new Map<string, number>();
  available: Resources;
  readonly usedHostPorts = new Set<string>();
  private readonly recentFailures = new Map<string, number[]>();

  constructor(public node: NodeObject) {
    this.available = totalResources(node);
  }

  /** Replaces the node object (its spec or status changed); resources are recomputed from its tasks. */
  setNode(node: NodeObject): void {
    this.node = node;
    const available = totalResources(node);
    for (const task of this.tasks.values()) {
      const reserved = reservationsOf(task);
      available.nanoCPUs -= reserved.nanoCPUs;
      available.memoryBytes -= reserved.memoryBytes;
    }
    this.available = available;
  }

  /** Accounts a task placed on the node; returns false if nothing changed. */
  addTask(task: TaskObject): boolean {
    const old = this.tasks.get(task.ID);
    if (old) {
      this.tasks.set(task.ID, task);
      if (isActive(task) && !isActive(old)) {
        this.countActive(task.ServiceID, 1);
        return true;
      }
      if (!isActive(task) && isActive(old)) {
        this.countActive(task.ServiceID, -1);
        return true;
      }
      return false;
    }
    this.tasks.set(task.ID, task);
    const reserved = reservationsOf(task);
    this.available.nanoCPUs -= reserved.nanoCPUs;
    this.available.memoryBytes -= reserved.memoryBytes;
    for (const port of hostPortsOf(task)) this.usedHostPorts.add(port);
    if (isActive(task)) this.countActive(task.ServiceID, 1);
    return true;
  }

  /** Releases a task that left the node or ended; returns false if it was not accounted. */
  removeTask(task: TaskObject): boolean {
    const old = this.tasks.get(task.ID);
    if (!old) return false;
    this.tasks.delete(task.ID);
    const reserved = reservationsOf(old);
    this.available.nanoCPUs += reserved.nanoCPUs;
    this.available.memoryBytes += reserved.memoryBytes;
    for (const port of hostPortsOf(old)) this.usedHostPorts.delete(port);
    if (isActive(old)) this.countActive(old.ServiceID, -1);
    return true;
  }

  /** Records that a task of the service failed on this node. */
  taskFailed(serviceId: string, now = Date.now()): void {
    const failures = (this.recentFailures.get(serviceId) ?? []).filter((at) => now - at < monitorFailuresMs);
    failures.push(now);
    this.recentFailures.set(serviceId, failures.slice(-maxFailures));
  }

  /** Failures of the service's tasks on this node within the monitoring window. */
  countRecentFailures(serviceId: string, now = Date.now()): number {
    const failures = this.recentFailures.get(serviceId);
    if (!failures) return 0;
    return failures.filter((at) => now - at < monitorFailuresMs).length;
  }

  tasksOfService(serviceId: string): number {
    return this.activeTasksCountByService.get(serviceId) ?? 0;
  }

  private countActive(serviceId: string, delta: number): void {
    this.activeTasksCount += delta;
    const count = (this.activeTasksCountByService.get(serviceId) ?? 0) + delta;
    if (count === 0) this.activeTasksCountByService.delete(serviceId);
    else this.activeTasksCountByService.set(serviceId, count);
  }
}

function totalResources(node: NodeObject): Resources {
  const resources = node.Description?.Resources;
  return { nanoCPUs: resources?.NanoCPUs ?? 0, memoryBytes: resources?.MemoryBytes ?? 0 };
}
