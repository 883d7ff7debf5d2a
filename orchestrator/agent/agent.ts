import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeDescription } from '../api/engine-types.js';
import { newContainerId } from '../common/ids.js';
import type { AssignedSecret, SessionMessage, TaskStatusUpdate } from '../manager/dispatcher/protocol.js';
import type { MeshTable } from '../mesh/mesh-table.js';
import type { NodeObject, TaskObject } from '../store/objects.js';
import { buildContainerConfig, type NodeEnvironment } from './container-config.js';
import type { ContainerRuntime } from './container-runtime.js';
import { type DispatcherClient, NotLeaderError } from './dispatcher-client.js';
import { TaskController } from './task-controller.js';

/** Status reports go to the dispatcher at most this often. */
export const reportIntervalMs = 100;
/** Waits between attempts to reach a manager, growing up to the maximum. */
const retryMs = { first: 100, max: 2_000 };

export interface AgentOptions {
  nodeId: string;
  addr: string;
  description(): NodeDescription;
  runtime: ContainerRuntime;
  client: DispatcherClient;
  /** Managers to try, leader first when known; updated from each session. */
  managers: { nodeId: string; addr: string }[];
  environment: NodeEnvironment;
  /** This node's object as the managers see it (role, availability changed). */
  onNode(node: NodeObject): void;
  /** The swarm's routing table changed (for the node's mesh and DNS). */
  onMesh(table: MeshTable): void;
  /** The swarm removed this node (`docker node rm`). */
  onRemoved(): void;
  /** The first session is open (a join waits for it before it answers). */
  onConnected(): void;
  log(line: string): void;
}

/**
 * A node's worker side: keeps a session with the leader's dispatcher, runs the tasks it is assigned through
 * the container runtime, and reports their status back.
 */
export class Agent {
  private readonly controllers = new Map<string, TaskController>();
  private readonly secrets = new Map<string, AssignedSecret>();
  private readonly byContainer = new Map<string, TaskController>();
  private pendingReports = new Map<string, TaskStatusUpdate>();
  private managers: { nodeId: string; addr: string }[];
  private session: { addr: string; id: string } | undefined;

  constructor(private readonly options: AgentOptions) {
    this.managers = [...options.managers];
    options.runtime.on('change', (info) => this.byContainer.get(info.id)?.onContainer(info));
  }

  /** The managers as the last session listed them, the one this agent talks to first. */
  get knownManagers(): { nodeId: string; addr: string }[] {
    return this.managers;
  }

