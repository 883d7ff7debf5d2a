import type { Store } from '../store/store.js';

/** What role reconciliation needs of the manager. */
export interface RoleManagerHost {
  members(): { nodeId: string }[];
  removeMember(nodeId: string): Promise<void>;
  transferLeadership(): Promise<void>;
}

/** How long to wait before retrying a membership change that failed (e.g. it would lose quorum). */
const retryMs = 1_000;

/**
 * Leader loop: keeps the Raft membership in line with the nodes' roles. A demoted node leaves the Raft group
 * (the leader hands leadership over first when it demotes itself); a promoted node joins by itself once it
 * holds a manager certificate (it asks the leader, see Manager.addMember).
 */
export async function reconcileRoles(
  store: Store,
  host: RoleManagerHost,
  selfId: string,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const reconcile = async () => {
    const nodes = store.view((tx) => tx.list('nodes'));
    const members = new Set(host.members().map((m) => m.nodeId));
    for (const node of nodes) {
      if (node.Spec.Role !== 'worker' || !members.has(node.ID)) continue;
      try {
        if (node.ID === selfId) await host.transferLeadership();
        else await host.removeMember(node.ID);
        log(`node ${node.ID} was demoted: it left the managers' Raft group`);
      } catch (error) {
        log(`cannot remove demoted node ${node.ID} from Raft yet: ${(error as Error).message}`);
        setTimeout(() => void reconcile(), retryMs).unref();
      }
    }
  };
  await reconcile();
  for await (const change of store.watch(signal)) {
    if (change.reset || change.events.some((e) => e.table === 'nodes')) await reconcile();
  }
}
