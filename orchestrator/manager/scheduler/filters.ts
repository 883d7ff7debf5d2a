/**
 * The scheduler's filters and the pipeline that runs them (SwarmKit's scheduler/filter.go and pipeline.go).
 * A filter is enabled per task, checks one node, and explains its failures in Swarm's words; the pipeline
 * counts which filter turned each node down, for the "no suitable node (...)" message.
 */
import type { TaskObject } from '../../store/objects.js';
import { type Constraint, nodeMatches, parseConstraints } from './constraint.js';
import { hostPortsOf, type NodeInfo, type Resources, reservationsOf } from './node-info.js';

export interface Filter {
  /** Prepares the filter for a task; false if it does not apply to it. */
  setTask(task: TaskObject): boolean;
  /** True if the node passes. */
  check(node: NodeInfo): boolean;
  /** Why `nodes` nodes failed this filter. */
  explain(nodes: number): string;
}

const plural = (nodes: number) => (nodes === 1 ? '1 node' : `${nodes} nodes`);

/** The node is ready and its availability is active. */
export class ReadyFilter implements Filter {
  setTask(): boolean {
    return true;
  }
  check(node: NodeInfo): boolean {
    return node.node.Status.State === 'ready' && node.node.Spec.Availability === 'active';
  }
  explain(nodes: number): string {
    return `${plural(nodes)} not available for new tasks`;
  }
}

/** The node has the CPU and memory the task reserves left. */
export class ResourceFilter implements Filter {
  private reservations: Resources = { nanoCPUs: 0, memoryBytes: 0 };
  setTask(task: TaskObject): boolean {
    this.reservations = reservationsOf(task);
    return this.reservations.nanoCPUs > 0 || this.reservations.memoryBytes > 0;
  }
  check(node: NodeInfo): boolean {
    return (
      this.reservations.nanoCPUs <= node.available.nanoCPUs &&
      this.reservations.memoryBytes <= node.available.memoryBytes
    );
  }
  explain(nodes: number): string {
    return `insufficient resources on ${plural(nodes)}`;
  }
}

/** The node satisfies the task's placement constraints. */
export class ConstraintFilter implements Filter {
  private constraints: Constraint[] = [];
  setTask(task: TaskObject): boolean {
    try {
      this.constraints = parseConstraints(task.Spec.Placement?.Constraints);
    } catch {
      return false; // validated by controlapi
    }
    return this.constraints.length > 0;
  }
  check(node: NodeInfo): boolean {
    return nodeMatches(this.constraints, node.node);
  }
  explain(nodes: number): string {
    return `scheduling constraints not satisfied on ${plural(nodes)}`;
  }
}

const normalizeArch = (arch: string | undefined) =>
  arch === 'x86_64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : (arch ?? '');

/** The node runs one of the platforms the task's image supports. */
export class PlatformFilter implements Filter {
  private platforms: { Architecture?: string; OS?: string }[] = [];
  setTask(task: TaskObject): boolean {
    this.platforms = task.Spec.Placement?.Platforms ?? [];
    return this.platforms.length > 0;
  }
  check(node: NodeInfo): boolean {
    const platform = node.node.Description?.Platform;
    if (!platform) return true; // a node that does not describe its platform takes any image
    const arch = normalizeArch(platform.Architecture);
    return this.platforms.some(
      (p) =>
        (!p.Architecture || normalizeArch(p.Architecture) === arch) &&
        (!p.OS || p.OS.toLowerCase() === (platform.OS ?? '').toLowerCase()),
    );
  }
  explain(nodes: number): string {
    return `unsupported platform on ${plural(nodes)}`;
  }
}

/** No other task on the node publishes the task's host-mode ports. */
export class HostPortFilter implements Filter {
  private ports: string[] = [];
  setTask(task: TaskObject): boolean {
    this.ports = hostPortsOf(task);
    return this.ports.length > 0;
  }
  check(node: NodeInfo): boolean {
    return this.ports.every((port) => !node.usedHostPorts.has(port));
  }
  explain(nodes: number): string {
    return `host-mode port already in use on ${plural(nodes)}`;
  }
}

/** The node runs fewer than `Placement.MaxReplicas` tasks of the service. */
export class MaxReplicasFilter implements Filter {
  private serviceId = '';
  private max = 0;
  setTask(task: TaskObject): boolean {
    this.serviceId = task.ServiceID;
    this.max = task.Spec.Placement?.MaxReplicas ?? 0;
    return this.max > 0;
  }
  check(node: NodeInfo): boolean {
    return node.tasksOfService(this.serviceId) < this.max;
  }
  explain(): string {
    return 'max replicas per node limit exceed';
  }
}

interface Entry {
  filter: Filter;
  enabled: boolean;
  failures: number;
}

/** Runs the filters in order: ready, resources, constraints, platform, host ports, max replicas. */
export class Pipeline {
  private readonly checklist: Entry[] = [
    new ReadyFilter(),
    new ResourceFilter(),
    new ConstraintFilter(),
    new PlatformFilter(),
    new HostPortFilter(),
    new MaxReplicasFilter(),
  ].map((filter) => ({ filter, enabled: false, failures: 0 }));

  /** Prepares the filters for a task. */
  setTask(task: TaskObject): void {
    for (const entry of this.checklist) {
      entry.enabled = entry.filter.setTask(task);
      entry.failures = 0;
    }
  }

  /** True if the node passes every enabled filter; otherwise counts the first filter that failed. */
  process(node: NodeInfo): boolean {
    for (const entry of this.checklist) {
      if (entry.enabled && !entry.filter.check(node)) {
        entry.failures += 1;
        return false;
      }
    }
    return true;
  }

  /** Forgets the failure counts (before explaining a fresh pass over the nodes). */
  resetFailures(): void {
    for (const entry of this.checklist) entry.failures = 0;
  }

  /** Why the nodes counted since the last reset were turned down, most frequent reason first. */
  explain(): string {
    return this.checklist
      .filter((entry) => entry.failures > 0)
      .sort((a, b) => b.failures - a.failures)
      .map((entry) => entry.filter.explain(entry.failures))
      .join('; ');
  }
}
