// How `docker service create/update/scale/rollback` follow a service until it converges (docker's
// cli/command/service/progress): a pure state machine fed with polled service, task and node state, which
// emits progress messages; `followService` drives it against the Engine API every 200 ms.
import type { Node, Service, Task } from '../../api/engine-types.js';
import { type EngineClient, encodeFilters } from '../client/engine-client.js';
import { truncateId } from '../text/units.js';
import type { ProgressMessage } from './progress-display.js';

const numberedStates: Record<string, number> = {
  new: 1,
  allocated: 2,
  pending: 3,
  assigned: 4,
  accepted: 5,
  preparing: 6,
  ready: 7,
  starting: 8,
  running: 9,
  complete: 10,
  shutdown: 11,
  failed: 12,
  rejected: 13,
};
const longestState = 9; // "allocated", "preparing": the longest non-terminal state names
const maxProgress = 9;
const maxProgressBars = 20;
const maxJobProgress = 10;

function state(name: string | undefined): number {
  return numberedStates[name ?? ''] ?? 0;
}

function terminal(name: string | undefined): boolean {
  return state(name) > numberedStates.running!;
}

/** docker's truncError: one line, at most 75 characters. */
export function truncError(message: string): string {
  const text = message.replaceAll('\n', ' ');
  return [...text].length > 75 ? `${[...text].slice(0, 74).join('')}…` : text;
}

type Emit = (message: ProgressMessage) => void;

interface Updater {
  update(service: Service, tasks: Task[], activeNodes: Set<string>, rollback: boolean): boolean;
}

function writeOverallProgress(emit: Emit, numerator: number, denominator: number, rollback: boolean): void {
  emit({
    id: 'overall progress',
    action: rollback
      ? `rolling back update: ${numerator} out of ${denominator} tasks`
      : `${numerator} out of ${denominator} tasks`,
  });
}

function stateAction(task: Task): string {
  return (task.Status?.State ?? '').padEnd(longestState);
}

/** Picks one task per key: the lowest desired state, then the lowest observed state (docker's tie-breaks). */
function lowestTasks(
  tasks: Task[],
  key: (task: Task) => string | number,
  activeNodes?: Set<string>,
): Map<string | number, Task> {
  const byKey = new Map<string | number, Task>();
  for (const task of tasks) {
    if (state(task.DesiredState) === 0 || state(task.Status?.State) === 0) continue;
    const existing = byKey.get(key(task));
    if (existing) {
      if (state(existing.DesiredState) < state(task.DesiredState)) continue;
      if (
        state(existing.DesiredState) === state(task.DesiredState) &&
        state(existing.Status?.State) <= state(task.Status?.State)
      ) {
        continue;
      }
    }
    if (activeNodes && task.NodeID && !activeNodes.has(task.NodeID)) continue;
    byKey.set(key(task), task);
  }
  return byKey;
}

class ReplicatedUpdater implements Updater {
  private slotMap = new Map<number, number>();
  private initialized = false;
  private done = false;
  constructor(private readonly emit: Emit) {}

  update(service: Service, tasks: Task[], activeNodes: Set<string>, rollback: boolean): boolean {
    const replicas = service.Spec?.Mode?.Replicated?.Replicas;
    if (replicas === undefined || replicas === null) throw new Error('no replica count');
    if (!this.initialized) {
      writeOverallProgress(this.emit, 0, replicas, rollback);
      if (replicas <= maxProgressBars) {
        for (let i = 1; i <= replicas; i++) this.emit({ id: `${i}/${replicas}`, action: ' ' });
      }
      this.initialized = true;
    }
    const bySlot = lowestTasks(tasks, (t) => t.Slot ?? 0, activeNodes);
    const ordered = [...bySlot.entries()]
      .sort((a, b) => (a[0] as number) - (b[0] as number))
      .map(([, t]) => t);
    if (this.done && ordered.some((t) => t.Status?.State !== 'running')) this.done = false;
    let running = 0;
    for (const task of ordered) {
      const slot = task.Slot ?? 0;
      let mapped = this.slotMap.get(slot);
      if (mapped === undefined || mapped === 0) {
        mapped = this.slotMap.size + 1;
        this.slotMap.set(slot, mapped);
      }
      if (!terminal(task.DesiredState) && task.Status?.State === 'running') running++;
      this.writeTaskProgress(task, mapped, replicas);
    }
    if (!this.done) {
      writeOverallProgress(this.emit, running, replicas, rollback);
      if (running === replicas) this.done = true;
    }
    return running === replicas;
  }

