import type { Node, NodeSpec } from '../../api/engine-types.js';
import { badRequest } from '../../api/errors.js';
import { type Filters, matchesFilter, matchesLabels } from '../../api/filters.js';
import type { NodeAvailability, NodeObject, NodeRole } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { failedPrecondition } from './errors.js';
import { findNode } from './lookup.js';
import type { ManagerMembership } from './membership.js';

export const nodeFilterKeys = ['id', 'label', 'membership', 'name', 'node.label', 'role'] as const;

/** A node as the API shows it: ManagerStatus comes from the Raft membership, not from the store. */
export function nodeView(node: NodeObject, membership: ManagerMembership): Node {
  const member = membership.members().find((m) => m.nodeId === node.ID);
  const { Spec, ...rest } = node;
  const view: Node = { ...rest, Spec: { ...Spec, Labels: { ...Spec.Labels } } };
  if (member) {
    view.ManagerStatus = {
      ...(member.leader ? { Leader: true } : {}),
      // A new manager is "unknown" until it has caught up and votes.
      Reachability: !member.voter ? 'unknown' : member.reachable ? 'reachable' : 'unreachable',
      Addr: member.addr,
    };
  }
  return view;
}

export function listNodes(store: Store, filters: Filters, membership: ManagerMembership): Node[] {
  // Docker's texts (daemon/cluster/filters.go) for values that can never match.
  for (const role of filters.get('role') ?? []) {
    if (role !== '' && !roles.includes(role as NodeRole)) {
      throw badRequest(`Invalid role filter: '${role}' (use "manager" or "worker")`);
    }
  }
  for (const value of filters.get('membership') ?? []) {
    if (value !== '' && !['accepted', 'pending'].includes(value)) {
      throw badRequest(`Invalid membership filter: '${value}' (use "accepted" or "pending")`);
    }
  }
  const nodes = store.view((tx) => tx.list('nodes'));
  return nodes
    .filter(
      (n) =>
        matchesFilter(filters, 'id', (v) => n.ID.startsWith(v)) &&
        matchesFilter(filters, 'name', (v) => n.Description.Hostname?.startsWith(v) ?? false) &&
        matchesFilter(filters, 'role', (v) => n.Spec.Role === v) &&
        matchesFilter(filters, 'membership', (v) => v === 'accepted') &&
        matchesLabels(filters, n.Spec.Labels, 'node.label') &&
        matchesLabels(filters, labelMap(n.Description.Engine?.Labels), 'label'),
    )
    .sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt))
    .map((n) => nodeView(n, membership));
}

function labelMap(labels: Record<string, string> | undefined): Record<string, string> {
  return labels ?? {};
}

const roles: readonly NodeRole[] = ['worker', 'manager'];
const availabilities: readonly NodeAvailability[] = ['active', 'pause', 'drain'];

/** Checks a NodeSpec from a client; returns it normalized. */
export function validateNodeSpec(spec: unknown): {
  Labels: Record<string, string>;
  Role: NodeRole;
  Availability: NodeAvailability;
  Name?: string;
} {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw badRequest('invalid node spec: expected a JSON object with Role, Availability and Labels');
  }
  const { Role, Availability, Labels, Name } = spec as NodeSpec;
  if (!roles.includes(Role as NodeRole)) {
    throw badRequest(`invalid role "${String(Role)}": must be one of "worker" or "manager"`);
  }
  if (!availabilities.includes(Availability as NodeAvailability)) {
    throw badRequest(
      `invalid availability "${String(Availability)}": must be one of "active", "pause" or "drain"`,
    );
  }
  if (Labels !== undefined && Labels !== null) {
    if (
      typeof Labels !== 'object' ||
      Array.isArray(Labels) ||
      Object.values(Labels).some((v) => typeof v !== 'string')
    ) {
      throw badRequest('invalid labels: expected an object of string values, e.g. {"zone": "a"}');
    }
  }
  if (Name !== undefined && typeof Name !== 'string') throw badRequest('invalid name: expected a string');
  return {
    Role: Role as NodeRole,
    Availability: Availability as NodeAvailability,
    Labels: { ...(Labels ?? {}) },
    ...(Name ? { Name } : {}),
  };
}

/** `POST /nodes/{id}/update?version=N`, with SwarmKit's demotion safeguards. */
export async function updateNode(
  store: Store,
  ref: string,
  version: number,
  spec: unknown,
  membership: ManagerMembership,
): Promise<void> {
  const next = validateNodeSpec(spec);
  await store.update((tx) => {
    const node = findNode(tx, ref);
    if (node.Spec.Role === 'manager' && next.Role === 'worker') {
      const managers = tx.list('nodes').filter((n) => n.Spec.Role === 'manager');
      if (managers.length === 1 && managers[0].ID === node.ID) {
        throw failedPrecondition('attempting to demote the last manager of the swarm');
      }
      if (membership.members().some((m) => m.nodeId === node.ID) && !membership.canRemove(node.ID)) {
        throw failedPrecondition("can't remove member from the raft: this would result in a loss of quorum");
      }
    }
    tx.update('nodes', { ...node, Version: { Index: version }, Spec: { ...node.Spec, ...next } });
  });
}

/** `DELETE /nodes/{id}?force=1`, with Docker's rules; the removed node's certificate is refused from then on. */
export async function removeNode(
  store: Store,
  ref: string,
  force: boolean,
  membership: ManagerMembership,
): Promise<void> {
  await store.update((tx) => {
    const node = findNode(tx, ref);
    if (node.Spec.Role === 'manager' && membership.members().some((m) => m.nodeId === node.ID)) {
      throw failedPrecondition(
        `node ${node.ID} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
      );
    }
    if (!force && node.Status.State === 'ready') {
      throw failedPrecondition(`node ${node.ID} is not down and can't be removed`);
    }
    const cluster = tx.list('clusters')[0];
    if (cluster) {
      tx.update('clusters', { ...cluster, _removedNodes: [...(cluster._removedNodes ?? []), node.ID] });
    }
    tx.delete('nodes', node.ID);
  });
}
