/**
 * The task reaper (SwarmKit's orchestrator/taskreaper): keeps at most `TaskHistoryRetentionLimit` tasks per
 * slot (per node for global services), deleting the oldest stopped ones, and deletes tasks marked for removal
 * (desired state `remove`: scaled down, or of a removed service) once they stopped or never reached a node.
 */
import type { TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { ReadTx } from '../../store/transaction.js';
import type { ChangeSet } from '../../store/watch.js';
import { delay, type LoopLogger, warn } from './loop-utils.js';
import { isGlobal } from './new-task.js';
import { byStatusTimestamp } from './restart.js';

/** Tasks kept per slot when the cluster spec says nothing. */
export const defaultTaskHistoryRetentionLimit = 5;
/** How often the reaper prunes. */
export const reaperBatchingIntervalMs = 250;
/** Prune at once when this many slots wait. */
export const maxDirty = 1000;

/**
 * True if a task no longer runs anywhere: it ended, it was never given to a node and will not be, or its node
 * is gone. Only such tasks are deleted.
 */
export function hasStopped(tx: ReadTx, task: TaskObject): boolean {
  const status = stateRank(task.Status.State);
  if (status > rankOf.running) return true;
  if (stateRank(task.DesiredState) > rankOf.running && status < rankOf.assigned) return true;
  return task.NodeID !== undefined && task.NodeID !== '' && tx.get('nodes', task.NodeID) === undefined;
}

export class TaskReaper {
  /** Slots to check, as `serviceId \n slot-or-node`. */
  private readonly dirty = new Set<string>();
  /** Tasks marked for removal, to delete once stopped. */
  private readonly cleanup = new Set<string>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: LoopLogger = warn,
  ) {}

  /** Prunes everything once, then follows the store until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const changes = this.store.watch(signal);
    this.init();
    const ticker = this.tickLoop(signal);
    for await (const change of changes) {
      if (change.reset) this.init();
      else this.handle(change);
      if (this.dirty.size + this.cleanup.size > 0) this.wake?.();
    }
    this.wake?.();
    await ticker;
  }

  private async tickLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.dirty.size + this.cleanup.size === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        if (signal.aborted) return;
      }
      if (this.dirty.size + this.cleanup.size <= maxDirty) {
        if (!(await delay(reaperBatchingIntervalMs, signal))) return;
      }
      try {
        await this.tick();
      } catch (error) {
        this.log('task reaper: pruning failed', error);
      }
    }
  }

  private init(): void {
    this.store.view((tx) => {
      for (const task of tx.list('tasks')) {
        this.markDirty(task);
        if (task.DesiredState === 'remove' || !tx.get('services', task.ServiceID)) this.cleanup.add(task.ID);
      }
    });
  }

  private handle(change: ChangeSet): void {
    for (const event of change.events) {
      if (event.table === 'clusters') {
        for (const task of this.store.view((tx) => tx.list('tasks'))) this.markDirty(task);
        continue;
      }
      if (event.table === 'nodes' && event.action === 'delete') {
        // Tasks of a removed node will never report again: they count as stopped.
        for (const task of this.store.view((tx) => tx.tasksByNode(event.object.ID))) {
          this.markDirty(task);
          if (task.DesiredState === 'remove') this.cleanup.add(task.ID);
        }
        continue;
      }
      if (event.table !== 'tasks' || event.action === 'delete') continue;
      const task = event.object;
      if (event.action === 'create') this.markDirty(task);
      if (task.DesiredState === 'remove') this.cleanup.add(task.ID);
      else if (event.previous && stateRank(event.previous.Status.State) <= rankOf.running) {
        // A task that just stopped may push its slot over the limit.
        if (stateRank(task.Status.State) > rankOf.running) this.markDirty(task);
      }
    }
  }

  private markDirty(task: TaskObject): void {
    this.dirty.add(`${task.ServiceID}\n${task.Slot ? `s${task.Slot}` : `n${task.NodeID ?? ''}`}`);
  }

  private async tick(): Promise<void> {
    const deletions = new Set<string>();
    const keepDirty: string[] = [];
    this.store.view((tx) => {
      const limit = this.retentionLimit(tx);
      for (const id of this.cleanup) {
        const task = tx.get('tasks', id);
        if (!task) continue;
        const service = tx.get('services', task.ServiceID);
        if ((task.DesiredState === 'remove' || !service) && hasStopped(tx, task)) deletions.add(id);
      }
      // Group the dirty slots by service, so each service's tasks are read once.
      const byService = new Map<string, Set<string>>();
      for (const key of this.dirty) {
        const [serviceId, slotKey] = key.split('\n');
        let slots = byService.get(serviceId);
        if (!slots) byService.set(serviceId, (slots = new Set()));
        slots.add(slotKey);
      }
      for (const [serviceId, slotKeys] of byService) {
        const service = tx.get('services', serviceId);
        if (!service || limit < 0) continue;
        const global = isGlobal(service);
        const slots = new Map<string, TaskObject[]>();
        for (const task of tx.tasksByService(serviceId)) {
          const key = global || !task.Slot ? `n${task.NodeID ?? ''}` : `s${task.Slot}`;
          if (!slotKeys.has(key)) continue;
          let tasks = slots.get(key);
          if (!tasks) slots.set(key, (tasks = []));
          tasks.push(task);
        }
        for (const [key, tasks] of slots) {
          if (tasks.length <= limit) continue;
          tasks.sort(byStatusTimestamp);
          let kept = tasks.length;
          let runnable = 0;
          for (const task of tasks) {
            if (kept <= limit) break;
            if (stateRank(task.DesiredState) <= rankOf.running) {
              runnable += 1;
              continue;
            }
            if (!hasStopped(tx, task)) continue;
            deletions.add(task.ID);
            kept -= 1;
          }
          // More than one runnable task (an update in progress): look again once they settled.
          if (runnable > 1) keepDirty.push(`${serviceId}\n${key}`);
        }
      }
    });
    this.dirty.clear();
    for (const key of keepDirty) this.dirty.add(key);
    // Tasks still running come back with their next status report.
    this.cleanup.clear();
    if (deletions.size === 0) return;
    const errors = await this.store.batch((batch) => {
      for (const id of deletions) {
        batch.update((tx) => {
          if (tx.get('tasks', id)) tx.delete('tasks', id);
        });
      }
    });
    for (const error of errors) this.log('task reaper: deleting a task failed', error);
  }

  private retentionLimit(tx: ReadTx): number {
    const cluster = tx.list('clusters')[0];
    return cluster?.Spec.Orchestration?.TaskHistoryRetentionLimit ?? defaultTaskHistoryRetentionLimit;
  }
}
