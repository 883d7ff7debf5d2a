/**
 * The node's event stream (`GET /events`, `docker events`): container events from the executor and, on
 * managers, swarm events from the replicated store (every manager has the store, so no forwarding).
 */
import type { EventMessage } from '../api/engine-types.js';
import type { StoreEvent } from '../store/watch.js';

/** How many past events `since` can reach back to. */
export const eventHistory = 1000;

type Listener = (event: EventMessage) => void;

export class EventsHub {
  private readonly history: EventMessage[] = [];
  private readonly listeners = new Set<Listener>();

  publish(event: Omit<EventMessage, 'time' | 'timeNano'>, at = Date.now()): void {
    const full: EventMessage = { ...event, time: Math.floor(at / 1000), timeNano: at * 1_000_000 };
    this.history.push(full);
    if (this.history.length > eventHistory) this.history.shift();
    for (const listener of this.listeners) listener(full);
  }

  /** Past events at or after `since` (ms), then live ones through `listener`; returns an unsubscribe. */
  subscribe(listener: Listener, since?: number): () => void {
    if (since !== undefined) {
      for (const event of this.history) if ((event.timeNano ?? 0) / 1e6 >= since) listener(event);
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const swarmTypes = { services: 'service', nodes: 'node', secrets: 'secret', networks: 'network' } as const;

/** The swarm event Docker's managers emit for one store change (none for tasks and the cluster object). */
export function swarmEvent(change: StoreEvent): Omit<EventMessage, 'time' | 'timeNano'> | undefined {
  const type = (swarmTypes as Record<string, EventMessage['Type']>)[change.table];
  if (!type) return undefined;
  const object = change.object as {
    ID: string;
    Spec?: { Name?: string };
    Description?: { Hostname?: string };
  };
  const name = change.table === 'nodes' ? (object.Description?.Hostname ?? '') : (object.Spec?.Name ?? '');
  const attributes: Record<string, string> = { name };
  if (change.table === 'nodes' && change.action === 'update' && change.previous) {
    const before = change.previous as typeof change.object & {
      Spec: { Role: string; Availability: string };
      Status: { State: string };
    };
    const after = change.object as typeof before;
    if (before.Spec.Role !== after.Spec.Role)
      Object.assign(attributes, { 'role.old': before.Spec.Role, 'role.new': after.Spec.Role });
    if (before.Spec.Availability !== after.Spec.Availability) {
      Object.assign(attributes, {
        'availability.old': before.Spec.Availability,
        'availability.new': after.Spec.Availability,
      });
    }
    if (before.Status.State !== after.Status.State)
      Object.assign(attributes, { 'state.old': before.Status.State, 'state.new': after.Status.State });
  }
  const action = change.action === 'delete' ? 'remove' : change.action;
  return { Type: type, Action: action, Actor: { ID: object.ID, Attributes: attributes }, scope: 'swarm' };
}
