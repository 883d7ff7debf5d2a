/** A node's role as the Engine API names it. */
export type NodeRole = 'manager' | 'worker';

/** Certificate OU of a manager (SwarmKit's `ManagerRole`). */
export const MANAGER_OU = 'swarm-manager';
/** Certificate OU of a worker (SwarmKit's `WorkerRole`). */
export const WORKER_OU = 'swarm-worker';
/** Common name of the cluster's root CA, and the extra DNS name every manager certificate carries. */
export const CA_NAME = 'swarm-ca';

/** The certificate OU for a role. */
export function roleToOU(role: NodeRole): string {
  return role === 'manager' ? MANAGER_OU : WORKER_OU;
}

/** The role a certificate OU stands for, or undefined for anything else. */
export function ouToRole(ou: string | undefined): NodeRole | undefined {
  if (ou === MANAGER_OU) return 'manager';
  if (ou === WORKER_OU) return 'worker';
  return undefined;
}
