/**
 * The replicated orchestrator (SwarmKit's orchestrator/replicated): keeps slots 1..N of every replicated
 * service filled. Service changes reconcile the service (scale up, scale down, rolling update); task and node
 * changes hand failed tasks, and tasks of down or drained nodes, to the restart supervisor.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { ChangeSet } from '../../store/watch.js';
import { nodeMatches, parseConstraints } from '../scheduler/constraint.js';
import { followStore, type LoopLogger, type ReconcileLoop, warn } from './loop-utils.js';
import { isReplicated, newTask, replicasOf } from './new-task.js';
import { isInvalidNode, type RestartSupervisor } from './restart.js';
import { fixTasksAtStart, setTasksRemoved } from './task-init.js';
import type { UpdateSupervisor } from './update/supervisor.js';
import type { Slot } from './update/updater.js';

export class ReplicatedOrchestrator implements ReconcileLoop {
  private readonly reconcileServices = new Set<string>();
  private readonly restartTasks = new Set<string>();
  private readonly removedServices = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly restarts: RestartSupervisor,
    private readonly updates: UpdateSupervisor,
    private readonly log: LoopLogger = warn,
  ) {}

  /** Reconciles everything once, then follows the store until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return followStore(this.store, signal, this, 'replicated orchestrator', this.log);
  }

  init(): void {
    this.store.view((tx) => {
      for (const service of tx.list('services')) {
        if (isReplicated(service)) this.reconcileServices.add(service.ID);
      }
    });
    for (const id of fixTasksAtStart(this.store, this.restarts, isReplicated)) this.restartTasks.add(id);
  }

  handle(change: ChangeSet): void {
    for (const event of change.events) {
      if (event.table === 'services') {
        if (!isReplicated(event.object)) continue;
        if (event.action === 'delete') {
          this.removedServices.add(event.object.ID);
          this.reconcileServices.delete(event.object.ID);
          this.restarts.clearServiceHistory(event.object.ID);
          this.updates.cancel(event.object.ID);
        } else this.reconcileServices.add(event.object.ID);
      } else if (event.table === 'tasks') {
        const task = event.object;
        if (event.action === 'delete') {
          this.restarts.cancel(task.ID);
          if (stateRank(task.DesiredState) <= rankOf.running) {
            const service = this.store.view((tx) => tx.get('services', task.ServiceID));
            if (isReplicated(service)) this.reconcileServices.add(service.ID);
          }
        } else this.handleTaskChange(task);
      } else if (event.table === 'nodes') {
        if (event.action === 'delete' || isInvalidNode(event.object)) {
          this.restartTasksOfNode(event.object.ID);
        } else if (event.action === 'update') this.enforceConstraints(event.object);
      }
    }
  }

  private handleTaskChange(task: TaskObject): void {
    if (stateRank(task.DesiredState) > rankOf.running) return;
    const { service, node } = this.store.view((tx) => ({
      service: tx.get('services', task.ServiceID),
      node: task.NodeID ? tx.get('nodes', task.NodeID) : undefined,
    }));
    if (!isReplicated(service)) return;
    if (stateRank(task.Status.State) > rankOf.running || (task.NodeID && isInvalidNode(node))) {
      this.restartTasks.add(task.ID);
    }
  }

  /**
   * Moves tasks off a node that no longer satisfies their placement constraints (its labels or role changed),
   * as SwarmKit's constraint enforcer does.
   */
  private enforceConstraints(node: NodeObject): void {
    this.store.view((tx) => {
      for (const task of tx.tasksByNode(node.ID)) {
        if (stateRank(task.DesiredState) > rankOf.running) continue;
        if (!isReplicated(tx.get('services', task.ServiceID))) continue;
        try {
          if (nodeMatches(parseConstraints(task.Spec.Placement?.Constraints), node)) continue;
        } catch {
          continue; // validated by controlapi
        }
        this.restartTasks.add(task.ID);
      }
    });
  }

  private restartTasksOfNode(nodeId: string): void {
    this.store.view((tx) => {
      for (const task of tx.tasksByNode(nodeId)) {
        if (stateRank(task.DesiredState) > rankOf.running) continue;
        if (isReplicated(tx.get('services', task.ServiceID))) this.restartTasks.add(task.ID);
      }
    });
  }

  async tick(): Promise<void> {
    await this.tickTasks();
    await this.tickRemovedServices();
    await this.tickServices();
  }

  private async tickTasks(): Promise<void> {
    if (this.restartTasks.size === 0) return;
    const ids = [...this.restartTasks];
    this.restartTasks.clear();
    const errors = await this.store.batch((batch) => {
      for (const id of ids) {
        batch.update((tx) => {
          const task = tx.get('tasks', id);
          if (!task || stateRank(task.DesiredState) > rankOf.running) return;
          const service = tx.get('services', task.ServiceID);
          if (!isReplicated(service)) return;
          this.restarts.restart(tx, service, task);
        });
      }
    });
    for (const error of errors) this.log('replicated orchestrator: restarting a task failed', error);
  }

  private async tickRemovedServices(): Promise<void> {
    if (this.removedServices.size === 0) return;
    const ids = [...this.removedServices];
    this.removedServices.clear();
    for (const id of ids) await setTasksRemoved(this.store, id, this.log);
  }

  private async tickServices(): Promise<void> {
    if (this.reconcileServices.size === 0) return;
    const ids = [...this.reconcileServices];
    this.reconcileServices.clear();
    for (const id of ids) {
      const service = this.store.view((tx) => tx.get('services', id));
      if (isReplicated(service)) await this.reconcile(service);
    }
  }

  /** Brings the service's runnable slots to its replica count, and hands them to the updater. */
  private async reconcile(service: ServiceObject): Promise<void> {
    const { runnable, dead } = this.slotsOf(service);
    const wanted = replicasOf(service);
    const slots = [...runnable.values()];

    let keep = slots;
    let removeSlots: Slot[] = [];
    const newSlots: number[] = [];
    if (wanted > slots.length) {
      for (let slot = 1; newSlots.length < wanted - slots.length; slot++) {
        if (runnable.has(slot)) continue;
        newSlots.push(slot);
        dead.delete(slot);
      }
    } else if (wanted < slots.length) {
      const ordered = scaleDownOrder(slots);
      keep = ordered.slice(0, wanted);
      removeSlots = ordered.slice(wanted);
    }
    this.updates.update(service, keep);

    const toRemove = [...dead.values(), ...removeSlots].flat();
    if (newSlots.length === 0 && toRemove.length === 0) return;
    const errors = await this.store.batch((batch) => {
      for (const slot of newSlots) {
        batch.update((tx) => {
          if (tx.get('services', service.ID)) tx.create('tasks', newTask(service, slot));
        });
      }
      for (const task of toRemove) {
        batch.update((tx) => {
          const current = tx.get('tasks', task.ID);
          if (current && stateRank(current.DesiredState) < rankOf.remove) {
            tx.update('tasks', { ...current, DesiredState: 'remove' });
          }
        });
      }
    });
    for (const error of errors)
      this.log(`replicated orchestrator: reconciling service ${service.ID} failed`, error);
  }

  private slotsOf(service: ServiceObject): { runnable: Map<number, Slot>; dead: Map<number, Slot> } {
    const bySlot = new Map<number, Slot>();
    for (const task of this.store.view((tx) => tx.tasksByService(service.ID))) {
      const slot = task.Slot ?? 0;
      let tasks = bySlot.get(slot);
      if (!tasks) bySlot.set(slot, (tasks = []));
      tasks.push(task);
    }
    const runnable = new Map<number, Slot>();
    const dead = new Map<number, Slot>();
    for (const [slot, tasks] of bySlot) {
      const updatable = this.restarts.updatableTasksInSlot(tasks, service);
      if (updatable.length > 0) runnable.set(slot, updatable);
      else dead.set(slot, tasks);
    }
    return { runnable, dead };
  }
}

/**
 * The slots in the order a scale down keeps them: running tasks before others, then balanced across nodes (a
 * slot counts as the n-th copy of the service on its node, and higher copies go first), then lower slot
 * numbers first. Scaling down to N keeps the first N.
 */
export function scaleDownOrder(slots: readonly Slot[]): Slot[] {
  const unplaced = Number.MAX_SAFE_INTEGER;
  const isRunning = (slot: Slot) => slot[0]?.Status.State === 'running';
  const ordered = [...slots]
    .sort((a, b) => (a[0]?.Slot ?? 0) - (b[0]?.Slot ?? 0))
    .sort((a, b) => Number(isRunning(b)) - Number(isRunning(a)));
  const copiesOnNode = new Map<string, number>();
  const indexed = ordered.map((slot) => {
    const nodeId = slot.length === 1 ? slot[0].NodeID : undefined;
    if (!nodeId) return { slot, index: unplaced };
    const index = (copiesOnNode.get(nodeId) ?? 0) + 1;
    copiesOnNode.set(nodeId, index);
    return { slot, index };
  });
  return indexed.sort((a, b) => a.index - b.index).map((entry) => entry.slot);
}
