import type { TaskState } from '../api/engine-types.js';

/**
 * Task states in SwarmKit's order (api/types.proto): a task only ever moves forward through them. The manager
 * writes `DesiredState`, the agent reports `Status.State`.
 */
export const taskStates: readonly TaskState[] = [
  'new',
  'allocated',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
];

const rank = new Map<TaskState, number>(taskStates.map((state, i) => [state, i]));

/** The position of a state in the task state machine (unknown states rank before `new`). */
export function stateRank(state: TaskState | undefined): number {
  return state === undefined ? -1 : (rank.get(state) ?? -1);
}

/** Compares two task states by their position in the lifecycle. */
export function compareTaskStates(a: TaskState | undefined, b: TaskState | undefined): number {
  return stateRank(a) - stateRank(b);
}

/** `a` comes before `b` in the state machine. */
export function isBefore(a: TaskState | undefined, b: TaskState): boolean {
  return stateRank(a) < stateRank(b);
}

/** `a` comes after `b` in the state machine. */
export function isAfter(a: TaskState | undefined, b: TaskState): boolean {
  return stateRank(a) > stateRank(b);
}

/** True for states at or before `running`: the task still runs, or is on its way to. */
export function isRunnableState(state: TaskState | undefined): boolean {
  return stateRank(state) <= rankOf.running;
}

/** A task in one of these states (complete, shutdown, failed, rejected, ...) has stopped for good. */
export function isTerminal(state: TaskState | undefined): boolean {
  return stateRank(state) > rankOf.running;
}

/** True if `value` names a task state. */
export function isTaskState(value: string): value is TaskState {
  return rank.has(value as TaskState);
}

/** Ranks of the states the loops compare against most. */
export const rankOf = {
  new: rank.get('new')!,
  pending: rank.get('pending')!,
  assigned: rank.get('assigned')!,
  ready: rank.get('ready')!,
  running: rank.get('running')!,
  shutdown: rank.get('shutdown')!,
  remove: rank.get('remove')!,
} as const;
