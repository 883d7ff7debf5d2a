import { engineRequest } from '../../orchestrator/api/client.js';
import type {
  Network,
  Node,
  Secret,
  Service,
  Swarm,
  SystemInfo,
  Task,
} from '../../orchestrator/api/engine-types.js';

/** The nodes of a lab, as checks reach them. */
export interface LabTarget {
  nodes: { name: string; addr: string; dockerHost: string }[];
}

/** One lab node's own view: whether its daemon answers, and its /info. */
export interface NodeProbe {
  name: string;
  addr: string;
  reachable: boolean;
  info?: SystemInfo;
  error?: string;
}

/** The cluster's state at one moment, read through the Engine API of the lab's nodes. */
export interface ClusterSnapshot {
  takenAt: number;
  nodes: NodeProbe[];
  /** The lab node (a manager) whose API answered the swarm-wide reads; absent when none did. */
  manager?: string;
  swarm?: Swarm;
  swarmNodes: Node[];
  services: Service[];
  tasks: Task[];
  networks: Network[];
  secrets: Secret[];
  /** Reads that failed on the manager (e.g. an endpoint the daemon does not serve yet). */
  errors: string[];
}

/** One Engine API GET, answering the JSON body. */
export type EngineReader = <T>(dockerHost: string, path: string, timeoutMs: number) => Promise<T>;

export interface SnapshotOptions {
  timeoutMs?: number;
  /**
   * Node readings to reuse instead of reading those nodes' /info again (a watcher re-reads them less often
   * than the swarm-wide state once a manager answers); nodes whose entry is undefined are read.
   */
  reuseNodes?: (NodeProbe | undefined)[];
  /** How to GET (default: `engineRequest`); a watcher passes its own to count or cancel its reads. */
  read?: EngineReader;
}

const engineRead: EngineReader = async <T>(dockerHost: string, path: string, timeoutMs: number) =>
  (await engineRequest<T>(dockerHost, 'GET', path, undefined, { timeoutMs })).body;

/** Reads every node's /info, then the swarm's objects from the first manager that answers. */
export async function takeSnapshot(lab: LabTarget, options: SnapshotOptions = {}): Promise<ClusterSnapshot> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const read = options.read ?? engineRead;
  const nodes = await Promise.all(
    lab.nodes.map(async (node, i): Promise<NodeProbe> => {
      const reused = options.reuseNodes?.[i];
      if (reused) return reused;
      try {
        const info = await read<SystemInfo>(node.dockerHost, '/info', timeoutMs);
        return { name: node.name, addr: node.addr, reachable: true, info };
      } catch (error) {
        return { name: node.name, addr: node.addr, reachable: false, error: (error as Error).message };
      }
    }),
  );
  const snapshot: ClusterSnapshot = {
    takenAt: Date.now(),
    nodes,
    swarmNodes: [],
    services: [],
    tasks: [],
    networks: [],
    secrets: [],
    errors: [],
  };
  const managers = lab.nodes.filter((_, i) => nodes[i].info?.Swarm?.ControlAvailable === true);
  for (const manager of managers) {
    try {
      snapshot.swarmNodes = await read<Node[]>(manager.dockerHost, '/nodes', timeoutMs);
    } catch (error) {
      snapshot.errors.push(`${manager.name} GET /nodes: ${(error as Error).message}`);
      continue;
    }
    snapshot.manager = manager.name;
    const reads = await Promise.allSettled([
      read<Swarm>(manager.dockerHost, '/swarm', timeoutMs),
      read<Service[]>(manager.dockerHost, '/services?status=true', timeoutMs),
      read<Task[]>(manager.dockerHost, '/tasks', timeoutMs),
      read<Network[]>(manager.dockerHost, '/networks', timeoutMs),
      read<Secret[]>(manager.dockerHost, '/secrets', timeoutMs),
    ]);
    const paths = ['/swarm', '/services', '/tasks', '/networks', '/secrets'];
    reads.forEach((result, i) => {
      if (result.status === 'rejected')
        snapshot.errors.push(`${manager.name} GET ${paths[i]}: ${result.reason.message}`);
    });
    const value = <T>(i: number, fallback: T): T =>
      reads[i].status === 'fulfilled'
        ? ((reads[i] as PromiseFulfilledResult<T>).value ?? fallback)
        : fallback;
    snapshot.swarm = value<Swarm | undefined>(0, undefined);
    snapshot.services = value<Service[]>(1, []);
    snapshot.tasks = value<Task[]>(2, []);
    snapshot.networks = value<Network[]>(3, []);
    snapshot.secrets = value<Secret[]>(4, []);
    break;
  }
  return snapshot;
}

/** A key that changes exactly when the snapshot's content does (clock readings left out). */
export function snapshotKey(snapshot: ClusterSnapshot): string {
  return JSON.stringify({
    ...snapshot,
    takenAt: 0,
    nodes: snapshot.nodes.map((n) => ({ ...n, info: n.info && { ...n.info, SystemTime: '' } })),
  });
}