  private writeTaskProgress(task: Task, mapped: number, replicas: number): void {
    if (this.done || replicas > maxProgressBars || mapped < 0 || mapped > replicas) return;
    const id = `${mapped}/${replicas}`;
    if (task.Status?.Err) {
      this.emit({ id, action: truncError(task.Status.Err) });
      return;
    }
    if (!terminal(task.DesiredState) && !terminal(task.Status?.State)) {
      this.emit({
        id,
        action: stateAction(task),
        current: state(task.Status?.State),
        total: maxProgress,
        hideCounts: true,
      });
    }
  }
}

class GlobalUpdater implements Updater {
  private initialized = false;
  private done = false;
  constructor(private readonly emit: Emit) {}

  update(_service: Service, tasks: Task[], activeNodes: Set<string>, rollback: boolean): boolean {
    const byNode = lowestTasks(tasks, (t) => t.NodeID ?? '');
    const nodeCount = byNode.size;
    if (!this.initialized) {
      if (nodeCount === 0) {
        this.emit({ id: 'overall progress', action: 'waiting for new tasks' });
        return false;
      }
      writeOverallProgress(this.emit, 0, nodeCount, rollback);
      this.initialized = true;
    }
    const ordered = [...byNode.values()].sort((a, b) => ((a.NodeID ?? '') < (b.NodeID ?? '') ? -1 : 1));
    if (this.done && ordered.some((t) => t.Status?.State !== 'running')) this.done = false;
    let running = 0;
    for (const task of ordered) {
      if (!activeNodes.has(task.NodeID ?? '')) continue;
      if (!terminal(task.DesiredState) && task.Status?.State === 'running') running++;
      if (this.done || nodeCount > maxProgressBars) continue;
      const id = truncateId(task.NodeID ?? '');
      if (task.Status?.Err) this.emit({ id, action: truncError(task.Status.Err) });
      else if (!terminal(task.DesiredState) && !terminal(task.Status?.State)) {
        this.emit({
          id,
          action: stateAction(task),
          current: state(task.Status?.State),
          total: maxProgress,
          hideCounts: true,
        });
      }
    }
    if (!this.done) {
      writeOverallProgress(this.emit, running, nodeCount, rollback);
      if (running === nodeCount) this.done = true;
    }
    return running === nodeCount;
  }
}

function jobIteration(service: Service): number | undefined {
  return (service as { JobStatus?: { JobIteration?: { Index?: number } } }).JobStatus?.JobIteration?.Index;
}

class ReplicatedJobUpdater implements Updater {
  private initialized = false;
  private readonly concurrent: number;
  private readonly total: number;
  private readonly iteration: number | undefined;
  constructor(
    private readonly emit: Emit,
    service: Service,
  ) {
    const mode = (service.Spec?.Mode ?? {}) as {
      ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
    };
    const job = mode.ReplicatedJob;
    this.concurrent = job?.MaxConcurrent ?? 1;
    this.total = job?.TotalCompletions ?? 1;
    this.iteration = jobIteration(service);
  }

  update(_service: Service, tasks: Task[]): boolean {
    if (!this.initialized) {
      this.writeOverall(0, 0);
      if (this.total <= maxProgressBars) {
        for (let i = 1; i <= this.total; i++) this.emit({ id: `${i}/${this.total}`, action: ' ' });
      }
      this.initialized = true;
    }
    const bySlot = new Map<number, Task>();
    for (const task of tasks) {
      if (task.JobIteration?.Index !== this.iteration) continue;
      if (state(task.DesiredState) === 0 || state(task.Status?.State) === 0) continue;
      const existing = bySlot.get(task.Slot ?? 0);
      if (!existing || state(existing.Status?.State) > state(task.Status?.State))
        bySlot.set(task.Slot ?? 0, task);
    }
    let active = 0;
    let complete = 0;
    for (let i = 0; i < bySlot.size; i++) {
      const task = bySlot.get(i);
      if (!task) continue;
      if (this.total <= maxProgressBars) {
        const id = `${(task.Slot ?? 0) + 1}/${this.total}`;
        if (task.Status?.Err) this.emit({ id, action: truncError(task.Status.Err) });
        else {
          this.emit({
            id,
            action: stateAction(task),
            current: state(task.Status?.State),
            total: maxJobProgress,
            hideCounts: true,
          });
        }
      }
      if (state(task.Status?.State) < numberedStates.complete!) active++;
      if (task.Status?.State === 'complete') complete++;
    }
    this.writeOverall(active, complete);
    return complete === this.total;
  }

