/**
 * @module ReadOnly: the leader's queue of ReadIndex requests waiting for a heartbeat quorum.
 */
import type { Message, NodeId } from './types.js';

/** One read request: served at `index` once a quorum acknowledged a heartbeat carrying its context. */
export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

function key(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString('latin1');
}

/**
 * ReadOnly queues read requests in arrival order. A heartbeat quorum for one request also confirms every
 * earlier one, so `advance` releases the whole prefix.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Queues `req` (its context must be unique) to be served at `index`. */
  addRequest(index: number, req: Message): void {
    const k = key(req.context);
    if (this.pending.has(k)) return;
    this.pending.set(k, { req, index, acks: new Set() });
    this.queue.push(k);
  }

  /** Records that `id` acknowledged the heartbeat with `ctx`; returns the acks so far. */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | undefined {
    const rs = this.pending.get(key(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Releases the request with `ctx` and every request queued before it. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const i = this.queue.indexOf(key(ctx));
    if (i < 0) return [];
    const released = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    return released.map((k) => {
      const rs = this.pending.get(k)!;
      this.pending.delete(k);
      return rs;
    });
  }

  /** The context of the newest pending request, to attach to heartbeats. */
  lastPendingContext(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)!.req.context;
  }

  size(): number {
    return this.queue.length;
  }
}
