import type { TLSSocket } from 'node:tls';
import type { NodeDescription } from '../api/engine-types.js';
import { ApiError } from '../api/errors.js';
import { open as openSealed } from '../common/aead.js';
import { newObjectId } from '../common/ids.js';
import type { RaftNode } from '../raft/node.js';
import type { TcpTransport } from '../raft/transport/tcp-transport.js';
import type { NodeAvailability, NodeRole, SecretObject } from '../store/objects.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_NODE_CERT_EXPIRY_MS,
  JOIN_TOKEN_REJECTED_MESSAGE,
  type NodeTlsCredentials,
  type PeerIdentity,
  signNodeCertificate,
  tlsInfo,
  tokenRole,
} from './ca/index.js';
import type { ManagerMembership } from './controlapi/membership.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { nodeRemovedError } from './dispatcher/protocol.js';
import { openRaftGroup, type RaftStatus } from './raft-group.js';
import { reconcileRoles } from './role-manager.js';

/** The cluster's node certificate validity (nanoseconds in the spec) in milliseconds. */
function certExpiryMs(ns: number | undefined): number {
  return ns ? Math.round(ns / 1e6) : DEFAULT_NODE_CERT_EXPIRY_MS;
}

/** A node asks to join: its token, its certificate request and how it describes itself. */
export interface JoinRequest {
  token: string;
  csrPem: string;
  addr: string;
  clusterAddr: string;
  hostname: string;
  availability?: NodeAvailability | '';
  description?: NodeDescription;
}

export interface JoinAnswer {
  nodeId: string;
  clusterId: string;
  role: NodeRole;
  certPem: string;
  managers: { nodeId: string; addr: string }[];
}

export interface ManagerOptions {
  nodeId: string;
  /** `host:port` of this node's channel, where Raft peers reach it. */
  clusterAddr: string;
  raftDir: string;
  store: Store;
  dataKey: Buffer;
  profile: 'lab' | 'swarm';
  credentials(): NodeTlsCredentials;
  /** Heartbeat period override of the profile (labs), else the cluster's Dispatcher.HeartbeatPeriod. */
  heartbeatPeriodMs?: number;
  /** Leader-only loops of other subsystems (orchestrator, allocator, scheduler): started on leadership. */
  leaderLoops?: (store: Store, signal: AbortSignal) => Promise<void>;
  log(line: string): void;
}

/**
 * A manager: a member of the Raft group that replicates the store. On the leader it also runs the dispatcher,
 * the role reconciliation and the orchestration loops, and it signs certificates for joining nodes.
 */
export class Manager implements ManagerMembership {
  readonly store: Store;
  dispatcher: Dispatcher | undefined;
  private raft: RaftNode | undefined;
  private transport: TcpTransport | undefined;
  private leadership: { abort: AbortController; done: Promise<unknown> } | undefined;
  private readonly statusListeners = new Set<(status: RaftStatus) => void>();

  constructor(private readonly options: ManagerOptions) {
    this.store = options.store;
  }

  /** Opens Raft: a new one-member cluster (`bootstrap`), a restart from disk, or an empty member to be added. */
  async start(bootstrap: boolean): Promise<void> {
    const { raft, transport } = await openRaftGroup({
      nodeId: this.options.nodeId,
      dataDir: this.options.raftDir,
      store: this.store,
      credentials: this.options.credentials,
      profile: this.options.profile,
      dataKey: this.options.dataKey,
      clusterAddr: this.options.clusterAddr,
      bootstrap,
      log: this.options.log,
    });
    this.raft = raft;
    this.transport = transport;
    this.store.setProposer({ propose: (data) => raft.propose(data) });
    raft.on('status', () => this.onStatus());
    this.onStatus();
  }

  async stop(): Promise<void> {
    await this.stepDown();
    this.store.setProposer(undefined);
    await this.raft?.stop();
    await this.transport?.close();
    this.raft = undefined;
  }

  /** A Raft connection from another manager (the channel verified its manager certificate). */
  acceptRaftSocket(socket: TLSSocket): void {
    if (this.transport) this.transport.accept(socket);
    else socket.destroy();
  }

  status(): RaftStatus | undefined {
    return this.raft?.status();
  }

  isLeader(): boolean {
    return this.raft?.status().role === 'leader';
  }

