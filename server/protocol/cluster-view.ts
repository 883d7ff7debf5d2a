/** What the visualizer draws: the swarm's nodes as columns and their tasks as cards. No Node or DOM imports. */

/** One task of a service, as a card in its node's column. */
export interface TaskCard {
  id: string;
  /** The service's name. */
  service: string;
  /** image:tag, without the digest. */
  image: string;
  /** Replica number of a replicated service; absent for global services. */
  slot?: number;
  /** The task's observed state (new, pending, assigned, ..., running, failed, ...). */
  state: string;
  desiredState: string;
  /** Why the task is not running, in the daemon's words. */
  error?: string;
}

/** One node of the swarm. */
export interface NodeColumn {
  id: string;
  name: string;
  addr: string;
  role: 'manager' | 'worker';
  leader: boolean;
  availability: 'active' | 'pause' | 'drain';
  /** ready, down, unknown or disconnected, as the managers see it. */
  status: string;
  tasks: TaskCard[];
}

export interface ClusterView {
  /** active: a manager answered; inactive: no node is in a swarm; unreachable: no manager answers. */
  swarm: 'active' | 'inactive' | 'unreachable';
  /** A plain-words line under the title, e.g. what to do to get a swarm. */
  message: string;
  nodes: NodeColumn[];
  /** Tasks no node was found for yet (pending). */
  unassigned: TaskCard[];
  /** The manager whose answers the view shows. */
  source?: string;
}
