/**
 * Runs at most one rolling update per service (SwarmKit's update.Supervisor). The orchestrators hand it a
 * service's slots on every reconciliation; an update already working towards the same spec goes on, one for an
 * older spec is cancelled and replaced.
 */
import type { ServiceObject } from '../../../store/objects.js';
import type { Store } from '../../../store/store.js';
import { deepEqual } from '../deep-equal.js';
import { type LoopLogger, warn } from '../loop-utils.js';
import type { RestartSupervisor } from '../restart.js';
import { type Slot, Updater } from './updater.js';

export class UpdateSupervisor {
  private readonly updates = new Map<string, Updater>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly restarts: RestartSupervisor,
    private readonly log: LoopLogger = warn,
  ) {}

  /** Brings the runnable `slots` of `service` to its current spec, as a rolling update. */
  update(service: ServiceObject, slots: Slot[]): void {
    if (this.stopped) return;
    const running = this.updates.get(service.ID);
    if (running) {
      if (deepEqual(running.service.Spec, service.Spec)) return;
      running.cancel();
    }
    const updater = new Updater(this.store, this.restarts, service, this.log);
    this.updates.set(service.ID, updater);
    void updater.run(slots).finally(() => {
      if (this.updates.get(service.ID) === updater) this.updates.delete(service.ID);
    });
  }

  /** True while an update of the service runs. */
  isUpdating(serviceId: string): boolean {
    return this.updates.has(serviceId);
  }

  /** Cancels the update of a removed service. */
  cancel(serviceId: string): void {
    this.updates.get(serviceId)?.cancel();
  }

  /** Cancels every update and waits for them to stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.updates.values()];
    for (const updater of running) updater.cancel();
    await Promise.all(running.map((updater) => updater.done));
  }
}
