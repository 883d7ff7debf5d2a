import type { EventEmitter } from 'node:events';
import type { ContainerInfo } from '../agent/executor/types.js';
import type { EventsHub } from './events-hub.js';

/** Publishes Docker's container events (create, start, die, health_status, destroy) for the executor's changes. */
export function publishContainerEvents(executor: EventEmitter, hub: EventsHub): void {
  const last = new Map<string, { state: string; health?: string; info: ContainerInfo }>();
  const publish = (info: ContainerInfo, action: string, extra: Record<string, string> = {}) =>
    hub.publish({
      Type: 'container',
      Action: action,
      Actor: { ID: info.id, Attributes: { ...info.labels, image: info.image, name: info.name, ...extra } },
      scope: 'local',
    });
  executor.on('change', (info: ContainerInfo) => {
    const before = last.get(info.id);
    const health = info.health?.status;
    last.set(info.id, { state: info.state, health, info });
    if (!before) publish(info, 'create');
    if (info.state === 'running' && before?.state !== 'running') publish(info, 'start');
    if ((info.state === 'exited' || info.state === 'dead') && before?.state === 'running') {
      publish(info, 'die', { exitCode: String(info.exitCode ?? -1) });
    }
    if (health && health !== before?.health) publish(info, `health_status: ${health}`);
  });
  executor.on('remove', (id: string) => {
    const before = last.get(id);
    last.delete(id);
    if (before) publish(before.info, 'destroy');
  });
}
