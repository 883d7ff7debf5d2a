/**
 * The scheduler (SwarmKit's manager/scheduler): assigns pending tasks to nodes. Each node goes through the
 * filter pipeline; among those that pass, a task goes to the node with the fewest tasks of its service, then
 * the fewest tasks overall (nodes where the service keeps failing come last). Tasks of global services arrive
 * with their node chosen and are only checked. A task that fits nowhere stays pending with Swarm's
 * "no suitable node (...)" in `Status.Err`, and is retried whenever nodes or tasks change.
 *
 * Store commits are debounced: the scheduler acts after a 50 ms gap between commits, at most 1 s late.
 */
import type { NodeObject, TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { ChangeSet } from '../../store/watch.js';
import { type LoopLogger, warn } from '../orchestrator/loop-utils.js';
import { Pipeline } from './filters.js';
import { NodeHeap } from './node-heap.js';
import { maxFailures, NodeInfo } from './node-info.js';

/** Wait this long after a commit for more before scheduling. */
export const commitDebounceGapMs = 50;
/** Never delay scheduling by more than this. */
export const maxLatencyMs = 1000;

export const assignedMessage = 'scheduler assigned task to node';
export const preassignedMessage = 'scheduler confirmed task can run on preassigned node';

interface Decision {
  old: TaskObject;
  next: TaskObject;
}

const isQueued = (task: TaskObject) => stateRank(task.DesiredState) <= rankOf.running;

export interface SchedulerOptions {
  log?: LoopLogger;
  commitDebounceGapMs?: number;
  maxLatencyMs?: number;
}

export class Scheduler {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly allTasks = new Map<string, TaskObject>();
  private readonly unassigned = new Map<string, TaskObject>();
  private readonly preassigned = new Map<string, TaskObject>();
  private readonly pipeline = new Pipeline();
  private readonly log: LoopLogger;
  private readonly gapMs: number;
  private readonly maxLatencyMs: number;
  private tickRequired = false;
  private timer: NodeJS.Timeout | undefined;
  private debounceStarted = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private resyncNeeded = false;

  constructor(
    private readonly store: Store,
    options: SchedulerOptions = {},
  ) {
    this.log = options.log ?? warn;
    this.gapMs = options.commitDebounceGapMs ?? commitDebounceGapMs;
    this.maxLatencyMs = options.maxLatencyMs ?? maxLatencyMs;
  }

  /** Schedules what waits, then follows the store until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const changes = this.store.watch(signal);
    this.setup();
    this.tickRequired = true;
    this.schedule();
    for await (const change of changes) {
      if (change.reset) {
        this.setup();
        this.tickRequired = true;
      } else this.handle(change);
      this.debounce();
    }
    clearTimeout(this.timer);
    await this.running;
  }

  private setup(): void {
    this.nodes.clear();
    this.allTasks.clear();
    this.unassigned.clear();
    this.preassigned.clear();
    this.store.view((tx) => {
      for (const node of tx.list('nodes')) this.nodes.set(node.ID, new NodeInfo(node));
      for (const task of tx.list('tasks')) this.createTask(task);
    });
  }

  private handle(change: ChangeSet): void {
    for (const event of change.events) {
      if (event.table === 'tasks') {
        if (event.action === 'create') this.tickRequired = this.createTask(event.object) || this.tickRequired;
        else if (event.action === 'update')
          this.tickRequired = this.updateTask(event.object) || this.tickRequired;
        else this.tickRequired = this.deleteTask(event.object) || this.tickRequired;
      } else if (event.table === 'nodes') {
        if (event.action === 'delete') this.nodes.delete(event.object.ID);
        else this.createOrUpdateNode(event.object);
        this.tickRequired = true;
      }
    }
  }

  private debounce(): void {
    if (!this.tickRequired && this.preassigned.size === 0) return;
    const now = Date.now();
    if (this.timer === undefined) {
      this.debounceStarted = now;
    } else {
      clearTimeout(this.timer);
      if (now - this.debounceStarted > this.maxLatencyMs) {
        this.timer = undefined;
        this.schedule();
        return;
      }
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, this.gapMs);
  }

  /** Runs a scheduling pass now, or right after the one in progress. */
  private schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    const pass = async () => {
      do {
        this.again = false;
        try {
          if (this.resyncNeeded) {
            this.resyncNeeded = false;
            this.setup();
            this.tickRequired = true;
          }
          if (this.preassigned.size > 0) await this.processPreassigned();
          if (this.tickRequired) {
            this.tickRequired = false;
            await this.tick();
          }
        } catch (error) {
          this.log('scheduler: a scheduling pass failed', error);
          this.resyncNeeded = true;
        }
      } while (this.again);
    };
    this.running = pass().finally(() => {
      this.running = undefined;
      if (this.again) this.schedule();
    });
  }

  // --- keeping the picture of the cluster current ---

  /** Returns true if the task needs a scheduling pass. */
  private createTask(task: TaskObject): boolean {
    const state = stateRank(task.Status.State);
    if (state < rankOf.pending || state > rankOf.running) return false;
    this.allTasks.set(task.ID, task);
    if (!task.NodeID) {
      if (!isQueued(task)) return false;
      this.unassigned.set(task.ID, task);
      return true;
    }
    if (task.Status.State === 'pending') {
      if (isQueued(task)) this.preassigned.set(task.ID, task);
      return false;
    }
    this.nodes.get(task.NodeID)?.addTask(task);
    return false;
  }

  private updateTask(task: TaskObject): boolean {
    const state = stateRank(task.Status.State);
    if (state < rankOf.pending) return false;
    const old = this.allTasks.get(task.ID);
    if (state > rankOf.running) {
      if (!old) return false;
      this.deleteTask(old);
      if (
        old.Status.State !== task.Status.State &&
        (task.Status.State === 'failed' || task.Status.State === 'rejected')
      ) {
        if (task.NodeID) this.nodes.get(task.NodeID)?.taskFailed(task.ServiceID);
      }
      return true;
    }
    if (!task.NodeID) {
      if (old) this.deleteTask(old);
      this.allTasks.set(task.ID, task);
      if (!isQueued(task)) return false;
      this.unassigned.set(task.ID, task);
      return true;
    }
    if (task.Status.State === 'pending') {
      if (old) this.deleteTask(old);
      this.allTasks.set(task.ID, task);
      if (isQueued(task)) this.preassigned.set(task.ID, task);
      return false;
    }
    this.unassigned.delete(task.ID);
    this.preassigned.delete(task.ID);
    this.allTasks.set(task.ID, task);
    const node = this.nodes.get(task.NodeID);
    // A task another writer placed (or moved) is accounted on its node.
    if (old?.NodeID && old.NodeID !== task.NodeID) this.nodes.get(old.NodeID)?.removeTask(old);
    return node?.addTask(task) === true && !isQueued(task);
  }

  private deleteTask(task: TaskObject): boolean {
    this.allTasks.delete(task.ID);
    this.unassigned.delete(task.ID);
    this.preassigned.delete(task.ID);
    return task.NodeID ? this.nodes.get(task.NodeID)?.removeTask(task) === true : false;
  }

  private createOrUpdateNode(node: NodeObject): void {
    const info = this.nodes.get(node.ID);
    if (info) info.setNode(node);
    else this.nodes.set(node.ID, new NodeInfo(node));
  }

  // --- placing tasks ---

  private async processPreassigned(): Promise<void> {
    const decisions = new Map<string, Decision>();
    for (const task of this.preassigned.values()) {
      const node = this.nodes.get(task.NodeID!);
      if (!node) continue;
      this.pipeline.setTask(task);
      if (this.pipeline.process(node)) {
        const next: TaskObject = {
          ...task,
          Status: { Timestamp: new Date().toISOString(), State: 'assigned', Message: preassignedMessage },
        };
        this.allTasks.set(task.ID, next);
        node.addTask(next);
        decisions.set(task.ID, { old: task, next });
      } else {
        const err = noSuitableNode(this.pipeline.explain());
        if (task.Status.Err !== err) {
          decisions.set(task.ID, { old: task, next: withErr(task, err) });
        }
      }
    }
    const { succeeded, failed } = await this.apply(decisions);
    for (const decision of succeeded) {
      if (decision.next.Status.State === 'assigned') this.preassigned.delete(decision.old.ID);
    }
    for (const decision of failed) this.revert(decision, false);
  }

  private async tick(): Promise<void> {
    const groups = new Map<string, TaskObject[]>();
    for (const task of this.unassigned.values()) {
      const key =
        task._specVersion === undefined ? `one-off\n${task.ID}` : `${task.ServiceID}\n${task._specVersion}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push(task);
    }
    this.unassigned.clear();
    const decisions = new Map<string, Decision>();
    for (const group of groups.values()) this.scheduleGroup(group, decisions);
    const { failed } = await this.apply(decisions);
    for (const decision of failed) this.revert(decision, true);
  }

  /** Places a group of tasks of one service and spec version (they all pass the same filters). */
  private scheduleGroup(tasks: TaskObject[], decisions: Map<string, Decision>): void {
    const first = tasks[0];
    const serviceId = first.ServiceID;
    this.pipeline.setTask(first);
    const now = Date.now();
    const compare = (a: NodeInfo, b: NodeInfo): number => {
      const failuresA = a.countRecentFailures(serviceId, now);
      const failuresB = b.countRecentFailures(serviceId, now);
      if ((failuresA >= maxFailures || failuresB >= maxFailures) && failuresA !== failuresB) {
        return failuresA - failuresB;
      }
      return (
        a.tasksOfService(serviceId) - b.tasksOfService(serviceId) ||
        a.activeTasksCount - b.activeTasksCount ||
        (a.node.ID < b.node.ID ? -1 : a.node.ID > b.node.ID ? 1 : 0)
      );
    };
    const candidates: NodeInfo[] = [];
    for (const node of this.nodes.values()) if (this.pipeline.process(node)) candidates.push(node);
    const heap = new NodeHeap(candidates, compare);
    const timestamp = new Date().toISOString();

    let placed = 0;
    for (const task of tasks) {
      const node = heap.peek();
      if (!node) break;
      const next: TaskObject = {
        ...task,
        NodeID: node.node.ID,
        Status: { Timestamp: timestamp, State: 'assigned', Message: assignedMessage },
      };
      this.allTasks.set(task.ID, next);
      node.addTask(next);
      decisions.set(task.ID, { old: task, next });
      placed += 1;
      if (this.pipeline.process(node)) heap.topChanged();
      else heap.pop(); // full now
    }
    if (placed === tasks.length) return;

    // Explain why the rest fits nowhere: which filter turned each node down, now that the others are placed.
    this.pipeline.resetFailures();
    for (const node of this.nodes.values()) this.pipeline.process(node);
    const err = noSuitableNode(this.pipeline.explain());
    for (const task of tasks.slice(placed)) {
      this.unassigned.set(task.ID, task);
      if (task.Status.Err !== err) decisions.set(task.ID, { old: task, next: withErr(task, err) });
    }
  }

  /** Writes the decisions; returns those that took and those the store no longer allowed. */
  private async apply(
    decisions: Map<string, Decision>,
  ): Promise<{ succeeded: Decision[]; failed: Decision[] }> {
    const succeeded: Decision[] = [];
    const failed: Decision[] = [];
    if (decisions.size === 0) return { succeeded, failed };
    try {
      await this.store.batch((batch) => {
        for (const decision of decisions.values()) {
          batch.update((tx) => {
            const current = tx.get('tasks', decision.old.ID);
            const unchanged =
              current !== undefined &&
              current.Status.State === 'pending' &&
              isQueued(current) &&
              (current.NodeID ?? '') === (decision.old.NodeID ?? '');
            const assigning = decision.next.Status.State === 'assigned';
            if (!unchanged) {
              failed.push(decision);
              return;
            }
            if (assigning) {
              const node = tx.get('nodes', decision.next.NodeID!);
              if (node?.Status.State !== 'ready') {
                failed.push(decision);
                return;
              }
              tx.update('tasks', { ...current, NodeID: decision.next.NodeID, Status: decision.next.Status });
            } else {
              const { Timestamp, Err } = decision.next.Status;
              tx.update('tasks', { ...current, Status: { ...current.Status, Timestamp, Err } });
            }
            succeeded.push(decision);
          });
        }
      });
    } catch (error) {
      // The batch itself failed: some of it may have committed. Start over from the store.
      this.log('scheduler: writing assignments failed', error);
      this.resyncNeeded = true;
      this.again = true;
      return { succeeded: [], failed: [] };
    }
    return { succeeded, failed };
  }

  /** Undoes the local effect of a decision the store refused, and queues the task again if it still waits. */
  private revert(decision: Decision, requeue: boolean): void {
    const current = this.store.view((tx) => tx.get('tasks', decision.old.ID));
    if (decision.next.Status.State === 'assigned' && current?.NodeID !== decision.next.NodeID) {
      this.nodes.get(decision.next.NodeID!)?.removeTask(decision.next);
    }
    if (!current) {
      this.deleteTask(decision.old);
      return;
    }
    if (current.Status.State === 'pending' && isQueued(current)) {
      this.allTasks.set(current.ID, current);
      if (current.NodeID) this.preassigned.set(current.ID, current);
      else if (requeue) {
        this.unassigned.set(current.ID, current);
        this.tickRequired = true;
      }
    }
  }
}

function noSuitableNode(explanation: string): string {
  return explanation ? `no suitable node (${explanation})` : 'no suitable node';
}

function withErr(task: TaskObject, err: string): TaskObject {
  return { ...task, Status: { ...task.Status, Timestamp: new Date().toISOString(), Err: err } };
}
