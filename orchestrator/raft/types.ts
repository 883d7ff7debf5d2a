/**
 * @module The data the Raft core exchanges with its caller: log entries, hard state, configuration,
 * snapshots and messages. Plain objects only; the binary encodings live in `codec/`.
 */

/** A member's id: the swarm node id (any non-empty string). */
export type NodeId = string;

/** None is the empty id: "no leader", "no vote". */
export const None: NodeId = '';

/** What an entry carries: application data, or a membership change (see `confchange/`). */
export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

/** One log entry. `index` and `term` identify it; `data` is opaque to the core. */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** The state that must be durable before any message that depends on it leaves the node. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

/** The membership: voters count for quorum, learners only receive the log. Every member has an address. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  addrs: Record<NodeId, string>;
}

/** What a snapshot covers: every entry up to `index` (whose term is `term`), and the membership then. */
export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

/** A snapshot: the state machine's bytes at `meta.index`. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** The kinds of message Raft nodes exchange. Values are part of the wire format: only append. */
export enum MessageType {
  /** Append entries (Figure 2 AppendEntries RPC); also carries the commit index. */
  App = 1,
  AppResp = 2,
  Vote = 3,
  VoteResp = 4,
  PreVote = 5,
  PreVoteResp = 6,
  /** Install a snapshot on a follower that is too far behind. */
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  /** Tells the leadership transferee to campaign now, without waiting for its election timeout. */
  TimeoutNow = 10,
  /** A proposal forwarded to the leader (term 0: treated as local). */
  Prop = 11,
  /** A linearizable read request, forwarded to the leader. */
  ReadIndex = 12,
  ReadIndexResp = 13,
  /** A request for leadership transfer, forwarded to the leader. */
  TransferLeader = 14,
}

/** A message between nodes. Fields a message type does not use are zero or empty. */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** App: term of the entry before `entries`; Vote: candidate's last term; rejected AppResp: hint term. */
  logTerm: number;
  /** App: index of the entry before `entries`; Vote: candidate's last index; AppResp: acknowledged index. */
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  /** Vote/PreVote sent because of a leadership transfer: bypasses the leader lease. */
  transfer: boolean;
  /** ReadIndex request id, echoed through heartbeats. Empty when unused. */
  context: Uint8Array;
  snapshot?: Snapshot;
}

/** The roles of a node. */
export enum StateType {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

/** Volatile state the caller may want to observe (leader and role). */
export interface SoftState {
  lead: NodeId;
  state: StateType;
}

/** The outcome of a linearizable read request: reads may be served once applied >= index. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

const emptyBytes = new Uint8Array(0);

/** A message with every field defaulted, so call sites name only what they use. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    from: None,
    to: None,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    transfer: false,
    context: emptyBytes,
    ...fields,
  };
}

/** An empty hard state: term 0, no vote, nothing committed. */
export const emptyHardState: HardState = Object.freeze({ term: 0, vote: None, commit: 0 });

/** True when both hard states are equal. */
export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** The response type for a vote request type. */
export function voteRespType(type: MessageType): MessageType {
  return type === MessageType.PreVote ? MessageType.PreVoteResp : MessageType.VoteResp;
}

/** Approximate size of an entry in bytes, for flow control. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}

/** An empty configuration. */
export function emptyConfState(): ConfState {
  return { voters: [], learners: [], addrs: {} };
}
