import { randomBytes } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import { MeshTablePublisher } from '../../mesh/table-publisher.js';
import type { ClusterObject, NodeObject, SecretObject, TaskObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { compareTaskStates } from '../../store/task-states.js';
import type { ChangeSet } from '../../store/watch.js';
import {
  type AssignedSecret,
  nodeRemovedError,
  type SessionMessage,
  type SessionRequest,
  type TaskStatusUpdate,
} from './protocol.js';

/** A node is down after missing heartbeats for this many periods (SwarmKit's grace multiplier). */
export const heartbeatGraceMultiplier = 3;
/** Status reports are written to the store in batches of at most this many... */
export const maxBatchItems = 10_000;
/** ...or after this long, whichever comes first. */
export const maxBatchIntervalMs = 100;

export interface DispatcherOptions {
  /** The heartbeat period agents must keep (the cluster's Dispatcher.HeartbeatPeriod, or a profile's). */
  heartbeatPeriodMs(): number;
  /** The managers agents may connect to: the members of the Raft group. */
  managers(): { nodeId: string; addr: string }[];
  /** Calls `listener` when the Raft membership may have changed; returns how to stop. */
  watchManagers?(listener: () => void): () => void;
  /** Opens a secret sealed in the store with the cluster's data key. */
  openSecret(secret: SecretObject, cluster: ClusterObject): Buffer;
  log(line: string): void;
}

interface Session {
  id: string;
  nodeId: string;
  send(message: SessionMessage): void;
  close(): void;
  /** Version index of each task last sent. */
  tasks: Map<string, number>;
  secrets: Set<string>;
  expires: NodeJS.Timeout | undefined;
}

/**
 * The leader's side of worker sessions: it tells each node the tasks (and only the secrets) it must run,
 * keeps nodes' status from their heartbeats, and writes the agents' task status reports into the store.
 */
export class Dispatcher {
  private readonly sessions = new Map<string, Session>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private pendingReports = new Map<string, { nodeId: string; update: TaskStatusUpdate }>();
  private flushTimer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly mesh: MeshTablePublisher;
  /** The Raft members the sessions were last told about (a node follows its own membership). */
  private members = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly options: DispatcherOptions,
  ) {
    this.mesh = new MeshTablePublisher(store, (table) => {
      for (const session of this.sessions.values()) session.send({ type: 'mesh', table });
    });
  }

  /** Runs until `signal` aborts: follows the store and pushes changes to sessions. */
  async run(signal: AbortSignal): Promise<void> {
    this.running = true;
    this.mesh.start();
    this.members = this.memberIds();
    const unwatch = this.options.watchManagers?.(() => this.onMembership());
    // Nodes that were ready under the previous leader get one grace period to open a session with us.
    for (const node of this.store.view((tx) => tx.list('nodes'))) {
      if (node.Status.State === 'ready') this.expectHeartbeat(node.ID);
    }
    try {
      for await (const change of this.store.watch(signal)) this.onChange(change);
    } finally {
      this.running = false;
      unwatch?.();
      this.mesh.stop();
      for (const timer of this.graceTimers.values()) clearTimeout(timer);
      this.graceTimers.clear();
      for (const session of this.sessions.values()) {
        clearTimeout(session.expires);
        session.send({
          type: 'close',
          reason: 'the dispatcher stopped: leadership moved to another manager',
        });
        session.close();
      }
      this.sessions.clear();
      await this.flush();
    }
  }

  /** A node's agent opens its session. Throws a 403 "removed" ApiError for a node the swarm does not know. */
  async openSession(
    nodeId: string,
    request: SessionRequest,
    send: (message: SessionMessage) => void,
    close: () => void,
  ): Promise<string> {
    if (!this.running) throw new ApiError(503, 'this manager is not the leader; connect to the leader');
    const removed = this.store.view((tx) => tx.list('clusters')[0]?._removedNodes ?? []);
    const node = this.store.view((tx) => tx.get('nodes', nodeId));
    if (!node || removed.includes(nodeId)) throw nodeRemovedError(nodeId);
    this.sessions.get(nodeId)?.close();
    const session: Session = {
      id: randomBytes(12).toString('hex'),
      nodeId,
      send,
      close,
      tasks: new Map(),
      secrets: new Set(),
      expires: undefined,
    };
    this.sessions.set(nodeId, session);
    await this.store.update((tx) => {
      const current = tx.get('nodes', nodeId);
      if (!current) return;
      const next = {
        ...current,
        Description: { ...current.Description, ...request.description, TLSInfo: current.Description.TLSInfo },
        Status: { State: 'ready' as const, Addr: request.addr },
      };
      // A node that reconnects (new certificate, new leader) unchanged keeps its version: clients that read
      // it just before (`docker node demote` reads, then updates) are not refused as out of sequence.
      const same =
        JSON.stringify([current.Description, current.Status]) ===
        JSON.stringify([next.Description, next.Status]);
      if (!same) tx.update('nodes', next);
    });
    send({
      type: 'session',
      sessionId: session.id,
      heartbeatPeriodMs: this.options.heartbeatPeriodMs(),
      managers: this.options.managers(),
    });
    send({ type: 'mesh', table: this.mesh.current });
    this.sendAssignments(session, true);
    const latest = this.store.view((tx) => tx.get('nodes', nodeId));
    if (latest) send({ type: 'node', node: this.withMembership(latest) });
    this.heartbeat(nodeId, session.id);
    return session.id;
  }

  /** The agent is alive. Returns the period it should keep. */
  heartbeat(nodeId: string, sessionId: string): { periodMs: number } {
    const session = this.sessionOf(nodeId, sessionId);
    const periodMs = this.options.heartbeatPeriodMs();
    clearTimeout(session.expires);
    session.expires = afterGrace(periodMs, () => void this.expire(session));
    return { periodMs };
  }

  /** The agent reports task status changes; they reach the store in batches. */
  report(nodeId: string, sessionId: string, updates: TaskStatusUpdate[]): void {
    this.sessionOf(nodeId, sessionId);
    for (const update of updates) this.pendingReports.set(update.taskId, { nodeId, update });
    if (this.pendingReports.size >= maxBatchItems) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), maxBatchIntervalMs);
    }
  }

  /** The session's stream closed; the node stays ready until its heartbeats run out. */
  detach(nodeId: string, sessionId: string): void {
    const session = this.sessions.get(nodeId);
    if (session?.id === sessionId) session.send = () => {};
  }

  private memberIds(): Set<string> {
    return new Set(this.options.managers().map((m) => m.nodeId));
  }

  /** The node as its agent sees it: with `ManagerStatus` exactly while it is a Raft member. */
  private withMembership(node: NodeObject): NodeObject {
    const { ManagerStatus: _stale, ...rest } = node;
    const member = this.options.managers().find((m) => m.nodeId === node.ID);
    return member ? { ...rest, ManagerStatus: { Addr: member.addr } } : rest;
  }

  /** The Raft membership changed: nodes that joined or left it hear so (a promotion or demotion proceeds). */
  private onMembership(): void {
    if (!this.running) return;
    const next = this.memberIds();
    const changed = [...next, ...this.members].filter((id) => next.has(id) !== this.members.has(id));
    this.members = next;
    for (const nodeId of changed) {
      const session = this.sessions.get(nodeId);
      const node = session && this.store.view((tx) => tx.get('nodes', nodeId));
      if (session && node) session.send({ type: 'node', node: this.withMembership(node) });
    }
  }

  private sessionOf(nodeId: string, sessionId: string): Session {
    const session = this.sessions.get(nodeId);
    if (!session || session.id !== sessionId) {
      throw new ApiError(
        409,
        'session invalid: the dispatcher restarted or another session replaced it; open a new session',
      );
    }
    return session;
  }

  private expectHeartbeat(nodeId: string): void {
    clearTimeout(this.graceTimers.get(nodeId));
    const timer = afterGrace(this.options.heartbeatPeriodMs(), () => {
      this.graceTimers.delete(nodeId);
      if (!this.sessions.has(nodeId)) void this.markDown(nodeId);
    });
    this.graceTimers.set(nodeId, timer);
  }

  private async expire(session: Session): Promise<void> {
    if (this.sessions.get(session.nodeId) !== session) return;
    this.sessions.delete(session.nodeId);
    session.send({ type: 'close', reason: 'heartbeat failure' });
    session.close();
    await this.markDown(session.nodeId);
  }

  private async markDown(nodeId: string): Promise<void> {
    try {
      await this.store.update((tx) => {
        const node = tx.get('nodes', nodeId);
        if (!node || node.Status.State === 'down') return;
        tx.update('nodes', {
          ...node,
          Status: { ...node.Status, State: 'down', Message: 'heartbeat failure' },
        });
      });
      this.options.log(`node ${nodeId} is down: heartbeat failure`);
    } catch (error) {
      this.options.log(`could not mark node ${nodeId} down: ${(error as Error).message}`);
    }
  }

  private async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const reports = [...this.pendingReports.values()];
    this.pendingReports = new Map();
    if (reports.length === 0) return;
    try {
      await this.store.batch((batch) => {
        for (const { nodeId, update } of reports)
          batch.update((tx) => applyReport(tx.get('tasks', update.taskId), nodeId, update, tx));
      });
    } catch (error) {
      this.options.log(`writing ${reports.length} task status reports failed: ${(error as Error).message}`);
    }
  }

  private onChange(change: ChangeSet): void {
    const touched = new Set<string>();
    for (const event of change.events) {
      if (event.table === 'tasks') {
        if (event.object.NodeID) touched.add(event.object.NodeID);
        if (event.previous?.NodeID) touched.add(event.previous.NodeID);
      } else if (event.table === 'nodes') {
        const session = this.sessions.get(event.object.ID);
        if (event.action === 'delete' && session) {
          this.sessions.delete(session.nodeId);
          clearTimeout(session.expires);
          session.send({ type: 'close', reason: 'this node was removed from the swarm', removed: true });
          session.close();
        } else if (session && event.action === 'update') {
          session.send({ type: 'node', node: this.withMembership(event.object) });
        }
      } else if (event.table === 'secrets' || event.table === 'clusters') {
        for (const session of this.sessions.values()) touched.add(session.nodeId);
      }
    }
    if (change.reset) for (const session of this.sessions.values()) touched.add(session.nodeId);
    for (const nodeId of touched) {
      const session = this.sessions.get(nodeId);
      if (session) this.sendAssignments(session, change.reset === true);
    }
  }

  /** Sends what changed in the node's tasks and secrets since the last message (everything when `full`). */
  private sendAssignments(session: Session, full: boolean): void {
    const { tasks, cluster, secrets } = this.store.view((tx) => ({
      tasks: tx.tasksByNode(session.nodeId).filter((t) => compareTaskStates(t.Status.State, 'assigned') >= 0),
      cluster: tx.list('clusters')[0],
      secrets: tx.list('secrets'),
    }));
    if (full) {
      session.tasks.clear();
      session.secrets.clear();
    }
    const current = new Map(tasks.map((t) => [t.ID, t]));
    const changedTasks = tasks.filter((t) => session.tasks.get(t.ID) !== t.Version.Index);
    const removedTasks = [...session.tasks.keys()].filter((id) => !current.has(id));
    const wanted = new Set<string>();
    for (const task of tasks) {
      if (compareTaskStates(task.DesiredState, 'running') > 0) continue;
      for (const ref of task.Spec.ContainerSpec?.Secrets ?? []) if (ref.SecretID) wanted.add(ref.SecretID);
    }
    const newSecrets: AssignedSecret[] = [];
    for (const secret of secrets) {
      if (!wanted.has(secret.ID) || session.secrets.has(secret.ID) || !cluster) continue;
      newSecrets.push({
        id: secret.ID,
        name: secret.Spec.Name,
        data: this.options.openSecret(secret, cluster).toString('base64'),
      });
    }
    const removedSecrets = [...session.secrets].filter((id) => !wanted.has(id));
    if (!full && changedTasks.length + removedTasks.length + newSecrets.length + removedSecrets.length === 0)
      return;
    for (const task of changedTasks) session.tasks.set(task.ID, task.Version.Index);
    for (const id of removedTasks) session.tasks.delete(id);
    for (const secret of newSecrets) session.secrets.add(secret.id);
    for (const id of removedSecrets) session.secrets.delete(id);
    session.send({
      type: 'assignments',
      full,
      tasks: changedTasks,
      removedTasks,
      secrets: newSecrets,
      removedSecrets,
    });
  }
}

