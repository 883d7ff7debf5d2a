/**
 * `GET /services/{id}?insertDefaults=true`: the spec with what SwarmKit assumes for missing fields filled in
 * (api/defaults InterpolateService), as `docker service inspect` shows it.
 */
import type { ServiceSpec } from '../../api/engine-types.js';
import {
  defaultRestartPolicy,
  defaultStopGracePeriod,
  defaultUpdateConfig,
} from '../orchestrator/defaults.js';

function updateDefaults(config: ServiceSpec['UpdateConfig']): NonNullable<ServiceSpec['UpdateConfig']> {
  if (!config) {
    const { Delay: _delay, ...rest } = defaultUpdateConfig;
    return { ...rest };
  }
  return { ...config, Monitor: config.Monitor || defaultUpdateConfig.Monitor };
}

/** A copy of `spec` with Swarm's defaults in every field the client left out. */
export function withDefaults(spec: ServiceSpec): ServiceSpec {
  const template = spec.TaskTemplate ?? {};
  const container = template.ContainerSpec
    ? {
        ...template.ContainerSpec,
        StopGracePeriod: template.ContainerSpec.StopGracePeriod ?? defaultStopGracePeriod,
        DNSConfig: template.ContainerSpec.DNSConfig ?? {},
        Isolation: template.ContainerSpec.Isolation || 'default',
      }
    : undefined;
  const restart = template.RestartPolicy
    ? { ...template.RestartPolicy, Delay: template.RestartPolicy.Delay ?? defaultRestartPolicy.Delay }
    : { ...defaultRestartPolicy };
  return {
    ...spec,
    TaskTemplate: {
      ...template,
      ...(container ? { ContainerSpec: container } : {}),
      Resources: template.Resources ?? { Limits: {}, Reservations: {} },
      RestartPolicy: restart,
      Placement: template.Placement ?? {},
      ForceUpdate: template.ForceUpdate ?? 0,
      Runtime: template.Runtime || 'container',
    },
    UpdateConfig: updateDefaults(spec.UpdateConfig),
    RollbackConfig: updateDefaults(spec.RollbackConfig) as ServiceSpec['RollbackConfig'],
    EndpointSpec: spec.EndpointSpec
      ? { ...spec.EndpointSpec, Mode: spec.EndpointSpec.Mode || 'vip' }
      : { Mode: 'vip' },
  };
}
