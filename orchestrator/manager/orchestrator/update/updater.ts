/**
 * One rolling update of one service (SwarmKit's orchestrator/update Updater): replaces the out-of-date tasks
 * slot by slot, `Parallelism` at a time with `Delay` between them, watches the new tasks for `Monitor`, and
 * on failures beyond `MaxFailureRatio` pauses, rolls back, or continues, writing `UpdateStatus` as Swarm does.
 */
import type { ServiceObject, TaskObject } from '../../../store/objects.js';
import type { Store } from '../../../store/store.js';
import { rankOf, stateRank } from '../../../store/task-states.js';
import type { WriteTx } from '../../../store/transaction.js';
import { effectiveUpdateConfig } from '../defaults.js';
import { delay, type LoopLogger, nanosToMs } from '../loop-utils.js';
import { isGlobal, newTask } from '../new-task.js';
import type { RestartSupervisor } from '../restart.js';
import { isTaskDirty } from '../task-dirty.js';

/** A slot: the tasks of one replica (or of one node, for a global service). */
export type Slot = TaskObject[];

export class Updater {
  private readonly abort = new AbortController();
  /** Tasks this update created, with when they reached `running` (0: not yet). */
  private readonly updatedTasks = new Map<string, number>();
  private readonly failedTasks = new Set<string>();
  private totalFailures = 0;
  private stopped = false;
  private stoppedOnce: Promise<void> | undefined;
  private finished!: () => void;
  /** Resolves when the update stopped (done, paused, rolled back or cancelled). */
  readonly done: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly restarts: RestartSupervisor,
    /** The service as the update started from: the goal it works towards. */
    readonly service: ServiceObject,
    private readonly log: LoopLogger,
  ) {
    this.done = new Promise((resolve) => {
      this.finished = resolve;
    });
  }

  /** Stops the update (a newer spec supersedes it). */
  cancel(): void {
    this.stopped = true;
    this.abort.abort();
  }

  async run(slots: Slot[]): Promise<void> {
    try {
      await this.update(slots);
    } catch (error) {
      this.log(`update of service ${this.service.ID} failed`, error);
    } finally {
      this.finished();
    }
  }

  private async update(slots: Slot[]): Promise<void> {
    const service = this.service;
    const status = service.UpdateStatus?.State;
    if (status === 'paused' || status === 'rollback_paused') return;

    const dirtySlots = slots.filter((slot) => this.isSlotDirty(slot));
    if (dirtySlots.length === 0) {
      if (status === 'updating' || status === 'rollback_started') await this.completeUpdate();
      return;
    }
    if (!service.UpdateStatus) await this.startUpdate();
    if (this.stopped) return;

    const rollingBack = status === 'rollback_started';
    const config = effectiveUpdateConfig(
      rollingBack ? service.Spec.RollbackConfig : service.Spec.UpdateConfig,
    );
    const parallelism = config.Parallelism > 0 ? config.Parallelism : dirtySlots.length;
    const monitorMs = nanosToMs(config.Monitor);
    const delayMs = nanosToMs(config.Delay);

    const unwatch =
      config.FailureAction === 'continue'
        ? () => {}
        : this.store.subscribe((change) => {
            for (const event of change.events) {
              if (event.table !== 'tasks' || event.action === 'delete') continue;
              const task = event.object;
              if (task.ServiceID !== service.ID || stateRank(task.Status.State) <= rankOf.running) continue;
              this.onTaskFailed(task, dirtySlots.length, monitorMs, config, rollingBack);
            }
          });
    try {
      const queue = [...dirtySlots];
      const worker = async () => {
        while (queue.length > 0 && !this.stopped) {
          const slot = queue.shift()!;
          await this.updateSlot(slot, config.Order);
          if (delayMs > 0 && queue.length > 0 && !(await delay(delayMs, this.abort.signal))) return;
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallelism, dirtySlots.length) }, worker));
      // Keep watching the new tasks for one more monitoring period before declaring the update complete.
      if (!this.stopped && monitorMs > 0) await delay(monitorMs, this.abort.signal);
    } finally {
      unwatch();
    }
    if (!this.stopped) await this.completeUpdate();
  }

  private onTaskFailed(
    task: TaskObject,
    dirtySlots: number,
    monitorMs: number,
    config: ReturnType<typeof effectiveUpdateConfig>,
    rollingBack: boolean,
  ): void {
    if (this.stopped || this.failedTasks.has(task.ID)) return;
    const startedAt = this.updatedTasks.get(task.ID);
    if (startedAt === undefined) return;
    if (startedAt !== 0 && Date.now() - startedAt > monitorMs) return;
    this.failedTasks.add(task.ID);
    this.totalFailures += 1;
    if (this.totalFailures / dirtySlots <= config.MaxFailureRatio) return;
    if (config.FailureAction === 'pause' || (config.FailureAction === 'rollback' && rollingBack)) {
      const what = rollingBack ? 'rollback' : 'update';
      this.stop();
      void this.pauseUpdate(`${what} paused due to failure or early termination of task ${task.ID}`);
    } else if (config.FailureAction === 'rollback') {
      this.stop();
      void this.rollbackUpdate(`update rolled back due to failure or early termination of task ${task.ID}`);
    }
  }

  private stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private isSlotDirty(slot: Slot): boolean {
    return slot.length > 1 || (slot.length === 1 && this.isDirty(slot[0]));
  }

  private isDirty(task: TaskObject): boolean {
    const node = task.NodeID ? this.store.view((tx) => tx.get('nodes', task.NodeID!)) : undefined;
    return isTaskDirty(this.service, task, node);
  }

  private async updateSlot(slot: Slot, order: 'stop-first' | 'start-first'): Promise<void> {
    // A task of the new spec may already be there (runnable): keep it and remove the others.
    let running: TaskObject | undefined;
    let clean: TaskObject | undefined;
    for (const task of slot) {
      if (this.isDirty(task)) continue;
      if (task.DesiredState === 'running') {
        running = task;
        break;
      }
      if (stateRank(task.DesiredState) < rankOf.running) clean = task;
    }
    const existing = running ?? clean;
    if (existing) {
      await this.useExistingTask(slot, existing);
      return;
    }

    const first = slot[0];
    const replacement = isGlobal(this.service)
      ? newTask(this.service, 0, first.NodeID)
      : newTask(this.service, first.Slot ?? 0);
    replacement.DesiredState = 'ready';
    this.updatedTasks.set(replacement.ID, 0);
    const reachedRunning = this.whenRunning(replacement.ID);

    let oldTask: TaskObject | undefined;
    let adopted: { task: TaskObject; slot: Slot } | undefined;
    const serviceExists = await this.store.update((tx) => {
      if (!tx.get('services', this.service.ID)) return false;
      // The restart supervisor may have replaced a failed task of the slot since the slot was read, with a
      // task of this spec: adopt it rather than give the slot a second runnable task.
      const current = this.runnableInSlot(tx, first);
      const fresh = current.find((t) => !slot.some((old) => old.ID === t.ID) && !this.isDirty(t));
      if (fresh) {
        adopted = { task: fresh, slot: current };
        return true;
      }
      tx.create('tasks', replacement);
      if (order === 'stop-first') oldTask = this.shutDown(tx, current);
      return true;
    });
    if (!serviceExists) this.stop(); // removed meanwhile: nothing left to update
    if (this.stopped) return;
    if (adopted) {
      this.updatedTasks.delete(replacement.ID);
      reachedRunning.cancel();
      await this.useExistingTask(adopted.slot, adopted.task);
      return;
    }
    const startDelay =
      order === 'start-first'
        ? this.restarts.delayStart(undefined, replacement.ID, 0, false)
        : this.restarts.delayStart(oldTask, replacement.ID, 0, true);
    await Promise.race([startDelay, this.stoppedPromise()]);
    if (this.stopped) return;

    const outcome = await Promise.race([reachedRunning.outcome, this.stoppedPromise().then(() => undefined)]);
    if (outcome === 'running') {
      this.updatedTasks.set(replacement.ID, Date.now());
      if (order === 'start-first') {
        await this.store.update((tx) => {
          this.shutDown(
            tx,
            this.runnableInSlot(tx, first).filter((t) => t.ID !== replacement.ID),
          );
        });
      }
    }
  }

  /** The tasks of `task`'s slot (its node, for a global service) meant to run, as the store has them now. */
  private runnableInSlot(tx: WriteTx, task: TaskObject): Slot {
    const global = isGlobal(this.service);
    return tx
      .tasksByService(this.service.ID)
      .filter(
        (t) =>
          (global ? t.NodeID === task.NodeID : t.Slot === task.Slot) &&
          stateRank(t.DesiredState) <= rankOf.running,
      );
  }

  private async useExistingTask(slot: Slot, existing: TaskObject): Promise<void> {
    const others = slot.filter((task) => task.ID !== existing.ID);
    if (others.length === 0 && existing.DesiredState === 'running') return;
    let oldTask: TaskObject | undefined;
    await this.store.update((tx) => {
      if (others.length > 0) oldTask = this.shutDown(tx, others);
    });
    if (existing.DesiredState !== 'running') {
      await Promise.race([this.restarts.delayStart(oldTask, existing.ID, 0, true), this.stoppedPromise()]);
    }
  }

  /** Sets the runnable tasks among `tasks` to desired state `shutdown`; returns one of them. */
  private shutDown(tx: WriteTx, tasks: readonly TaskObject[]): TaskObject | undefined {
    let shut: TaskObject | undefined;
    for (const original of tasks) {
      const task = tx.get('tasks', original.ID);
      if (!task || stateRank(task.DesiredState) > rankOf.running) continue;
      tx.update('tasks', { ...task, DesiredState: 'shutdown' });
      shut = task;
    }
    return shut;
  }

  /** Resolves `'running'` once the task reaches running, `'stopped'` if it ends or disappears before. */
  private whenRunning(taskId: string): { outcome: Promise<'running' | 'stopped'>; cancel(): void } {
    let cancel = () => {};
    const outcome = new Promise<'running' | 'stopped'>((resolve) => {
      const unsubscribe = this.store.subscribe((change) => {
        for (const event of change.events) {
          if (event.table !== 'tasks' || event.object.ID !== taskId) continue;
          if (event.action === 'delete') finish('stopped');
          else if (stateRank(event.object.Status.State) >= rankOf.running) {
            finish(event.object.Status.State === 'running' ? 'running' : 'stopped');
          }
        }
      });
      const onAbort = () => finish('stopped');
      const finish = (outcome: 'running' | 'stopped') => {
        unsubscribe();
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      cancel = () => finish('stopped');
    });
    return { outcome, cancel };
  }

  /** One promise per update that settles when it stops (one abort listener, however many slots). */
  private stoppedPromise(): Promise<void> {
    this.stoppedOnce ??= this.abort.signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) =>
          this.abort.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
    return this.stoppedOnce;
  }

  private async writeService(change: (service: ServiceObject) => ServiceObject | undefined): Promise<void> {
    try {
      await this.store.update((tx) => {
        const current = tx.get('services', this.service.ID) as ServiceObject | undefined;
        if (!current) return;
        const next = change(current);
        if (next) tx.update('services', next);
      });
    } catch (error) {
      this.log(`could not record the update status of service ${this.service.ID}`, error);
    }
  }

  private startUpdate(): Promise<void> {
    return this.writeService((service) =>
      service.UpdateStatus
        ? undefined
        : {
            ...service,
            UpdateStatus: {
              State: 'updating',
              Message: 'update in progress',
              StartedAt: new Date().toISOString(),
            },
          },
    );
  }

  private completeUpdate(): Promise<void> {
    return this.writeService((service) => {
      const status = service.UpdateStatus;
      if (!status) return undefined;
      const rollback = status.State === 'rollback_started';
      return {
        ...service,
        UpdateStatus: {
          ...status,
          State: rollback ? 'rollback_completed' : 'completed',
          Message: rollback ? 'rollback completed' : 'update completed',
          CompletedAt: new Date().toISOString(),
        },
      };
    });
  }

  private pauseUpdate(message: string): Promise<void> {
    return this.writeService((service) => {
      const status = service.UpdateStatus;
      if (!status) return undefined;
      const state = status.State === 'rollback_started' ? 'rollback_paused' : 'paused';
      return { ...service, UpdateStatus: { ...status, State: state, Message: message } };
    });
  }

  private rollbackUpdate(message: string): Promise<void> {
    return this.writeService((service) => {
      if (!service.UpdateStatus) return undefined;
      if (!service.PreviousSpec) {
        this.log(`cannot roll back service ${service.ID}: it has no previous spec`);
        return undefined;
      }
      const rolledBack: ServiceObject = {
        ...service,
        Spec: service.PreviousSpec as ServiceObject['Spec'],
        PreviousSpec: undefined,
        _specVersion: service._previousSpecVersion,
        _previousSpecVersion: undefined,
        UpdateStatus: { ...service.UpdateStatus, State: 'rollback_started', Message: message },
      };
      return rolledBack;
    });
  }
}
