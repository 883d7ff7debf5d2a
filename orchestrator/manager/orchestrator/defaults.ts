/**
 * SwarmKit's service defaults (api/defaults): what a spec field means when the client left it out, and what
 * `GET /services/{id}?insertDefaults=true` fills in. Durations are nanoseconds, as in the Engine API.
 */
import type { ServiceSpec } from '../../api/engine-types.js';

export type UpdateConfig = NonNullable<ServiceSpec['UpdateConfig']>;

const second = 1_000_000_000;

/** UpdateConfig and RollbackConfig defaults: one task at a time, pause on failure, 5 s monitor, stop-first. */
export const defaultUpdateConfig: Readonly<Required<UpdateConfig>> = Object.freeze({
  Parallelism: 1,
  Delay: 0,
  FailureAction: 'pause',
  Monitor: 5 * second,
  MaxFailureRatio: 0,
  Order: 'stop-first',
});

/** Restart policy default: restart on any exit, after 5 s, without limit. */
export const defaultRestartPolicy = Object.freeze({
  Condition: 'any' as const,
  Delay: 5 * second,
  MaxAttempts: 0,
});

/** How long a task gets to stop before it is killed. */
export const defaultStopGracePeriod = 10 * second;

/** The effective update (or rollback) configuration of a spec, defaults filled in. */
export function effectiveUpdateConfig(config: UpdateConfig | undefined): Required<UpdateConfig> {
  if (!config) return { ...defaultUpdateConfig };
  return {
    Parallelism: config.Parallelism ?? 0,
    Delay: config.Delay ?? 0,
    FailureAction: config.FailureAction ?? 'pause',
    Monitor: config.Monitor ? config.Monitor : defaultUpdateConfig.Monitor,
    MaxFailureRatio: config.MaxFailureRatio ?? 0,
    Order: config.Order ?? 'stop-first',
  };
}
