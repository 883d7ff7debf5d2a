/**
 * Secrets (SwarmKit's controlapi/secret.go): the data is sealed with the cluster's data key when it is
 * stored and never comes back out of any endpoint; only nodes running a task that uses a secret receive it.
 */
import type { Secret } from '../../api/engine-types.js';
import { type Filters, matchesFilter, matchesLabels } from '../../api/filters.js';
import { seal } from '../../common/aead.js';
import { newObjectId } from '../../common/ids.js';
import type { SecretObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { alreadyExists, invalidArgument, invalidParameter } from './errors.js';
import { findSecret } from './lookup.js';

export const secretFilterKeys = ['id', 'label', 'name', 'names'] as const;

/** SwarmKit's limit on a secret's size (MaxSecretSize). */
export const maxSecretBytes = 500 * 1024;
const namePattern = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

/** A secret as the API shows it: meta and spec, never the data. */
export function secretView(secret: SecretObject): Secret {
  const { _sealedData: _data, ...rest } = secret;
  return { ...rest, Spec: { Name: secret.Spec.Name, Labels: { ...secret.Spec.Labels } } };
}

function validLabels(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (
    typeof labels !== 'object' ||
    Array.isArray(labels) ||
    Object.values(labels).some((v) => typeof v !== 'string')
  ) {
    throw invalidParameter('invalid labels: expected an object of string values, e.g. {"env": "prod"}');
  }
  return { ...(labels as Record<string, string>) };
}

/** `POST /secrets/create`: validates name and data, seals the data, stores the secret. */
export async function createSecret(store: Store, body: unknown): Promise<{ ID: string }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidParameter('invalid secret spec: expected a JSON object with Name and Data (base64)');
  }
  const { Name, Data, Labels, Driver } = body as {
    Name?: unknown;
    Data?: unknown;
    Labels?: unknown;
    Driver?: unknown;
  };
  if (typeof Name !== 'string' || Name.length === 0 || Name.length > 64 || !namePattern.test(Name)) {
    throw invalidArgument(
      `invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]`,
    );
  }
  if (Driver !== undefined && Driver !== null) {
    throw invalidArgument('secret drivers are not supported in swarmlab: give the secret data in Data');
  }
  if (typeof Data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(Data)) {
    throw invalidParameter('invalid secret data: Data must be the secret encoded in base64');
  }
  const data = Buffer.from(Data, 'base64');
  if (data.length === 0 || data.length > maxSecretBytes) {
    throw invalidArgument(`secret data must be larger than 0 and less than ${maxSecretBytes} bytes`);
  }
  const labels = validLabels(Labels);
  const ID = newObjectId();
  await store.update((tx) => {
    const cluster = tx.list('clusters')[0];
    if (!cluster) throw invalidParameter('the swarm is still initializing; try again in a moment');
    if (tx.byName('secrets', Name)) throw alreadyExists(`secret ${Name} already exists`);
    tx.create('secrets', {
      ID,
      Spec: { Name, Labels: labels },
      _sealedData: seal(Buffer.from(cluster._dataKey, 'base64'), data, Buffer.from(ID)).toString('base64'),
    });
  });
  return { ID };
}

export function listSecrets(store: Store, filters: Filters): Secret[] {
  return store
    .view((tx) => tx.list('secrets'))
    .filter(
      (s) =>
        matchesFilter(filters, 'id', (v) => s.ID.startsWith(v)) &&
        matchesFilter(filters, 'name', (v) => s.Spec.Name.startsWith(v)) &&
        matchesFilter(filters, 'names', (v) => s.Spec.Name === v) &&
        matchesLabels(filters, s.Spec.Labels),
    )
    .sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt))
    .map(secretView);
}

export function getSecret(store: Store, ref: string): Secret {
  return secretView(store.view((tx) => findSecret(tx, ref)));
}

/** `POST /secrets/{id}/update`: only the labels of a secret may change (its data never does). */
export async function updateSecret(store: Store, ref: string, version: number, body: unknown): Promise<void> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidParameter('invalid secret spec: expected a JSON object');
  }
  const spec = body as { Name?: unknown; Data?: unknown; Labels?: unknown };
  await store.update((tx) => {
    const secret = findSecret(tx, ref);
    if (
      (spec.Name !== undefined && spec.Name !== secret.Spec.Name) ||
      (spec.Data !== undefined && spec.Data !== '')
    ) {
      throw invalidArgument('only updates to Labels are allowed');
    }
    tx.update('secrets', {
      ...secret,
      Version: { Index: version },
      Spec: { ...secret.Spec, Labels: validLabels(spec.Labels) },
    });
  });
}

/** `DELETE /secrets/{id}`: refused while a service uses the secret, with Docker's message. */
export async function removeSecret(store: Store, ref: string): Promise<void> {
  await store.update((tx) => {
    const secret = findSecret(tx, ref);
    const users = tx
      .list('services')
      .filter((s) => s.Spec.TaskTemplate.ContainerSpec?.Secrets?.some((r) => r.SecretID === secret.ID))
      .map((s) => s.Spec.Name)
      .sort();
    if (users.length > 0) {
      throw invalidArgument(
        `secret '${secret.Spec.Name}' is in use by the following service${users.length > 1 ? 's' : ''}: ${users.join(', ')}`,
      );
    }
    tx.delete('secrets', secret.ID);
  });
}
