/**
 * The global orchestrator (SwarmKit's orchestrator/global): one task of every global service on every node
 * that is ready, not drained and satisfies the service's constraints. It follows node joins, drains, downs and
 * removals; paused nodes keep what they run but get nothing new.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { WriteTx } from '../../store/transaction.js';
import type { ChangeSet } from '../../store/watch.js';
import { type Constraint, nodeMatches, parseConstraints } from '../scheduler/constraint.js';
import { followStore, type LoopLogger, type ReconcileLoop, warn } from './loop-utils.js';
import { isGlobal, newTask } from './new-task.js';
import type { RestartSupervisor } from './restart.js';
import { isTaskDirty } from './task-dirty.js';
import { fixTasksAtStart, setTasksRemoved } from './task-init.js';
import type { UpdateSupervisor } from './update/supervisor.js';
import type { Slot } from './update/updater.js';

interface GlobalService {
  service: ServiceObject;
  constraints: Constraint[];
}

export class GlobalOrchestrator implements ReconcileLoop {
  /** Nodes that may run tasks: neither drained nor down. */
  private readonly nodes = new Map<string, NodeObject>();
  private readonly services = new Map<string, GlobalService>();
  private readonly reconcileServices = new Set<string>();
  private readonly reconcileNodes = new Set<string>();
  private readonly restartTasks = new Set<string>();
  private readonly removedServices = new Set<string>();
  private readonly removedNodes = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly restarts: RestartSupervisor,
    private readonly updates: UpdateSupervisor,
    private readonly log: LoopLogger = warn,
  ) {}

  /** Reconciles everything once, then follows the store until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return followStore(this.store, signal, this, 'global orchestrator', this.log);
  }

  init(): void {
    this.nodes.clear();
    this.services.clear();
    this.store.view((tx) => {
      for (const node of tx.list('nodes')) this.updateNode(node);
      for (const service of tx.list('services')) {
        if (!isGlobal(service)) continue;
        this.updateService(service);
        this.reconcileServices.add(service.ID);
      }
    });
    for (const id of fixTasksAtStart(this.store, this.restarts, isGlobal, false)) this.restartTasks.add(id);
  }

  handle(change: ChangeSet): void {
    for (const event of change.events) {
      if (event.table === 'services') {
        if (!isGlobal(event.object)) continue;
        if (event.action === 'delete') {
          this.services.delete(event.object.ID);
          this.removedServices.add(event.object.ID);
          this.reconcileServices.delete(event.object.ID);
          this.restarts.clearServiceHistory(event.object.ID);
          this.updates.cancel(event.object.ID);
        } else {
          this.updateService(event.object);
          this.reconcileServices.add(event.object.ID);
        }
      } else if (event.table === 'nodes') {
        if (event.action === 'delete') {
          this.nodes.delete(event.object.ID);
          this.removedNodes.add(event.object.ID);
        } else {
          this.updateNode(event.object);
          this.reconcileNodes.add(event.object.ID);
        }
      } else if (event.table === 'tasks') {
        const task = event.object;
        const entry = this.services.get(task.ServiceID);
        if (!entry || stateRank(task.DesiredState) > rankOf.running) continue;
        if (event.action === 'delete') this.reconcileServices.add(task.ServiceID);
        else if (stateRank(task.Status.State) > rankOf.running) this.restartTasks.add(task.ID);
      }
    }
  }

  private updateNode(node: NodeObject): void {
    if (node.Spec.Availability === 'drain' || node.Status.State === 'down') this.nodes.delete(node.ID);
    else this.nodes.set(node.ID, node);
  }

  private updateService(service: ServiceObject): void {
    let constraints: Constraint[] = [];
    try {
      constraints = parseConstraints(service.Spec.TaskTemplate.Placement?.Constraints);
    } catch {
      // validated by controlapi
    }
    this.services.set(service.ID, { service, constraints });
  }

  async tick(): Promise<void> {
    await this.tickTasks();
    for (const id of this.takeAll(this.removedServices)) await setTasksRemoved(this.store, id, this.log);
    for (const id of this.takeAll(this.removedNodes)) await this.shutDownTasksOfNode(id, 'remove');
    for (const id of this.takeAll(this.reconcileServices)) await this.reconcileService(id);
    for (const id of this.takeAll(this.reconcileNodes)) await this.reconcileNode(id);
  }

  private takeAll(set: Set<string>): string[] {
    const ids = [...set];
    set.clear();
    return ids;
  }

  private async tickTasks(): Promise<void> {
    if (this.restartTasks.size === 0) return;
    const ids = this.takeAll(this.restartTasks);
    const errors = await this.store.batch((batch) => {
      for (const id of ids) {
        batch.update((tx) => {
          const task = tx.get('tasks', id);
          if (!task || stateRank(task.DesiredState) > rankOf.running) return;
          const service = tx.get('services', task.ServiceID);
          const entry = this.services.get(task.ServiceID);
          const node = task.NodeID ? this.nodes.get(task.NodeID) : undefined;
          if (!service || !entry || !node) return;
          if (node.Spec.Availability === 'pause' || !nodeMatches(entry.constraints, node)) {
            tx.update('tasks', { ...task, DesiredState: 'shutdown' });
            return;
          }
          this.restarts.restart(tx, service, task);
        });
      }
    });
    for (const error of errors) this.log('global orchestrator: restarting a task failed', error);
  }

  /** The runnable (or updatable) tasks of a service, by node. */
  private tasksByNode(service: ServiceObject, tasks: readonly TaskObject[]): Map<string, Slot> {
    const byNode = new Map<string, Slot>();
    for (const task of tasks) {
      const nodeId = task.NodeID ?? '';
      let slot = byNode.get(nodeId);
      if (!slot) byNode.set(nodeId, (slot = []));
      slot.push(task);
    }
    for (const [nodeId, slot] of byNode) {
      const updatable = this.restarts.updatableTasksInSlot(slot, service);
      if (updatable.length > 0) byNode.set(nodeId, updatable);
      else byNode.delete(nodeId);
    }
    return byNode;
  }

  private async reconcileService(serviceId: string): Promise<void> {
    const entry = this.services.get(serviceId);
    if (!entry) return;
    const service = this.store.view((tx) => tx.get('services', serviceId));
    if (!isGlobal(service)) return;
    const byNode = this.tasksByNode(
      service,
      this.store.view((tx) => tx.tasksByService(serviceId)),
    );
    const toUpdate: Slot[] = [];
    const toAdd: string[] = [];
    const toShutDown: TaskObject[] = [];
    for (const [nodeId, node] of this.nodes) {
      const tasks = byNode.get(nodeId) ?? [];
      byNode.delete(nodeId);
      if (!nodeMatches(entry.constraints, node)) {
        toShutDown.push(...tasks);
        continue;
      }
      if (node.Spec.Availability === 'pause') continue;
      if (tasks.length === 0) toAdd.push(nodeId);
      else toUpdate.push(tasks);
    }
    // Tasks on nodes that are drained, down or gone.
    for (const tasks of byNode.values()) toShutDown.push(...tasks);

    const errors = await this.store.batch((batch) => {
      for (const nodeId of toAdd) {
        batch.update((tx) => {
          if (tx.get('services', serviceId)) tx.create('tasks', newTask(service, 0, nodeId));
        });
      }
      for (const task of toShutDown) batch.update((tx) => shutDown(tx, task.ID, 'shutdown'));
    });
    for (const error of errors)
      this.log(`global orchestrator: reconciling service ${serviceId} failed`, error);
    if (toUpdate.length > 0) this.updates.update(service, toUpdate);
  }

  private async reconcileNode(nodeId: string): Promise<void> {
    const node = this.store.view((tx) => tx.get('nodes', nodeId));
    if (!node) return;
    if (node.Spec.Availability === 'drain' || node.Status.State === 'down') {
      await this.shutDownTasksOfNode(nodeId, 'shutdown');
      return;
    }
    if (node.Spec.Availability === 'pause' || !this.nodes.has(nodeId)) return;

    const onNode = this.store.view((tx) => tx.tasksByNode(nodeId));
    const errors = await this.store.batch((batch) => {
      for (const [serviceId, entry] of this.services) {
        const service = entry.service;
        const tasks = this.tasksByNode(
          service,
          onNode.filter((t) => t.ServiceID === serviceId),
        ).get(nodeId);
        if (!nodeMatches(entry.constraints, node)) {
          for (const task of tasks ?? []) batch.update((tx) => shutDown(tx, task.ID, 'shutdown'));
          continue;
        }
        if (!tasks || tasks.length === 0) {
          batch.update((tx) => {
            if (tx.get('services', serviceId)) tx.create('tasks', newTask(service, 0, nodeId));
          });
          continue;
        }
        // Out-of-date tasks on a node that comes back (paused, then the service changed) are replaced
        // directly: this is not a rolling update.
        const clean = tasks.filter((t) => !isTaskDirty(service, t, node));
        const dirty = tasks.filter((t) => isTaskDirty(service, t, node));
        if (clean.length === 0) {
          batch.update((tx) => {
            if (tx.get('services', serviceId)) tx.create('tasks', newTask(service, 0, nodeId));
          });
        }
        for (const task of [...dirty, ...clean.slice(1)])
          batch.update((tx) => shutDown(tx, task.ID, 'shutdown'));
      }
    });
    for (const error of errors) this.log(`global orchestrator: reconciling node ${nodeId} failed`, error);
  }

  private async shutDownTasksOfNode(nodeId: string, state: 'shutdown' | 'remove'): Promise<void> {
    const tasks = this.store
      .view((tx) => tx.tasksByNode(nodeId))
      .filter((task) => this.services.has(task.ServiceID));
    if (tasks.length === 0) return;
    const errors = await this.store.batch((batch) => {
      for (const task of tasks) batch.update((tx) => shutDown(tx, task.ID, state));
    });
    for (const error of errors)
      this.log(`global orchestrator: shutting down tasks of node ${nodeId} failed`, error);
  }
}

function shutDown(tx: WriteTx, taskId: string, state: 'shutdown' | 'remove'): void {
  const task = tx.get('tasks', taskId);
  if (task && stateRank(task.DesiredState) < stateRank(state))
    tx.update('tasks', { ...task, DesiredState: state });
}
