/**
 * The restart supervisor (SwarmKit's orchestrator/restart): replaces a task that stopped or lost its node,
 * following the task's restart policy, and delays the *start* of the replacement: the new task is created at
 * once with desired state `ready` (so it gets allocated, scheduled and prepared), and only after the restart
 * delay, and once the old task has stopped, is its desired state raised to `running`.
 */

import type { NodeObject, ServiceObject, TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { isRunnableState, rankOf, stateRank } from '../../store/task-states.js';
import type { WriteTx } from '../../store/transaction.js';
import { nodeMatches, parseConstraints } from '../scheduler/constraint.js';
import { delay, type LoopLogger, nanosToMs, warn } from './loop-utils.js';
import { isGlobal, isReplicated, newTask } from './new-task.js';
import { isTaskUpToDate } from './task-dirty.js';

/** Restart delay when the policy gives none (SwarmKit's defaults.Service.Task.Restart.Delay). */
export const defaultRestartDelayMs = 5000;
/** How long a replacement waits for the task it replaces to stop before starting anyway. */
export const defaultOldTaskTimeoutMs = 60_000;

interface DelayedStart {
  cancel: () => void;
  done: Promise<void>;
  /** Another restart of the same task waits for this delay to finish. */
  waiter: boolean;
}

interface RestartInfo {
  totalRestarts: number;
  /** When each restart happened (ms), kept only when the policy has a window. */
  restartedAt: number[];
  specVersion: number | undefined;
}

export interface RestartSupervisorOptions {
  log?: LoopLogger;
  oldTaskTimeoutMs?: number;
}

/** The restart policy condition of a task (`any` unless the spec says otherwise). */
export function restartCondition(task: TaskObject): 'none' | 'on-failure' | 'any' {
  return task.Spec.RestartPolicy?.Condition ?? 'any';
}

/** A node that cannot run tasks: gone, down or drained (SwarmKit's orchestrator.InvalidNode). */
export function isInvalidNode(node: NodeObject | undefined): boolean {
  return node === undefined || node.Status.State === 'down' || node.Spec.Availability === 'drain';
}

/** Orders tasks by status timestamp, oldest first. */
export function byStatusTimestamp(a: TaskObject, b: TaskObject): number {
  return Date.parse(a.Status.Timestamp) - Date.parse(b.Status.Timestamp);
}

export class RestartSupervisor {
  private readonly delays = new Map<string, DelayedStart>();
  private readonly history = new Map<string, Map<string, RestartInfo>>();
  private readonly taskStopWaiters = new Map<string, Set<() => void>>();
  private readonly nodeDownWaiters = new Map<string, Set<() => void>>();
  private readonly log: LoopLogger;
  private readonly oldTaskTimeoutMs: number;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    options: RestartSupervisorOptions = {},
  ) {
    this.log = options.log ?? warn;
    this.oldTaskTimeoutMs = options.oldTaskTimeoutMs ?? defaultOldTaskTimeoutMs;
    this.unsubscribe = store.subscribe((change) => {
      for (const event of change.events) {
        if (event.table === 'tasks') {
          if (event.action === 'delete' || stateRank(event.object.Status.State) > rankOf.running) {
            this.fire(this.taskStopWaiters, event.object.ID);
          }
        } else if (event.table === 'nodes') {
          if (event.action === 'delete' || event.object.Status.State === 'down') {
            this.fire(this.nodeDownWaiters, event.object.ID);
          }
        }
      }
    });
  }

  /**
   * Replaces `task` if its restart policy allows: marks it for shutdown and creates its successor (same slot,
   * or same node for a global service), whose start is delayed. Runs inside `tx`.
   */
  restart(tx: WriteTx, service: ServiceObject, task: TaskObject): void {
    const pending = this.delays.get(task.ID);
    if (pending) {
      // The task is itself a replacement still in its restart delay: restart it once that delay is over,
      // to avoid tight restart loops (an image that does not exist, for example).
      if (!pending.waiter) {
        pending.waiter = true;
        void pending.done.then(() => this.restartLater(task.ID));
      }
      return;
    }
    if (stateRank(task.DesiredState) > rankOf.running) return;

    const current = tx.get('tasks', task.ID) ?? task;
    tx.update('tasks', { ...current, DesiredState: 'shutdown' });
    if (!this.shouldRestart(task, service)) return;

    const replicated = isReplicated(service);
    if (!replicated && !isGlobal(service)) return;
    // A rolling update may have given the slot its task of the current spec already (it raced this restart):
    // one runnable task per slot is enough.
    const sameInstance = (t: TaskObject) => (replicated ? t.Slot === task.Slot : t.NodeID === task.NodeID);
    const upToDate = tx
      .tasksByService(service.ID)
      .some(
        (t) =>
          t.ID !== task.ID &&
          sameInstance(t) &&
          stateRank(t.DesiredState) <= rankOf.running &&
          isTaskUpToDate(service, t),
      );
    if (upToDate) return;
    const replacement: TaskObject = replicated
      ? newTask(service, task.Slot ?? 0)
      : newTask(service, 0, task.NodeID);
    replacement.DesiredState = 'ready';

    const node = task.NodeID ? tx.get('nodes', task.NodeID) : undefined;
    let delayMs = 0;
    // The restart delay does not apply to tasks moved off a drained node, or off a node that no longer
    // satisfies their constraints: they did not fail.
    if (node === undefined || (node.Spec.Availability !== 'drain' && !violatesConstraints(task, node))) {
      const policyDelay = task.Spec.RestartPolicy?.Delay;
      delayMs = policyDelay === undefined ? defaultRestartDelayMs : nanosToMs(policyDelay);
    }
    // Normally the replacement waits for the old task to stop, unless it already has or its node is down.
    const waitStop = !(node?.Status.State === 'down' || stateRank(task.Status.State) > rankOf.running);

    tx.create('tasks', replacement);
    this.recordRestart(replacement);
    void this.delayStart(task, replacement.ID, delayMs, waitStop);
  }

  /** True if the restart policy of `task` allows one more restart (SwarmKit's ShouldRestart). */
  shouldRestart(task: TaskObject, service: ServiceObject): boolean {
    const condition = restartCondition(task);
    if (condition !== 'any' && (condition !== 'on-failure' || task.Status.State === 'complete')) return false;
    const maxAttempts = task.Spec.RestartPolicy?.MaxAttempts ?? 0;
    if (maxAttempts === 0) return true;

    const info = this.history.get(task.ServiceID)?.get(instanceKey(task, service));
    if (!info || (task._specVersion !== undefined && task._specVersion !== info.specVersion)) return true;
    const windowMs = nanosToMs(task.Spec.RestartPolicy?.Window);
    if (windowMs === 0) return info.totalRestarts < maxAttempts;

    const stoppedAt = Date.parse(task.Status.Timestamp);
    const lookback = stoppedAt - windowMs;
    info.restartedAt = info.restartedAt.filter((at) => at > lookback);
    // Restarts that happened after this task stopped do not count against it.
    const counted = info.restartedAt.filter((at) => at <= stoppedAt).length;
    return counted < maxAttempts;
  }

  /**
   * The tasks of a slot the updater should look at (SwarmKit's UpdatableTasksInSlot): the runnable ones, or
   * else its most recent task if that one stopped and will not be restarted (so a rolling update still
   * replaces it). An empty result means the slot is dead.
   */
  updatableTasksInSlot(slot: TaskObject[], service: ServiceObject): TaskObject[] {
    if (slot.length === 0) return [];
    const runnable = slot.filter((t) => stateRank(t.DesiredState) <= rankOf.running);
    if (runnable.length > 0) return runnable;
    if (service.UpdateStatus?.State === 'rollback_started') return [];
    const mostRecent = [...slot].sort(byStatusTimestamp).at(-1)!;
    // A slot whose tasks were removed (scale down, service removal) is dead whatever the policy says.
    if (stateRank(mostRecent.DesiredState) >= rankOf.remove) return [];
    return this.shouldRestart(mostRecent, service) ? [] : [mostRecent];
  }

  /**
   * Raises the desired state of `newTaskId` to `running` once `delayMs` passed and, if `waitStop`, the task it
   * replaces stopped (or its node went down, or `oldTaskTimeoutMs` passed). Resolves when that happened or
   * the delay was cancelled.
   */
  delayStart(
    oldTask: TaskObject | undefined,
    newTaskId: string,
    delayMs: number,
    waitStop: boolean,
  ): Promise<void> {
    this.delays.get(newTaskId)?.cancel();
    const abort = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const entry: DelayedStart = { cancel: () => abort.abort(), done, waiter: false };
    this.delays.set(newTaskId, entry);

    const waitForOld = waitStop && oldTask !== undefined && isRunnableState(oldTask.Status.State);
    const oldStopped = waitForOld ? this.whenStopped(oldTask, abort.signal) : undefined;

    void (async () => {
      try {
        if (delayMs > 0 && !(await delay(delayMs, abort.signal))) return;
        if (oldStopped) {
          const timeout = new AbortController();
          abort.signal.addEventListener('abort', () => timeout.abort(), { once: true });
          await Promise.race([oldStopped, delay(this.oldTaskTimeoutMs, timeout.signal)]);
          timeout.abort();
        }
        if (abort.signal.aborted || this.stopped) return;
        await this.store.update((tx) => this.startNow(tx, newTaskId));
      } catch (error) {
        this.log(`could not start task ${newTaskId} after its restart delay`, error);
      } finally {
        if (this.delays.get(newTaskId) === entry) this.delays.delete(newTaskId);
        finish();
      }
    })();
    return done;
  }

  /** Moves a task whose start was delayed to desired state `running`. */
  startNow(tx: WriteTx, taskId: string): void {
    const task = tx.get('tasks', taskId);
    if (!task || stateRank(task.DesiredState) >= rankOf.running) return;
    tx.update('tasks', { ...task, DesiredState: 'running' });
  }

  /** True while the start of `taskId` is delayed. */
  isDelayed(taskId: string): boolean {
    return this.delays.has(taskId);
  }

  /** Cancels the delayed start of one task. */
  cancel(taskId: string): void {
    this.delays.get(taskId)?.cancel();
  }

  /** Forgets the restart history of a removed service. */
  clearServiceHistory(serviceId: string): void {
    this.history.delete(serviceId);
  }

  /** Cancels every delayed start and stops watching the store. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.delays.values()) entry.cancel();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async restartLater(taskId: string): Promise<void> {
    if (this.stopped) return;
    try {
      await this.store.update((tx) => {
        const task = tx.get('tasks', taskId);
        if (!task || stateRank(task.DesiredState) > rankOf.running) return;
        const service = tx.get('services', task.ServiceID);
        if (service) this.restart(tx, service, task);
      });
    } catch (error) {
      this.log(`could not restart task ${taskId} after waiting for its previous restart`, error);
    }
  }

  private recordRestart(task: TaskObject): void {
    const maxAttempts = task.Spec.RestartPolicy?.MaxAttempts ?? 0;
    if (maxAttempts === 0) return;
    let byInstance = this.history.get(task.ServiceID);
    if (!byInstance) this.history.set(task.ServiceID, (byInstance = new Map()));
    const key = task.Slot ? `slot:${task.Slot}` : `node:${task.NodeID ?? ''}`;
    let info = byInstance.get(key);
    if (!info || (task._specVersion !== undefined && task._specVersion !== info.specVersion)) {
      // A new spec version starts with a clean history: past failures do not count against it.
      info = { totalRestarts: 0, restartedAt: [], specVersion: task._specVersion };
      byInstance.set(key, info);
    }
    info.totalRestarts += 1;
    if (nanosToMs(task.Spec.RestartPolicy?.Window) > 0) info.restartedAt.push(Date.now());
  }

  private whenStopped(task: TaskObject, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const cleanups: (() => void)[] = [];
      const settle = () => {
        for (const cleanup of cleanups) cleanup();
        resolve();
      };
      cleanups.push(this.register(this.taskStopWaiters, task.ID, settle));
      if (task.NodeID) cleanups.push(this.register(this.nodeDownWaiters, task.NodeID, settle));
      signal.addEventListener('abort', settle, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', settle));
      // It may have stopped already.
      const current = this.store.view((tx) => tx.get('tasks', task.ID));
      const node = task.NodeID ? this.store.view((tx) => tx.get('nodes', task.NodeID!)) : undefined;
      // A task that never reached a node will not: the scheduler does not place tasks being shut down.
      const status = stateRank(current?.Status.State);
      if (!current || status > rankOf.running || status < rankOf.assigned) settle();
      else if (task.NodeID && (!node || node.Status.State === 'down')) settle();
    });
  }

  private register(waiters: Map<string, Set<() => void>>, id: string, callback: () => void): () => void {
    let set = waiters.get(id);
    if (!set) waiters.set(id, (set = new Set()));
    set.add(callback);
    return () => {
      set.delete(callback);
      if (set.size === 0 && waiters.get(id) === set) waiters.delete(id);
    };
  }

  private fire(waiters: Map<string, Set<() => void>>, id: string): void {
    const set = waiters.get(id);
    if (!set) return;
    for (const callback of [...set]) callback();
  }
}

function violatesConstraints(task: TaskObject, node: NodeObject): boolean {
  if (stateRank(task.Status.State) > rankOf.running) return false;
  try {
    return !nodeMatches(parseConstraints(task.Spec.Placement?.Constraints), node);
  } catch {
    return false;
  }
}

function instanceKey(task: TaskObject, service: ServiceObject): string {
  return isGlobal(service) ? `node:${task.NodeID ?? ''}` : `slot:${task.Slot ?? 0}`;
}
