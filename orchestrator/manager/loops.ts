/**
 * The manager's control loops, as the Raft leader runs them (SwarmKit's manager.go): the allocator, the
 * replicated and global orchestrators with their restart and update supervisors, the task reaper and the
 * scheduler. Each follows the store on its own; together they turn services into placed tasks.
 */
import type { Store } from '../store/store.js';
import { Allocator } from './allocator/allocator.js';
import { GlobalOrchestrator } from './orchestrator/global.js';
import { type LoopLogger, warn } from './orchestrator/loop-utils.js';
import { ReplicatedOrchestrator } from './orchestrator/replicated.js';
import { RestartSupervisor } from './orchestrator/restart.js';
import { TaskReaper } from './orchestrator/task-reaper.js';
import { UpdateSupervisor } from './orchestrator/update/supervisor.js';
import { Scheduler } from './scheduler/scheduler.js';

export interface ManagerLoopOptions {
  /** Where the loops report failures they recover from (default: a process warning). */
  log?: LoopLogger;
  /** How long a restarted task waits for the task it replaces to stop (default 1 min). */
  oldTaskTimeoutMs?: number;
  /** Scheduler commit debounce gap (default 50 ms) and its upper bound (default 1 s). */
  commitDebounceGapMs?: number;
  maxLatencyMs?: number;
}

/**
 * Starts every manager loop on `store` (which must have a proposer: this node leads). Resolves once `signal`
 * aborted and every loop stopped.
 */
export async function startManagerLoops(
  store: Store,
  signal: AbortSignal,
  options: ManagerLoopOptions = {},
): Promise<void> {
  const log = options.log ?? warn;
  const restarts = new RestartSupervisor(store, { log, oldTaskTimeoutMs: options.oldTaskTimeoutMs });
  const updates = new UpdateSupervisor(store, restarts, log);
  const loops: [string, (signal: AbortSignal) => Promise<void>][] = [
    ['allocator', (s) => new Allocator(store, log).run(s)],
    ['replicated orchestrator', (s) => new ReplicatedOrchestrator(store, restarts, updates, log).run(s)],
    ['global orchestrator', (s) => new GlobalOrchestrator(store, restarts, updates, log).run(s)],
    ['task reaper', (s) => new TaskReaper(store, log).run(s)],
    [
      'scheduler',
      (s) =>
        new Scheduler(store, {
          log,
          commitDebounceGapMs: options.commitDebounceGapMs,
          maxLatencyMs: options.maxLatencyMs,
        }).run(s),
    ],
  ];
  await Promise.all(
    loops.map(async ([name, run]) => {
      try {
        await run(signal);
      } catch (error) {
        log(`${name} stopped unexpectedly`, error);
      }
    }),
  );
  restarts.stop();
  await updates.stop();
}
