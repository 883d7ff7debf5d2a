import type { Store } from '../store/store.js';

/** What role reconciliation needs of the manager. */
export interface RoleManagerHost {
  members(): { nodeId: string }[];
  removeMember(nodeId: string): Promise<void>;
  transferLeadership(): Promise<void>;
  /** Calls `listener` when the Raft membership (or leadership) may have changed; returns how to stop. */
  onStatusChange(listener: () => void): () => void;
}

/** How long to wait before retrying a membership change that failed (e.g. it would lose quorum). */
const retryMs = 1_000;

/**
 * Leader loop: keeps the Raft membership in line with the nodes' roles. A demoted node leaves the Raft group
 * (the leader hands leadership over first when it demotes itself); a promoted node joins by itself once it
 * holds a manager certificate (it asks the leader, see Manager.addMember), and asks again if a demotion in
 * between took its membership away.
 *
 * One pass at a time, each from the latest state: when a node is demoted, promoted and demoted again, the
 * passes converge on its latest role whatever the order in which the changes are seen. A failed change is
 * retried until it holds or the node's role changes back.
 */
export async function reconcileRoles(
  store: Store,
  host: RoleManagerHost,
  selfId: string,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  let dirty = true;
  let wake: (() => void) | undefined;
  let retry: NodeJS.Timeout | undefined;
  const kick = () => {
    dirty = true;
    wake?.();
  };
  const stopWatching = host.onStatusChange(kick);
  const watching = (async () => {
    for await (const change of store.watch(signal)) {
      if (change.reset || change.events.some((e) => e.table === 'nodes')) kick();
    }
  })();
  signal.addEventListener('abort', () => wake?.(), { once: true });
  try {
    while (!signal.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      dirty = false;
      const pending = await reconcileOnce(store, host, selfId, log);
      if (pending && !retry && !signal.aborted) {
        retry = setTimeout(() => {
          retry = undefined;
          kick();
        }, retryMs);
        retry.unref();
      }
    }
  } finally {
    clearTimeout(retry);
    stopWatching();
    await watching.catch(() => {});
  }
}

/** One pass: removes the demoted nodes that are still Raft members. Resolves true if one must be retried. */
async function reconcileOnce(
  store: Store,
  host: RoleManagerHost,
  selfId: string,
  log: (line: string) => void,
): Promise<boolean> {
  let pending = false;
  const members = new Set(host.members().map((m) => m.nodeId));
  const demoted = store
    .view((tx) => tx.list('nodes'))
    .filter((node) => node.Spec.Role === 'worker' && members.has(node.ID))
    .map((node) => node.ID);
  for (const nodeId of demoted) {
    // Checked again just before acting: the node may have been promoted back while an earlier change ran.
    if (store.view((tx) => tx.get('nodes', nodeId))?.Spec.Role !== 'worker') continue;
    if (!host.members().some((m) => m.nodeId === nodeId)) continue;
    try {
      if (nodeId === selfId) {
        await host.transferLeadership();
        log(`node ${nodeId} (this leader) was demoted: leadership handed over, the new leader removes it`);
        return false;
      }
      await host.removeMember(nodeId);
      log(`node ${nodeId} was demoted: it left the managers' Raft group`);
    } catch (error) {
      log(`cannot remove demoted node ${nodeId} from Raft yet, retrying: ${(error as Error).message}`);
      pending = true;
    }
  }
  return pending;
}
