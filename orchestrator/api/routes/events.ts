import type { EventsHub } from '../../events/events-hub.js';
import type { EventMessage } from '../engine-types.js';
import { badRequest } from '../errors.js';
import { parseFilters } from '../filters.js';
import { type Router, streamed } from '../router.js';

export const eventFilterKeys = [
  'type',
  'event',
  'container',
  'service',
  'node',
  'secret',
  'network',
  'scope',
  'label',
] as const;

function timeParam(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds))
    throw badRequest(`invalid value for "${name}": ${value} (use a Unix timestamp)`);
  return seconds * 1000;
}

/** `GET /events`: past events since `since`, then live ones until `until` or the client leaves. */
export function registerEventRoutes(router: Router, hub: EventsHub): void {
  router.get('/events', async (req) => {
    const filters = parseFilters(req.query.get('filters'), eventFilterKeys);
    const since = timeParam(req.query.get('since'), 'since');
    const until = timeParam(req.query.get('until'), 'until');
    const matches = (event: EventMessage) => {
      const wanted = (key: string, value: string | undefined) => {
        const values = filters.get(key);
        return !values?.length || (value !== undefined && values.includes(value));
      };
      const actor = event.Actor?.ID ?? '';
      const name = event.Actor?.Attributes?.name;
      const byObject = (key: string) =>
        !filters.get(key)?.length || (event.Type === key && (wanted(key, actor) || wanted(key, name)));
      return (
        wanted('type', event.Type) &&
        wanted('event', event.Action?.split(':')[0]) &&
        wanted('scope', event.scope) &&
        ['container', 'service', 'node', 'secret', 'network'].every(byObject)
      );
    };
    const res = req.res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    await new Promise<void>((resolve) => {
      const send = (event: EventMessage) => {
        if (until !== undefined && (event.timeNano ?? 0) / 1e6 > until) return;
        if (matches(event)) res.write(`${JSON.stringify(event)}\n`);
      };
      const unsubscribe = hub.subscribe(send, since);
      const stop = () => {
        unsubscribe();
        resolve();
      };
      req.signal.addEventListener('abort', stop, { once: true });
      if (until !== undefined) setTimeout(stop, Math.max(0, until - Date.now()));
    });
    res.end();
    return streamed;
  });
}