  /** The leader's channel address, when this manager knows one. */
  leaderAddr(): string | undefined {
    const status = this.raft?.status();
    return status?.members.find((m) => m.id === status.leaderId)?.addr;
  }

  onStatusChange(listener: (status: RaftStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Resolves once this manager is the leader (a new one-member swarm elects itself at once). */
  waitForLeadership(timeoutMs: number): Promise<void> {
    return this.pollUntil(() => this.isLeader(), timeoutMs, 'this manager did not become the leader in time');
  }

  /** Resolves once this manager knows the Raft group's leader (after a restart or an unlock). */
  waitForLeader(timeoutMs: number): Promise<void> {
    return this.pollUntil(
      () => Boolean(this.raft?.status().leaderId),
      timeoutMs,
      'this manager found no leader in time: check that more than half of the managers are online',
    );
  }

  /** Resolves once this manager votes in the Raft group and knows its leader (a manager joining). */
  waitForVoter(timeoutMs: number): Promise<void> {
    return this.pollUntil(
      () => {
        const status = this.raft?.status();
        return Boolean(
          status?.leaderId && status.members.some((m) => m.id === this.options.nodeId && m.voter),
        );
      },
      timeoutMs,
      'joined, but this manager did not become a member of the Raft group in time; check "docker node ls"',
    );
  }

  /** Resolves once `holds()` is true (checked every 20 ms); after `timeoutMs`, rejects with a 503 `message`. */
  private async pollUntil(holds: () => boolean, timeoutMs: number, message: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!holds()) {
      if (Date.now() > deadline) throw new ApiError(503, message);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  members(): { nodeId: string; addr: string; leader: boolean; reachable: boolean; voter: boolean }[] {
    const status = this.raft?.status();
    if (!status) return [];
    return status.members.map((m) => ({
      nodeId: m.id,
      addr: m.addr,
      leader: m.id === status.leaderId,
      reachable: m.id === this.options.nodeId || m.reachable,
      voter: m.voter,
    }));
  }

  canRemove(nodeId: string): boolean {
    const voters = this.members().filter((m) => m.voter && m.nodeId !== nodeId);
    const reachable = voters.filter((m) => m.reachable).length;
    return reachable >= Math.floor(voters.length / 2) + 1;
  }

  /** Leader: a node presents a join token and a CSR; it gets a node object and a certificate. */
  async join(request: JoinRequest): Promise<JoinAnswer> {
    const cluster = this.store.view((tx) => tx.list('clusters')[0]);
    if (!cluster) throw new ApiError(503, 'the swarm is still initializing; try again in a moment');
    const role = tokenRole(request.token, {
      worker: cluster.JoinTokens.Worker,
      manager: cluster.JoinTokens.Manager,
    });
    if (!role)
      throw new ApiError(400, `rpc error: code = InvalidArgument desc = ${JOIN_TOKEN_REJECTED_MESSAGE}`);
    const nodeId = newObjectId();
    const certPem = await signNodeCertificate({
      rootCA: cluster._rootCA,
      csrPem: request.csrPem,
      nodeId,
      role,
      clusterId: cluster.ID,
      expiryMs: certExpiryMs(cluster.Spec.CAConfig?.NodeCertExpiry),
    });
    const host = request.addr;
    await this.store.update((tx) =>
      tx.create('nodes', {
        ID: nodeId,
        Spec: {
          Role: role,
          Availability: (request.availability || 'active') as NodeAvailability,
          Labels: {},
        },
        Status: { State: 'unknown', Addr: host },
        Description: {
          ...(request.description ?? {}),
          Hostname: request.hostname,
          TLSInfo: tlsInfo(cluster._rootCA.certPem),
        },
        _clusterAddr: request.clusterAddr,
      }),
    );
    return {
      nodeId,
      clusterId: cluster.ID,
      role,
      certPem,
      managers: this.members().map((m) => ({ nodeId: m.nodeId, addr: m.addr })),
    };
  }

  /**
   * Leader: a node renews its certificate. The role is the node's desired role, except that a demoted manager
   * stays a manager until it has left the Raft group (its Raft traffic needs a manager certificate until then),
   * as SwarmKit's observed role.
   */
  async renew(peer: PeerIdentity, csrPem: string): Promise<{ certPem: string; role: NodeRole }> {
    const { cluster, node, removed } = this.store.view((tx) => {
      const cluster = tx.list('clusters')[0];
      return {
        cluster,
        node: tx.get('nodes', peer.nodeId),
        removed: cluster?._removedNodes?.includes(peer.nodeId) ?? false,
      };
    });
    if (!cluster) throw new ApiError(503, 'the swarm is still initializing; try again in a moment');
    if (!node || removed) throw nodeRemovedError(peer.nodeId);
    const member = this.members().some((m) => m.nodeId === node.ID);
    const role: NodeRole = node.Spec.Role === 'worker' && member ? 'manager' : node.Spec.Role;
    const certPem = await signNodeCertificate({
      rootCA: cluster._rootCA,
      csrPem,
      nodeId: node.ID,
      role,
      clusterId: cluster.ID,
      expiryMs: certExpiryMs(cluster.Spec.CAConfig?.NodeCertExpiry),
    });
    return { certPem, role };
  }

  /**
   * Leader: a node holding a manager certificate asks to become a Raft member (again: a promoted node whose
   * membership was lost to a demotion in between asks too). Resolves once it votes; a learner left behind by
   * an earlier attempt is caught up and promoted.
   */
  async addMember(peer: PeerIdentity, addr: string): Promise<void> {
    const node = this.store.view((tx) => tx.get('nodes', peer.nodeId));
    if (node?.Spec.Role !== 'manager') {
      throw new ApiError(403, `node ${peer.nodeId} is not a manager of this swarm; promote it first`);
    }
    if (this.members().some((m) => m.nodeId === peer.nodeId && m.voter)) return;
    if (!this.raft) throw new ApiError(503, 'this manager is stopping; try again');
    await this.raft.addMember(peer.nodeId, addr);
  }

  /** Leader: removes a member (a manager leaving with --force). */
  async removeMember(nodeId: string): Promise<void> {
    await this.raft?.removeMember(nodeId);
  }

  /** The cluster's data key opens a sealed secret (for the dispatcher). */
  private openSecret(secret: SecretObject, dataKey: string): Buffer {
    return openSealed(
      Buffer.from(dataKey, 'base64'),
      Buffer.from(secret._sealedData, 'base64'),
      Buffer.from(secret.ID),
    );
  }

  private onStatus(): void {
    const status = this.raft?.status();
    if (!status) return;
    if (status.role === 'leader' && !this.leadership) this.lead();
    else if (status.role !== 'leader' && this.leadership) void this.stepDown();
    for (const listener of this.statusListeners) listener(status);
  }

  private lead(): void {
    const abort = new AbortController();
    const dispatcher = new Dispatcher(this.store, {
      heartbeatPeriodMs: () => {
        if (this.options.heartbeatPeriodMs) return this.options.heartbeatPeriodMs;
        const ns = this.store.view((tx) => tx.list('clusters')[0]?.Spec.Dispatcher?.HeartbeatPeriod);
        return ns ? Math.round(ns / 1e6) : 5_000;
      },
      managers: () => this.members().map((m) => ({ nodeId: m.nodeId, addr: m.addr })),
      watchManagers: (listener) => this.onStatusChange(() => listener()),
      openSecret: (secret, cluster) => this.openSecret(secret, cluster._dataKey),
      log: this.options.log,
    });
    this.dispatcher = dispatcher;
    const loops: Promise<unknown>[] = [
      dispatcher.run(abort.signal),
      reconcileRoles(this.store, this, this.options.nodeId, abort.signal, this.options.log),
    ];
    if (this.options.leaderLoops) loops.push(this.options.leaderLoops(this.store, abort.signal));
    const done = Promise.allSettled(loops).then((results) => {
      for (const result of results) {
        if (result.status === 'rejected' && !abort.signal.aborted) {
          this.options.log(`a leader loop failed: ${(result.reason as Error)?.stack ?? result.reason}`);
        }
      }
    });
    this.leadership = { abort, done };
    this.options.log('this manager is now the leader');
  }

  private async stepDown(): Promise<void> {
    const leadership = this.leadership;
    if (!leadership) return;
    this.leadership = undefined;
    this.dispatcher = undefined;
    leadership.abort.abort();
    await leadership.done;
  }

  /** Writes a line to the daemon's log. */
  log(line: string): void {
    this.options.log(line);
  }

  /** Used by the role reconciliation to hand leadership over before this manager leaves the Raft group. */
  transferLeadership(): Promise<void> {
    return this.raft?.transferLeadership() ?? Promise.resolve();
  }
}