  private writeOverall(active: number, completed: number): void {
    const digits = String(this.total).length;
    this.emit({
      id: 'job progress',
      action: `${String(completed).padStart(digits)} out of ${this.total} complete`,
      current: completed,
      total: this.total,
      hideCounts: true,
    });
    const desired = Math.min(this.total - completed, this.concurrent);
    const activeDigits = String(this.concurrent).length;
    this.emit({
      id: 'active tasks',
      action: `${String(active).padStart(activeDigits)} out of ${String(desired).padStart(activeDigits)} tasks`,
    });
  }
}

class GlobalJobUpdater implements Updater {
  private initialized = false;
  private total = 0;
  private nodes = new Set<string>();
  constructor(private readonly emit: Emit) {}

  update(service: Service, tasks: Task[], activeNodes: Set<string>): boolean {
    const iteration = jobIteration(service);
    if (!this.initialized) {
      if (tasks.length === 0 && activeNodes.size !== 0) {
        this.emit({ id: 'job progress', action: 'waiting for tasks' });
        return false;
      }
      for (const task of tasks) if (task.JobIteration?.Index === iteration) this.nodes.add(task.NodeID ?? '');
      this.total = this.nodes.size;
      this.writeOverall(0);
      this.initialized = true;
    }
    const byNode = new Map<string, Task>();
    for (const task of tasks) {
      if (task.JobIteration?.Index !== iteration || !this.nodes.has(task.NodeID ?? '')) continue;
      const existing = byNode.get(task.NodeID ?? '');
      if (!existing || state(existing.Status?.State) > state(task.Status?.State))
        byNode.set(task.NodeID ?? '', task);
    }
    let complete = 0;
    for (const task of byNode.values()) {
      if (this.total <= maxProgressBars) {
        const id = task.NodeID ?? '';
        if (task.Status?.Err) this.emit({ id, action: truncError(task.Status.Err) });
        else {
          this.emit({
            id,
            action: stateAction(task),
            current: state(task.Status?.State),
            total: maxJobProgress,
            hideCounts: true,
          });
        }
      }
      if (task.Status?.State === 'complete') complete++;
    }
    this.writeOverall(complete);
    return complete === this.total;
  }

  private writeOverall(complete: number): void {
    const digits = String(this.total).length;
    this.emit({
      id: 'job progress',
      action: `${String(complete).padStart(digits)} out of ${this.total} complete`,
      current: complete,
      total: this.total,
      hideCounts: true,
    });
  }
}

function initializeUpdater(service: Service, emit: Emit): Updater {
  const mode = (service.Spec?.Mode ?? {}) as Record<string, { Replicas?: number } | undefined>;
  if (mode.Replicated && mode.Replicated.Replicas !== undefined && mode.Replicated.Replicas !== null) {
    return new ReplicatedUpdater(emit);
  }
  if (mode.Global) return new GlobalUpdater(emit);
  if (mode.ReplicatedJob) return new ReplicatedJobUpdater(emit, service);
  if (mode.GlobalJob) return new GlobalJobUpdater(emit);
  throw new Error('unrecognized service mode');
}

/** What one poll decided. */
export type PollResult =
  | { done: true }
  | { done: false; needTasks: true }
  | { done: false; needTasks: false };

/**
 * The convergence state machine. Call `onService` with each inspected service; when it answers
 * `needTasks`, call `onTasks` with the service's up-to-date tasks and the nodes that are not down.
 */
