import { badRequest } from './errors.js';

/** Docker's `filters` query parameter: each key maps to the set of values given for it. */
export type Filters = Map<string, string[]>;

/**
 * Parses `filters` in both of Docker's encodings, `{"name":{"web":true}}` and the legacy `{"name":["web"]}`,
 * refusing keys outside `allowed` with Docker's message.
 */
export function parseFilters(raw: string | null, allowed: readonly string[]): Filters {
  const filters: Filters = new Map();
  if (!raw) return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`invalid filter: filters must be JSON such as {"name":{"web":true}}, got ${raw}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest(`invalid filter: filters must be a JSON object such as {"name":{"web":true}}`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!allowed.includes(key)) throw badRequest(`invalid filter '${key}'`);
    let values: string[];
    if (Array.isArray(value)) values = value.map(String);
    else if (value !== null && typeof value === 'object') {
      values = Object.entries(value)
        .filter(([, on]) => on === true)
        .map(([v]) => v);
    } else throw badRequest(`invalid filter '${key}': values must be an object or a list`);
    filters.set(key, values);
  }
  return filters;
}

/** True when the filter has no values for `key`, or one of them satisfies `test`. */
export function matchesFilter(filters: Filters, key: string, test: (value: string) => boolean): boolean {
  const values = filters.get(key);
  return values === undefined || values.length === 0 || values.some(test);
}

/** Docker's `label` filter: `key` or `key=value` against a label map. */
export function matchesLabels(
  filters: Filters,
  labels: Record<string, string> | undefined,
  key = 'label',
): boolean {
  const wanted = filters.get(key);
  if (!wanted || wanted.length === 0) return true;
  return wanted.every((expr) => {
    const at = expr.indexOf('=');
    if (at < 0) return labels !== undefined && expr in labels;
    return labels?.[expr.slice(0, at)] === expr.slice(at + 1);
  });
}
