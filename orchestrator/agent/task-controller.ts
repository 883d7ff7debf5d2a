import type { TaskState } from '../api/engine-types.js';
import type { TaskStatusUpdate } from '../manager/dispatcher/protocol.js';
import type { TaskEndpoint, TaskObject } from '../store/objects.js';
import { compareTaskStates, isTerminal } from '../store/task-states.js';
import type { ContainerConfig, ContainerRuntime, ContainerState } from './container-runtime.js';

export interface TaskControllerDeps {
  runtime: ContainerRuntime;
  report(update: TaskStatusUpdate): void;
  /** The container to run for a task (the agent fills in secrets, mounts and network settings). */
  containerConfig(task: TaskObject, containerId: string): ContainerConfig;
  newContainerId(): string;
  log(line: string): void;
}

/**
 * Drives one task's container toward the task's desired state, one step at a time, reporting each state the
 * task reaches (accepted, preparing, ready, starting, running, then complete, failed, shutdown or rejected).
 * The manager owns DesiredState; this controller owns Status (SwarmKit's task model).
 */
export class TaskController {
  containerId: string | undefined;
  private reported: TaskState;
  private working = false;
  private pending = false;
  private stopping = false;
  private lastEndpoints = '[]';
  private lastHealth: string | undefined;

  constructor(
    private task: TaskObject,
    private readonly deps: TaskControllerDeps,
  ) {
    this.reported = task.Status.State;
    this.containerId = task.Status.ContainerStatus?.ContainerID || undefined;
  }

  get id(): string {
    return this.task.ID;
  }

  /** The manager changed the task (e.g. its desired state). */
  update(task: TaskObject): void {
    this.task = task;
    if (compareTaskStates(task.Status.State, this.reported) > 0) this.reported = task.Status.State;
    void this.reconcile();
  }

  /** The current status, to re-send after a new session with a new leader. */
  snapshot(): TaskStatusUpdate {
    return this.update_(this.reported, 'resent after reconnecting');
  }

  /** The runtime reports a change of this task's container. */
  onContainer(info: ContainerState): void {
    const health = info.health?.status === 'none' ? undefined : info.health?.status;
    // As Docker's executor does, a container with a healthcheck keeps its task `starting` until it is
    // healthy: a rolling update waits for it, and the routing mesh sends it traffic only then.
    const ready = health === undefined || health === 'healthy';
    if (info.state === 'running' && ready && compareTaskStates(this.reported, 'running') < 0) {
      this.advance('running', 'started', { pid: info.pid });
    }
    const endpoints = JSON.stringify(info.ports ?? []);
    if (this.reported === 'running' && (endpoints !== this.lastEndpoints || health !== this.lastHealth)) {
      this.lastEndpoints = endpoints;
      this.lastHealth = health;
      this.deps.report({
        ...this.update_('running', 'started'),
        endpoints: info.ports as TaskEndpoint[],
        ...(health ? { health } : {}),
      });
    }
    if (info.state === 'running' && health === 'unhealthy' && !this.stopping && !isTerminal(this.reported)) {
      void this.failUnhealthy();
      return;
    }
    if ((info.state === 'exited' || info.state === 'dead') && !this.stopping && !isTerminal(this.reported)) {
      const code = info.exitCode ?? -1;
      if (code === 0) this.advance('complete', 'finished', { exitCode: 0 });
      else {
        this.advance('failed', 'started', {
          exitCode: code,
          err: info.error ?? `task: non-zero exit (${code})`,
        });
      }
    }
  }

  /** As Swarm does, an unhealthy container fails its task (the orchestrator then replaces it). */
  private async failUnhealthy(): Promise<void> {
    this.stopping = true;
    if (this.containerId) {
      try {
        await this.deps.runtime.stop(this.containerId, this.gracePeriodMs());
      } catch (error) {
        this.deps.log(`stopping unhealthy container ${this.containerId} failed: ${(error as Error).message}`);
      }
    }
    this.advance('failed', 'started', {
      exitCode: 137,
      err: 'task: non-zero exit (137): dockerexec: unhealthy container',
    });
  }

  /** The task left this node's assignments: stop and remove its container. */
  async remove(): Promise<void> {
    this.stopping = true;
    const id = this.containerId;
    if (!id) return;
    try {
      if (this.deps.runtime.inspect(id)?.state === 'running')
        await this.deps.runtime.stop(id, this.gracePeriodMs());
      await this.deps.runtime.remove(id);
    } catch (error) {
      this.deps.log(`removing container ${id} of task ${this.task.ID} failed: ${(error as Error).message}`);
    }
  }

  private async reconcile(): Promise<void> {
    if (this.working) {
      this.pending = true;
      return;
    }
    this.working = true;
    try {
      do {
        this.pending = false;
        await this.step();
      } while (this.pending);
    } finally {
      this.working = false;
    }
  }

  private async step(): Promise<void> {
    const desired = this.task.DesiredState;
    const runtime = this.deps.runtime;
    if (compareTaskStates(desired, 'running') > 0) {
      if (isTerminal(this.reported)) return;
      this.stopping = true;
      if (this.containerId && runtime.inspect(this.containerId)?.state === 'running') {
        await runtime.stop(this.containerId, this.gracePeriodMs());
      }
      this.advance('shutdown', 'shutdown');
      return;
    }
    if (isTerminal(this.reported)) return;
    if (compareTaskStates(this.reported, 'accepted') < 0) this.advance('accepted', 'accepted');
    if (!this.containerId || !runtime.inspect(this.containerId)) {
      this.advance('preparing', 'preparing');
      const id = this.containerId ?? this.deps.newContainerId();
      try {
        await runtime.create(this.deps.containerConfig(this.task, id));
        this.containerId = id;
      } catch (error) {
        this.advance('rejected', 'preparing', { err: (error as Error).message });
        return;
      }
      this.advance('ready', 'prepared', { containerId: id });
    }
    if (desired === 'ready' || compareTaskStates(this.reported, 'starting') >= 0) return;
    this.advance('starting', 'starting');
    try {
      await runtime.start(this.containerId);
    } catch (error) {
      this.advance('failed', 'starting', { err: (error as Error).message });
    }
  }

  private advance(
    state: TaskState,
    message: string,
    extra: { err?: string; pid?: number; exitCode?: number; containerId?: string } = {},
  ): void {
    if (compareTaskStates(state, this.reported) <= 0) return;
    this.reported = state;
    this.deps.report({ ...this.update_(state, message), ...extra });
  }

  private update_(state: TaskState, message: string): TaskStatusUpdate {
    return {
      taskId: this.task.ID,
      state,
      timestamp: new Date().toISOString(),
      message,
      ...(this.containerId ? { containerId: this.containerId } : {}),
    };
  }

  private gracePeriodMs(): number {
    const ns = this.task.Spec.ContainerSpec?.StopGracePeriod;
    return ns === undefined ? 10_000 : Math.round(ns / 1e6);
  }
}
