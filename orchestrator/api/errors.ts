import { NameConflictError, NotFoundError, SequenceConflictError, StoreError } from '../store/errors.js';

/** An error the Engine API answers with `status` and Docker's JSON body `{"message": ...}`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown; extra?: Record<string, unknown> },
  ) {
    super(message, options);
    this.extra = options?.extra;
  }

  /** More fields for the JSON body beside `message` (e.g. where the leader is). */
  readonly extra: Record<string, unknown> | undefined;
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const unavailable = (message: string) => new ApiError(503, message);

/** Docker's texts for requests a node cannot serve in its current swarm state (daemon/cluster/errors.go). */
export const swarmErrors = {
  notManager: () =>
    unavailable(
      'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
    ),
  workerNotManager: () =>
    unavailable(
      "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.",
    ),
  alreadyInSwarm: () =>
    unavailable(
      'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.',
    ),
  notInSwarm: () => unavailable('This node is not part of a swarm'),
  locked: () =>
    unavailable(
      'Swarm is encrypted and needs to be unlocked before it can be used. Please use "docker swarm unlock" to unlock it.',
    ),
  noLeader: () =>
    unavailable(
      "rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.",
    ),
};

/** Maps any error to the API error it is answered with. The one place where store errors meet HTTP. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof NotFoundError) return notFound(error.message);
  if (error instanceof NameConflictError) {
    return conflict(`rpc error: code = AlreadyExists desc = name conflicts with an existing object`);
  }
  if (error instanceof SequenceConflictError) {
    return badRequest('rpc error: code = Unknown desc = update out of sequence');
  }
  if (error instanceof StoreError) return badRequest(error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, message, { cause: error });
}
