/** Query parameter helpers shared by the cluster routes. */

/** Docker's BoolValue: anything but empty, `0`, `no`, `false` or `none` is true. */
export function boolQuery(query: URLSearchParams, name: string): boolean {
  const value = (query.get(name) ?? '').trim().toLowerCase();
  return !['', '0', 'no', 'false', 'none'].includes(value);
}
