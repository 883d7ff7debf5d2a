/** What the control API needs to know of the managers' Raft group (the daemon adapts its Raft node to it). */
export interface ManagerMembership {
  /** Current Raft members with their addresses and health as the leader sees them. */
  /** `voter` is false while a new manager catches up as a learner. */
  members(): { nodeId: string; addr: string; leader: boolean; reachable: boolean; voter: boolean }[];
  /** Whether removing this member keeps a quorum of reachable voters. */
  canRemove(nodeId: string): boolean;
}