  /** Runs until `signal` aborts; the node's containers keep running (swarmd stops them on leave). */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    let index = 0;
    const reporter = this.reportLoop(signal);
    while (!signal.aborted) {
      const manager = this.managers[index % Math.max(1, this.managers.length)];
      if (!manager) {
        await sleep(retryMs.max, undefined, { signal }).catch(() => {});
        continue;
      }
      try {
        await this.holdSession(manager.addr, signal);
        attempt = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof NotLeaderError && error.leaderAddr) {
          const leader = this.managers.findIndex((m) => m.addr === error.leaderAddr);
          index = leader >= 0 ? leader : index + 1;
          if (leader < 0) this.managers.push({ nodeId: '', addr: error.leaderAddr });
          continue;
        }
        this.options.log(`session with ${manager.addr} ended: ${(error as Error).message}`);
        index += 1;
        attempt += 1;
        await sleep(Math.min(retryMs.max, retryMs.first * 2 ** attempt), undefined, { signal }).catch(
          () => {},
        );
      }
    }
    await reporter;
  }

  /** Stops and removes every container the agent started (the node leaves the swarm). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.controllers.values()].map((c) => c.remove()));
    this.controllers.clear();
    this.byContainer.clear();
    this.secrets.clear();
  }

  private async holdSession(addr: string, signal: AbortSignal): Promise<void> {
    const stream = await this.options.client.openSession(
      addr,
      { description: this.options.description(), addr: this.options.addr },
      signal,
    );
    let heartbeat: Promise<void> | undefined;
    const stop = new AbortController();
    const onAbort = () => stream.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of stream) {
        if (message.type === 'session') {
          this.session = { addr, id: message.sessionId };
          if (message.managers.length > 0) this.managers = leaderFirst(message.managers, addr);
          heartbeat = this.heartbeatLoop(
            addr,
            message.sessionId,
            message.heartbeatPeriodMs,
            stop.signal,
            stream,
          );
          for (const controller of this.controllers.values()) this.queue(controller.snapshot());
          this.options.onConnected();
        } else if (message.type === 'assignments') {
          this.applyAssignments(message);
        } else if (message.type === 'node') {
          this.options.onNode(message.node);
        } else if (message.type === 'mesh') {
          this.options.onMesh(message.table);
        } else if (message.type === 'close') {
          if (message.removed) this.options.onRemoved();
          throw new Error(message.reason);
        }
      }
      throw new Error('the dispatcher closed the session');
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      stream.close();
      this.session = undefined;
      await heartbeat;
    }
  }

  private async heartbeatLoop(
    addr: string,
    sessionId: string,
    periodMs: number,
    signal: AbortSignal,
    stream: { close(): void },
  ): Promise<void> {
    let period = periodMs;
    while (!signal.aborted) {
      await sleep(period, undefined, { signal }).catch(() => {});
      if (signal.aborted) return;
      try {
        period = (await this.options.client.heartbeat(addr, sessionId)).periodMs;
      } catch (error) {
        this.options.log(`heartbeat to ${addr} failed: ${(error as Error).message}`);
        stream.close();
        return;
      }
    }
  }

  private applyAssignments(message: Extract<SessionMessage, { type: 'assignments' }>): void {
    for (const secret of message.secrets) this.secrets.set(secret.id, secret);
    for (const id of message.removedSecrets) this.secrets.delete(id);
    const listed = new Set(message.tasks.map((t) => t.ID));
    for (const task of message.tasks) this.assign(task);
    const removed = message.full
      ? [...this.controllers.keys()].filter((id) => !listed.has(id))
      : message.removedTasks;
    for (const id of removed) {
      const controller = this.controllers.get(id);
      if (!controller) continue;
      this.controllers.delete(id);
      void controller.remove().then(() => {
        if (controller.containerId) this.byContainer.delete(controller.containerId);
      });
    }
  }

  private assign(task: TaskObject): void {
    const existing = this.controllers.get(task.ID);
    if (existing) {
      existing.update(task);
      return;
    }
    const controller: TaskController = new TaskController(task, {
      runtime: this.options.runtime,
      report: (update) => this.queue(update),
      newContainerId: () => {
        const id = newContainerId();
        this.byContainer.set(id, controller);
        return id;
      },
      containerConfig: (t, containerId) =>
        buildContainerConfig(t, containerId, this.options.nodeId, this.secrets, this.options.environment),
      log: this.options.log,
    });
    if (controller.containerId) this.byContainer.set(controller.containerId, controller);
    this.controllers.set(task.ID, controller);
    controller.update(task);
  }

  private queue(update: TaskStatusUpdate): void {
    const previous = this.pendingReports.get(update.taskId);
    this.pendingReports.set(update.taskId, previous ? { ...previous, ...update } : update);
  }

  private async reportLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(reportIntervalMs, undefined, { signal }).catch(() => {});
      const session = this.session;
      if (!session || this.pendingReports.size === 0) continue;
      const updates = [...this.pendingReports.values()];
      this.pendingReports = new Map();
      try {
        await this.options.client.report(session.addr, session.id, updates);
      } catch (error) {
        this.options.log(
          `reporting ${updates.length} task updates failed, will retry: ${(error as Error).message}`,
        );
        for (const update of updates)
          if (!this.pendingReports.has(update.taskId)) this.pendingReports.set(update.taskId, update);
      }
    }
  }
}

function leaderFirst(managers: { nodeId: string; addr: string }[], leaderAddr: string) {
  return [...managers].sort((a, b) => Number(b.addr === leaderAddr) - Number(a.addr === leaderAddr));
}
