/**
 * How the store replicates a transaction. The store never imports Raft: the daemon hands it a proposer backed by
 * the Raft node, whose committed entries come back through `Store.apply`.
 */
export interface Proposer {
  /** Replicates `data`; resolves once the entry is committed and `Store.apply` has run for it locally. */
  propose(data: Uint8Array): Promise<unknown>;
}

/** Something committed entries can be applied to (the store). */
export interface Applier {
  apply(index: number, data: Uint8Array): void;
}

/**
 * A proposer for a store that lives in one process only (benchmarks, a single manager's unit tests):
 * entries commit at once, in order, with consecutive indexes.
 */
export class LocalProposer implements Proposer {
  private index = 0;

  constructor(private readonly target: Applier) {}

  async propose(data: Uint8Array): Promise<void> {
    this.index += 1;
    this.target.apply(this.index, data);
  }
}