export class ConvergenceTracker {
  private updater: Updater | undefined;
  private converged = false;
  private convergedAt: number | undefined;
  private monitorMs = 5000;
  private rollback = false;
  private finalMessage: ProgressMessage | undefined;

  constructor(
    private readonly serviceId: string,
    private readonly emit: Emit,
  ) {}

  /** Handles an inspected service at time `now` (ms); throws when the update or rollback paused. */
  onService(service: Service, now: number): PollResult {
    const monitor = service.Spec?.UpdateConfig?.Monitor;
    if (monitor) this.monitorMs = monitor / 1e6;
    this.updater ??= initializeUpdater(service, this.emit);
    const status = service.UpdateStatus;
    if (status) {
      switch (status.State as string) {
        case 'updating':
          this.rollback = false;
          break;
        case 'completed':
          if (!this.converged) return { done: true };
          break;
        case 'paused':
          throw new Error(`service update paused: ${status.Message ?? ''}`);
        case 'rollback_started':
          if (!this.rollback && status.Message) this.emit({ id: 'rollback', action: status.Message });
          this.rollback = true;
          break;
        case 'rollback_paused':
          throw new Error(`service rollback paused: ${status.Message ?? ''}`);
        case 'rollback_completed':
          if (!this.converged) this.finalMessage = { id: 'rollback', message: status.Message ?? '' };
          this.rollback = true;
          break;
      }
    }
    if (this.converged && this.convergedAt !== undefined && now - this.convergedAt >= this.monitorMs) {
      this.emit({ id: 'verify', action: `Service ${this.serviceId} converged` });
      if (this.finalMessage) this.emit(this.finalMessage);
      return { done: true };
    }
    return { done: false, needTasks: true };
  }

  /** Handles the polled tasks and active nodes at time `now` (ms). */
  onTasks(service: Service, tasks: Task[], activeNodes: Set<string>, now: number): PollResult {
    this.converged = this.updater!.update(service, tasks, activeNodes, this.rollback);
    if (this.converged) {
      if ((service as { JobStatus?: unknown }).JobStatus) {
        this.emit({ id: '', message: 'job complete' });
        return { done: true };
      }
      this.convergedAt ??= now;
      // Some time always passes between two clock readings in Go; never count exactly zero.
      const waitMs = this.monitorMs - Math.max(now - this.convergedAt, 1e-6);
      if (waitMs >= 0) {
        this.emit({
          id: 'verify',
          action: `Waiting ${Math.trunc(waitMs / 1000) + 1} seconds to verify that tasks are stable...`,
        });
      }
    } else {
      if (this.convergedAt !== undefined) this.emit({ id: 'verify', action: 'Detected task failure' });
      this.convergedAt = undefined;
    }
    return { done: false, needTasks: false };
  }

  /** Whether the last poll saw the service converged (for the interrupt message). */
  get isConverged(): boolean {
    return this.converged;
  }
}

/** Polls the daemon until `serviceId` converges, emitting progress; stops early on `signal`. */
export async function followService(
  client: EngineClient,
  serviceId: string,
  emit: Emit,
  signal: AbortSignal,
  pollMs = 200,
): Promise<void> {
  const tracker = new ConvergenceTracker(serviceId, emit);
  for (;;) {
    const service = await client.get<Service>(`/services/${serviceId}`, { insertDefaults: 'false' });
    if (tracker.onService(service, Date.now()).done) return;
    const tasks = await client.get<Task[]>('/tasks', {
      filters: encodeFilters({ service: { [service.ID ?? serviceId]: true }, '_up-to-date': { true: true } }),
    });
    const nodes = await client.get<Node[]>('/nodes');
    const active = new Set(nodes.filter((n) => n.Status?.State !== 'down').map((n) => n.ID ?? ''));
    if (tracker.onTasks(service, tasks, active, Date.now()).done) return;
    const interrupted = await new Promise<boolean>((resolve) => {
      if (signal.aborted) return resolve(true);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(false);
      }, pollMs);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(true);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    if (interrupted) {
      if (!tracker.isConverged) {
        emit({ id: '', message: 'Operation continuing in background.' });
        emit({ id: '', message: `Use \`docker service ps ${serviceId}\` to check progress.` });
      }
      return;
    }
  }
}
