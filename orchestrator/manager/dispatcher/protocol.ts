/**
 * What flows between a node's agent and the leader's dispatcher. The transport (a mutual-TLS stream of
 * newline-delimited JSON plus small POSTs) lives in the node's channel; these are the messages.
 */
import type { NodeDescription, TaskState } from '../../api/engine-types.js';
import type { MeshTable } from '../../mesh/mesh-table.js';
import type { NodeObject, TaskEndpoint, TaskObject } from '../../store/objects.js';

/** A secret as a node receives it: only for tasks it runs, data in clear over the mutual-TLS channel. */
export interface AssignedSecret {
  id: string;
  name: string;
  /** base64 */
  data: string;
}

/** Dispatcher -> agent, one JSON object per line of the session stream. */
export type SessionMessage =
  | {
      type: 'session';
      sessionId: string;
      heartbeatPeriodMs: number;
      managers: { nodeId: string; addr: string }[];
    }
  /** Tasks and secrets for this node. `full`: replaces everything the agent knew; else a change. */
  | {
      type: 'assignments';
      full: boolean;
      tasks: TaskObject[];
      removedTasks: string[];
      secrets: AssignedSecret[];
      removedSecrets: string[];
    }
  /** This node's object changed (role, availability, labels). */
  | { type: 'node'; node: NodeObject }
  /** Where every service's traffic goes, for the node's routing mesh and DNS (sent when it changes). */
  | { type: 'mesh'; table: MeshTable }
  /** The session ends: the dispatcher stops (leadership moved) or the node was removed. */
  | { type: 'close'; reason: string; removed?: boolean };

/** Agent -> dispatcher: how the node describes itself when it opens a session. */
export interface SessionRequest {
  description: NodeDescription;
  /** The node's address, as Status.Addr shows it. */
  addr: string;
}

/** Agent -> dispatcher: a task's status moved. */
export interface TaskStatusUpdate {
  taskId: string;
  state: TaskState;
  timestamp: string;
  message: string;
  err?: string;
  containerId?: string;
  pid?: number;
  exitCode?: number;
  endpoints?: TaskEndpoint[];
  health?: 'starting' | 'healthy' | 'unhealthy';
}
