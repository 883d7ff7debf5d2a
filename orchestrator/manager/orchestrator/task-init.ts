/** What the orchestrators do with existing tasks when they start (SwarmKit's orchestrator/taskinit). */
import type { ServiceObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { rankOf, stateRank } from '../../store/task-states.js';
import type { LoopLogger } from './loop-utils.js';
import { nanosToMs } from './loop-utils.js';
import { defaultRestartDelayMs, isInvalidNode, type RestartSupervisor } from './restart.js';

/**
 * Looks at the runnable tasks of the services `owns` accepts: resumes the delayed start of replacements a
 * previous leader left waiting (desired state `ready`), and returns the tasks to restart: those that ended
 * and, if `restartOnInvalidNode`, those whose node is gone, down or drained.
 */
export function fixTasksAtStart(
  store: Store,
  restarts: RestartSupervisor,
  owns: (service: ServiceObject | undefined) => boolean,
  restartOnInvalidNode = true,
): string[] {
  const toRestart: string[] = [];
  const now = Date.now();
  store.view((tx) => {
    for (const task of tx.list('tasks')) {
      if (stateRank(task.DesiredState) > rankOf.running) continue;
      if (!owns(tx.get('services', task.ServiceID))) continue;
      const stopped = stateRank(task.Status.State) > rankOf.running;
      if (task.DesiredState === 'ready' && !stopped) {
        if (!restarts.isDelayed(task.ID)) {
          const policyDelay = task.Spec.RestartPolicy?.Delay;
          const delayMs = policyDelay === undefined ? defaultRestartDelayMs : nanosToMs(policyDelay);
          const remaining = Math.min(delayMs, Date.parse(task.Status.Timestamp) + delayMs - now);
          void restarts.delayStart(undefined, task.ID, Math.max(0, remaining), false);
        }
        continue;
      }
      const node = task.NodeID ? tx.get('nodes', task.NodeID) : undefined;
      if (stopped || (restartOnInvalidNode && task.NodeID && isInvalidNode(node))) toRestart.push(task.ID);
    }
  });
  return toRestart;
}

/** Sets every task of a removed service to desired state `remove`; the task reaper deletes them once stopped. */
export async function setTasksRemoved(store: Store, serviceId: string, log: LoopLogger): Promise<void> {
  const tasks = store.view((tx) => tx.tasksByService(serviceId));
  const errors = await store.batch((batch) => {
    for (const original of tasks) {
      batch.update((tx) => {
        const task = tx.get('tasks', original.ID);
        if (task && stateRank(task.DesiredState) < rankOf.remove) {
          tx.update('tasks', { ...task, DesiredState: 'remove' });
        }
      });
    }
  });
  for (const error of errors) log(`could not remove a task of service ${serviceId}`, error);
}