/**
 * Calls `expired` once `heartbeatGraceMultiplier` heartbeat periods pass. A timer that fires late means this
 * process did not run for a while (a busy event loop, a loaded machine): the heartbeats sent meanwhile may
 * still wait unread in their sockets, and timers run before I/O. It then gives the node a new grace period,
 * so a stalled manager does not declare every node down at once.
 */
function afterGrace(periodMs: number, expired: () => void): NodeJS.Timeout {
  const graceMs = periodMs * heartbeatGraceMultiplier;
  let due = performance.now() + graceMs;
  const timer: NodeJS.Timeout = setTimeout(() => {
    if (performance.now() - due > periodMs / 2) {
      due = performance.now() + graceMs;
      timer.refresh();
      return;
    }
    expired();
  }, graceMs);
  timer.unref();
  return timer;
}

/** Writes one report into its task, if it is still this node's and moves the task forward (never back). */
function applyReport(
  task: TaskObject | undefined,
  nodeId: string,
  update: TaskStatusUpdate,
  tx: { update(table: 'tasks', task: TaskObject): TaskObject },
): void {
  if (!task || task.NodeID !== nodeId) return;
  const order = compareTaskStates(update.state, task.Status.State);
  if (order < 0) return;
  const sameHealth = update.health === undefined || update.health === task._health;
  const sameEndpoints =
    update.endpoints === undefined || JSON.stringify(update.endpoints) === JSON.stringify(task._endpoints);
  if (order === 0 && sameHealth && sameEndpoints) return;
  tx.update('tasks', {
    ...task,
    Status: {
      ...task.Status,
      State: update.state,
      Timestamp: order === 0 ? task.Status.Timestamp : update.timestamp,
      Message: update.message,
      ...(update.err ? { Err: update.err } : {}),
      ContainerStatus: {
        ...task.Status.ContainerStatus,
        ...(update.containerId ? { ContainerID: update.containerId } : {}),
        ...(update.pid !== undefined ? { PID: update.pid } : {}),
        ...(update.exitCode !== undefined ? { ExitCode: update.exitCode } : {}),
      },
    },
    ...(update.endpoints ? { _endpoints: update.endpoints } : {}),
    ...(update.health ? { _health: update.health } : {}),
  });
}
