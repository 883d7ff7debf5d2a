/**
 * Finding an object the way the Docker daemon does (daemon/cluster/helpers.go): by full id, then by exact
 * name, then by id prefix; several prefix matches are ambiguous.
 */
import type {
  NetworkObject,
  NodeObject,
  SecretObject,
  ServiceObject,
  TaskObject,
} from '../../store/objects.js';
import type { ReadTx } from '../../store/transaction.js';
import { invalidParameter, notFoundError } from './errors.js';

export function byIdNameOrPrefix<T extends { ID: string }>(
  kind: string,
  input: string,
  byId: (id: string) => T | undefined,
  all: () => T[],
  nameOf: (object: T) => string,
): T {
  const exact = byId(input);
  if (exact) return exact;
  const candidates = all();
  const named = candidates.filter((object) => nameOf(object) === input);
  if (named.length === 1) return named[0];
  const prefixed = input === '' ? [] : candidates.filter((object) => object.ID.startsWith(input));
  if (prefixed.length === 0 && named.length === 0) throw notFoundError(`${kind} ${input} not found`);
  const matches = prefixed.length > 0 ? prefixed : named;
  if (matches.length > 1) {
    throw invalidParameter(`${kind} ${input} is ambiguous (${matches.length} matches found)`);
  }
  return matches[0];
}

export function findService(tx: ReadTx, input: string): ServiceObject {
  return byIdNameOrPrefix(
    'service',
    input,
    (id) => tx.get('services', id),
    () => tx.list('services'),
    (s) => s.Spec.Name,
  );
}

export function findNetwork(tx: ReadTx, input: string): NetworkObject {
  return byIdNameOrPrefix(
    'network',
    input,
    (id) => tx.get('networks', id),
    () => tx.list('networks'),
    (n) => n.Spec.Name,
  );
}

export function findTask(tx: ReadTx, input: string): TaskObject {
  return byIdNameOrPrefix(
    'task',
    input,
    (id) => tx.get('tasks', id),
    () => tx.list('tasks'),
    (t) => (t.Name ? `${t.Name}.${t.ID}` : ''),
  );
}

/** Nodes go by id, hostname, or id prefix. */
export function findNode(tx: ReadTx, input: string): NodeObject {
  return byIdNameOrPrefix(
    'node',
    input,
    (id) => tx.get('nodes', id),
    () => tx.list('nodes'),
    (n) => n.Description.Hostname ?? '',
  );
}

export function findSecret(tx: ReadTx, input: string): SecretObject {
  return byIdNameOrPrefix(
    'secret',
    input,
    (id) => tx.get('secrets', id),
    () => tx.list('secrets'),
    (s) => s.Spec.Name,
  );
}
