import type { ClusterSnapshot } from '../../lessons/checks/cluster-snapshot.js';
import { noSwarmMessage } from '../../lessons/checks/evaluate-check.js';
import type { Node, Service, Task } from '../../orchestrator/api/engine-types.js';
import type { ClusterView, NodeColumn, TaskCard } from '../protocol/cluster-view.js';

/** States after which a task is gone for good; the visualizer leaves them out. */
const finished = new Set(['complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned']);

function imageOf(service: Service | undefined, task: Task): string {
  const image = task.Spec?.ContainerSpec?.Image ?? service?.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '?';
  return image.replace(/@sha256:[0-9a-f]+$/, '');
}

function card(task: Task, services: Map<string | undefined, Service>): TaskCard {
  const service = services.get(task.ServiceID);
  const error = task.Status?.Err;
  return {
    id: task.ID ?? '',
    service: service?.Spec?.Name ?? task.ServiceID?.slice(0, 12) ?? '?',
    image: imageOf(service, task),
    ...(task.Slot !== undefined && task.Slot > 0 ? { slot: task.Slot } : {}),
    state: task.Status?.State ?? 'new',
    desiredState: task.DesiredState ?? 'running',
    ...(error ? { error } : {}),
  };
}

function column(node: Node): NodeColumn {
  const role = node.Spec?.Role === 'manager' ? 'manager' : 'worker';
  return {
    id: node.ID ?? '',
    name: node.Description?.Hostname ?? node.ID?.slice(0, 12) ?? '?',
    addr: node.Status?.Addr ?? '',
    role,
    leader: node.ManagerStatus?.Leader === true,
    availability: node.Spec?.Availability ?? 'active',
    status: node.Status?.State ?? 'unknown',
    tasks: [],
  };
}

const byServiceAndSlot = (a: TaskCard, b: TaskCard) =>
  a.service.localeCompare(b.service) || (a.slot ?? 0) - (b.slot ?? 0);

/** The visualizer's picture of a snapshot: swarm nodes as columns, live tasks as cards. Pure. */
export function visualizerView(snapshot: ClusterSnapshot): ClusterView {
  if (!snapshot.manager) {
    const inactive = snapshot.nodes.every(
      (n) => !n.reachable || (n.info?.Swarm?.LocalNodeState ?? 'inactive') === 'inactive',
    );
    return {
      swarm: inactive ? 'inactive' : 'unreachable',
      message: inactive ? 'No swarm yet: run docker swarm init on swarm-1.' : noSwarmMessage(snapshot),
      nodes: [],
      unassigned: [],
    };
  }
  const services = new Map(snapshot.services.map((s) => [s.ID, s]));
  const nodes = snapshot.swarmNodes
    .map(column)
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const unassigned: TaskCard[] = [];
  for (const task of snapshot.tasks) {
    if (finished.has(task.Status?.State ?? '') && task.DesiredState !== 'running') continue;
    if (task.DesiredState === 'shutdown' && task.Status?.State !== 'running') continue;
    const target = task.NodeID ? byId.get(task.NodeID) : undefined;
    (target ? target.tasks : unassigned).push(card(task, services));
  }
  for (const node of nodes) node.tasks.sort(byServiceAndSlot);
  unassigned.sort(byServiceAndSlot);
  const down = nodes.filter((n) => n.status === 'down').map((n) => n.name);
  const count = `${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'}`;
  return {
    swarm: 'active',
    message: down.length ? `${count}; down: ${down.join(', ')}` : count,
    nodes,
    unassigned,
    source: snapshot.manager,
  };
}
