/**
 * @module The Transport interface: how a RaftNode exchanges messages with the other members.
 */
import type { Message, NodeId } from '../types.js';

/** What a transport reports besides messages. */
export interface TransportEvents {
  /** Sending to `peer` failed (no connection): the leader stops pipelining to it until it answers again. */
  unreachable?(peer: NodeId): void;
  /** A snapshot to `peer` was fully written (ok) or lost (not ok). */
  snapshotStatus?(peer: NodeId, ok: boolean): void;
}

/**
 * Transport delivers messages between members, best effort: it may drop (Raft retransmits) but must not
 * corrupt, and must preserve the order of messages to one peer as far as it delivers them.
 */
export interface Transport {
  /** Starts delivering incoming messages to `handler`. */
  start(handler: (msg: Message) => void, events?: TransportEvents): void;
  /** Sends `msg` to member `to` (never blocks). */
  send(to: NodeId, msg: Message): void;
  /** Writes out what send() queued (optional: a transport may batch sends until the current task ends). */
  flush?(): void;
  /** Sets (or changes) the address of member `id`. */
  setPeer(id: NodeId, addr: string): void;
  removePeer(id: NodeId): void;
  /** Whether member `id` is currently connected (for status reports). */
  reachable?(id: NodeId): boolean;
  close(): Promise<void>;
}
