/**
 * @module The public face of the Raft package, for the daemon: RaftNode, the transports, the errors and the
 * timing profiles. Everything else is internal.
 */

export {
  CorruptionError,
  MembershipError,
  NotLeaderError,
  ProposalDroppedError,
  RaftError,
  StoppedError,
  TimeoutError,
} from './errors.js';
export {
  type MemberStatus,
  type NodeStatus,
  RaftNode,
  type RaftNodeOptions,
  type Role,
  type StateMachine,
} from './node.js';
export { type Timing, type TimingOption, timingProfiles } from './timing.js';
export { TcpTransport, type TcpTransportOptions } from './transport/tcp-transport.js';
export type { Transport, TransportEvents } from './transport/transport.js';
export type { Message, NodeId } from './types.js';
export type { Codec } from './wal/wal.js';
