/**
 * Labs: sets of nodes running swarmd. A provider knows how to start a lab's nodes somewhere (local processes on
 * loopback addresses, network namespaces, VMs); everything above it (bootstrap, the workshop) only sees `Lab`.
 */

/** One node of a lab, as terminals and checks reach it. */
export interface LabNode {
  /** swarm-1, swarm-2, ... */
  name: string;
  /** The node's address: swarmd listens and advertises there (cluster port 2377). */
  addr: string;
  /** Where the node's cluster channel listens, `addr:2377`: what `docker swarm join` is given. */
  clusterAddr: string;
  /** DOCKER_HOST for this node's Engine API (unix:///... for local labs). */
  dockerHost: string;
  /** The swarmd process id, where the provider runs it on this machine. */
  pid: number;
  dataDir: string;
}

export interface Lab {
  id: string;
  provider: string;
  nodes: LabNode[];
  createdAt: string;
}

export interface LabSpec {
  /** Number of nodes, 1..9 for the workshop (the local provider allows more). */
  nodes: number;
  /** After start, init a swarm and join: the first `managers` nodes as managers, the rest as workers. 0: no swarm. */
  managers?: number;
  /** swarmd timing profile; labs default to "lab" (fast failover). */
  profile?: 'lab' | 'swarm';
}

/** Progress while a lab starts, for "Start lab" UIs. */
export type LabProgress =
  | { step: 'addresses'; addrs: string[] }
  | { step: 'node-starting'; name: string }
  | { step: 'node-ready'; name: string; ms: number }
  | { step: 'swarm'; message: string }
  | { step: 'ready'; ms: number };

/** A running lab and how to end it. */
export interface LabHandle {
  readonly lab: Lab;
  /** Resolves when a node process exits unexpectedly (with its name), so owners can report or reclaim. */
  onNodeExit(listener: (name: string, code: number | null) => void): void;
  /** Starts a node again on its address and data (after a crash, or stopping it first); its new pid is in `lab`. */
  restartNode(name: string): Promise<LabNode>;
  /** Stops every node (SIGTERM, then SIGKILL after a grace period), removes its state. Idempotent. */
  destroy(): Promise<void>;
}

export interface LabProvider {
  readonly name: string;
  create(spec: LabSpec, progress?: (event: LabProgress) => void): Promise<LabHandle>;
}

/** The lab id check used everywhere an id comes from outside. */
export const labIdPattern = /^[a-z0-9]{12,32}$/;
