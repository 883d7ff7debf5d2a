/**
 * Serializes an API response. Keys starting with `_` are the managers' internal fields (see
 * `orchestrator/store/objects.ts`) and never leave the node.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (key, v) => (key.startsWith('_') ? undefined : v));
}
