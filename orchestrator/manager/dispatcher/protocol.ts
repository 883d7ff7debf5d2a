/**
 * What flows between a node's agent and the leader's dispatcher. The transport (a mutual-TLS stream of
 * newline-delimited JSON plus small POSTs) lives in the node's channel; these are the messages.
 */
import type { NodeDescription, TaskState } from '../../api/engine-types.js';
import { ApiError } from '../../api/errors.js';
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
  /**
   * This node's object changed (role, availability, labels), or its Raft membership did: `ManagerStatus` is set
   * exactly while the node is a member of the managers' Raft group, as the leader sees it.
   */
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

/**
 * A manager's answer (403) to a node whose certificate is still valid but which the swarm removed
 * (`docker node rm`): the body carries `removed: true`, so the node leaves instead of retrying.
 */
export function nodeRemovedError(nodeId: string): ApiError {
  return new ApiError(
    403,
    `node ${nodeId} was removed from the swarm: it is no longer part of it. Join it again with "docker swarm join"`,
    { extra: { removed: true } },
  );
}

/** Whether an error answer's body says this node was removed from the swarm. */
export function isNodeRemovedAnswer(status: number, body: unknown): boolean {
  return status === 403 && (body as { removed?: unknown } | undefined)?.removed === true;
}
