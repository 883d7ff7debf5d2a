/**
 * Helpers for tests of the manager loops: a single-process store, node objects as the dispatcher registers
 * them, and a simulated agent that reports task statuses the way the dispatcher writes them. Real store, real
 * loops: only the worker processes are played.
 */
import type { TaskState } from '../../api/engine-types.js';
import { newObjectId } from '../../common/ids.js';
import type { NodeObject, TaskObject } from '../../store/objects.js';
import { LocalProposer } from '../../store/proposer.js';
import { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { ReadTx } from '../../store/transaction.js';

/** A store that commits at once, in this process. */
export function localStore(): Store {
  const store = new Store();
  store.setProposer(new LocalProposer(store));
  return store;
}

export interface NodeOptions {
  hostname?: string;
  role?: 'worker' | 'manager';
  state?: 'ready' | 'down';
  availability?: 'active' | 'pause' | 'drain';
  labels?: Record<string, string>;
  engineLabels?: Record<string, string>;
  nanoCPUs?: number;
  memoryBytes?: number;
  addr?: string;
  os?: string;
  arch?: string;
}

/** Registers a node as the dispatcher does when it joins. */
export async function addNode(store: Store, options: NodeOptions = {}): Promise<NodeObject> {
  const id = newObjectId();
  const addr = options.addr ?? '127.0.0.1';
  return store.update((tx) =>
    tx.create('nodes', {
      ID: id,
      Spec: {
        Role: options.role ?? 'worker',
        Availability: options.availability ?? 'active',
        Labels: options.labels ?? {},
      },
      Status: { State: options.state ?? 'ready', Addr: addr },
      Description: {
        Hostname: options.hostname ?? `node-${id.slice(0, 5)}`,
        Platform: { OS: options.os ?? 'linux', Architecture: options.arch ?? 'x86_64' },
        Resources: { NanoCPUs: options.nanoCPUs ?? 4e9, MemoryBytes: options.memoryBytes ?? 8 * 1024 ** 3 },
        Engine: { EngineVersion: '28.2.2', Labels: options.engineLabels ?? {} },
      },
      _clusterAddr: `${addr}:2377`,
    }),
  );
}

/** Changes a node's status or availability, as the dispatcher or `docker node update` would. */
export async function setNode(
  store: Store,
  id: string,
  change: {
    state?: 'ready' | 'down';
    availability?: 'active' | 'pause' | 'drain';
    labels?: Record<string, string>;
  },
): Promise<void> {
  await store.update((tx) => {
    const node = tx.get('nodes', id)!;
    tx.update('nodes', {
      ...node,
      Spec: {
        ...node.Spec,
        Availability: change.availability ?? node.Spec.Availability,
        Labels: change.labels ?? node.Spec.Labels,
      },
      Status: { ...node.Status, State: change.state ?? node.Status.State },
    });
  });
}

/** Writes a task status report, as the dispatcher does for its agent. */
export async function reportStatus(
  store: Store,
  taskId: string,
  state: TaskState,
  extra: { Err?: string; ExitCode?: number } = {},
): Promise<void> {
  await store.update((tx) => {
    const task = tx.get('tasks', taskId);
    if (!task || stateRank(task.Status.State) >= stateRank(state)) return;
    tx.update('tasks', {
      ...task,
      Status: {
        ...task.Status,
        State: state,
        Timestamp: new Date().toISOString(),
        Message: state,
        ...(extra.Err ? { Err: extra.Err } : {}),
        ...(extra.ExitCode !== undefined ? { ContainerStatus: { ExitCode: extra.ExitCode } } : {}),
      },
    });
  });
}

export interface AgentBehaviour {
  /** Called when a task reaches `running`: return a final state to end it there (a crash, an exit). */
  onRunning?: (task: TaskObject) => 'failed' | 'complete' | undefined;
  /** Nodes whose agents are gone: their tasks get no reports. */
  silentNodes?: Set<string>;
}

/**
 * Plays every node's agent: a task assigned to a ready node moves assigned -> accepted -> preparing -> ready,
 * on to starting -> running once its desired state is `running`, and to `shutdown` when its desired state
 * passes running. Stops when `signal` aborts.
 */
export function simulateAgents(store: Store, signal: AbortSignal, behaviour: AgentBehaviour = {}): void {
  const steps: TaskState[] = ['accepted', 'preparing', 'ready', 'starting', 'running'];
  let busy = false;
  let again = false;
  const pass = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    do {
      again = false;
      const reports: { id: string; state: TaskState; err?: string }[] = [];
      store.view((tx) => {
        for (const task of tx.list('tasks')) {
          const report = nextReport(tx, task, steps, behaviour);
          if (report) reports.push({ id: task.ID, ...report });
        }
      });
      for (const report of reports) {
        if (signal.aborted) break;
        await reportStatus(store, report.id, report.state, report.err ? { Err: report.err } : {});
      }
    } while (again && !signal.aborted);
    busy = false;
  };
  const unsubscribe = store.subscribe(() => {
    if (!signal.aborted) setImmediate(() => void pass());
  });
  signal.addEventListener('abort', unsubscribe, { once: true });
  void pass();
}

function nextReport(
  tx: ReadTx,
  task: TaskObject,
  steps: TaskState[],
  behaviour: AgentBehaviour,
): { state: TaskState; err?: string } | undefined {
  if (!task.NodeID || behaviour.silentNodes?.has(task.NodeID)) return undefined;
  const node = tx.get('nodes', task.NodeID);
  if (node?.Status.State !== 'ready') return undefined;
  const status = stateRank(task.Status.State);
  if (status < rankOf.assigned || status > rankOf.running) return undefined;
  if (stateRank(task.DesiredState) > rankOf.running) return { state: 'shutdown' };
  if (task.Status.State === 'running') {
    const end = behaviour.onRunning?.(task);
    if (end) return { state: end, err: end === 'failed' ? 'task: non-zero exit (1)' : undefined };
    return undefined;
  }
  const next = steps.find((s) => stateRank(s) > status)!;
  // A task whose start is delayed waits in `ready`.
  if (stateRank(next) > rankOf.ready && task.DesiredState !== 'running') return undefined;
  return { state: next };
}

/** Resolves once `check` is true on the store (checked after every commit); rejects after `timeoutMs`. */
export function waitFor<T>(
  store: Store,
  check: (tx: ReadTx) => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const result = store.view(check);
      if (result) {
        finish();
        resolve(result);
      }
    };
    const unsubscribe = store.subscribe(() => setImmediate(attempt));
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
    };
    attempt();
  });
}

/** The tasks of a service whose desired state is `running`, and how many of them run. */
export function runningTasks(tx: ReadTx, serviceId: string): TaskObject[] {
  return tx
    .tasksByService(serviceId)
    .filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
}
