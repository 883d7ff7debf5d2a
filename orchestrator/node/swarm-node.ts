import { cpus, totalmem } from 'node:os';
import { Agent } from '../agent/agent.js';
import type { ContainerRuntime } from '../agent/container-runtime.js';
import type { LocalNodeState, NodeDescription, SwarmInfo } from '../api/engine-types.js';
import { ApiError, badRequest, swarmErrors, unavailable } from '../api/errors.js';
import type { LogLine, LogQuery } from '../api/log-stream.js';
import type { SwarmInitRequest, SwarmJoinRequest } from '../api/routes/swarm-requests.js';
import type { ApiHandler } from '../api/server.js';
import { createDataKey } from '../common/aead.js';
import { newObjectId } from '../common/ids.js';
import { Serial } from '../common/serial.js';
import { engineVersion } from '../common/version.js';
import { type EventsHub, swarmEvent } from '../events/events-hub.js';
import {
  CAPinningError,
  CertificateRenewer,
  createJoinToken,
  createNodeKeyAndCsr,
  createRootCA,
  createUnlockKey,
  fetchPinnedRootCA,
  INVALID_UNLOCK_KEY_MESSAGE,
  InvalidJoinTokenError,
  InvalidUnlockKeyError,
  KeyStore,
  LockedError,
  type NodeTlsCredentials,
  parseJoinToken,
  parseUnlockKey,
  readNodeCertificate,
  signNodeCertificate,
  tlsInfo,
  UnlockKeyFormatError,
} from '../manager/ca/index.js';
import { defaultSwarmSpec, normalizeSwarmSpec } from '../manager/controlapi/cluster.js';
import { type JoinAnswer, Manager } from '../manager/manager.js';
import { Mesh } from '../mesh/mesh.js';
import type { NodeObject, NodeRole } from '../store/objects.js';
import { Store } from '../store/store.js';
import { clusterAddress } from './advertise.js';
import { ChannelClient } from './channel/channel-client.js';
import { ChannelServer } from './channel/channel-server.js';
import { channelHandler } from './channel-routes.js';
import { channelDispatcherClient } from './dispatcher-session-client.js';
import { callLeader } from './leader-client.js';
import { type LocalSwarmState, SwarmDirs } from './local-state.js';

/** Extra stored with (and locked with) a manager's key: the key of its Raft data at rest. */
const raftKeyExtra = 'raft-dek';
/** How long a join waits for the new node's first dispatcher session. */
const joinTimeoutMs = 20_000;

export interface SwarmNodeOptions {
  name: string;
  addr: string;
  clusterPort: number;
  dataDir: string;
  profile: 'lab' | 'swarm';
  runtime: ContainerRuntime;
  /** This node's Engine API socket (containers bind-mount it as /var/run/docker.sock). */
  apiSocketPath?: string;
  /** Leader loops of the orchestration pipeline, started whenever this node leads. */
  leaderLoops?: (store: Store, signal: AbortSignal) => Promise<void>;
  /** Where swarm events (service, node, secret, network changes) go, on managers. */
  events?: EventsHub;
  /** Creates what a new swarm starts with besides the cluster and the first node (the ingress network). */
  initialObjects?: (store: Store) => Promise<void>;
  log(line: string): void;
}

interface Active {
  local: LocalSwarmState;
  credentials: NodeTlsCredentials;
  client: ChannelClient;
  channel: ChannelServer;
  manager?: Manager;
  agent: Agent;
  mesh: Mesh;
  agentAbort: AbortController;
  agentDone?: Promise<void>;
  connected: boolean;
  renewer: CertificateRenewer;
  unsubscribe?: () => void;
  kek?: Buffer;
  dataKey?: Buffer;
  /** The role the swarm gives this node and whether it is in the managers' Raft group, as the leader says. */
  desired?: DesiredRole;
  /** This manager's request to join the Raft group, while it runs. */
  joining?: Promise<void>;
  roleRetry?: NodeJS.Timeout;
  /** Set once deactivated or told it was removed: loops of this activation stop. */
  closed?: boolean;
  removed?: boolean;
}

interface DesiredRole {
  role: NodeRole;
  member: boolean;
}

/**
 * This node's part in a swarm: inactive, locked, or active as a worker or manager. It owns the node's
 * certificate, its channel on port 2377, its agent and, on managers, the Raft member and its store.
 */
export class SwarmNode {
  /** Handles Engine API requests other managers forward here; set by the daemon before `restore`. */
  engine: ApiHandler = async (_req, res) => {
    res.writeHead(503).end();
  };
  private state: LocalNodeState = 'inactive';
  private error = '';
  private active: Active | undefined;
  /** One lifecycle change at a time (init, join, leave, unlock, role changes, removal). */
  private readonly lifecycle = new Serial();
  /** One write of the key file at a time (renewals, autolock on/off, unlock key rotations, role changes). */
  private readonly keyWrites = new Serial();
  /** One certificate renewal at a time, so the certificate in use is the last one the leader signed. */
  private readonly renewals = new Serial();
  private readonly dirs: SwarmDirs;
  private readonly keys: KeyStore;
  private lockedState: LocalSwarmState | undefined;
  private connectedWaiters: (() => void)[] = [];

  constructor(private readonly options: SwarmNodeOptions) {
    this.dirs = new SwarmDirs(options.dataDir);
    this.keys = new KeyStore(this.dirs.certificates);
  }

  get nodeState(): LocalNodeState {
    return this.state;
  }

  get role(): NodeRole | undefined {
    return this.active?.local.role;
  }

  get nodeId(): string | undefined {
    return this.active?.local.nodeId ?? this.lockedState?.nodeId;
  }

  get manager(): Manager | undefined {
    return this.active?.manager;
  }

  get channelClient(): ChannelClient | undefined {
    return this.active?.client;
  }

  /** Comes back into the swarm this node was in before a restart (or stays locked until unlocked). */
  async restore(): Promise<void> {
    const local = this.dirs.read();
    if (!local) return;
    try {
      const stored = await this.keys.loadNodeCredentials();
      if (!stored) throw new Error(`no node certificate in ${this.dirs.certificates}`);
      const rootCertPem = (await this.keys.loadRootCA()) ?? '';
      const active = await this.activate(
        local,
        { certPem: stored.certPem, keyPem: stored.keyPem, rootCertPem },
        {
          dataKey: stored.extras[raftKeyExtra]
            ? Buffer.from(stored.extras[raftKeyExtra], 'base64')
            : undefined,
          raft: 'restart',
        },
      );
      this.runAgent(active);
    } catch (error) {
      if (error instanceof LockedError) {
        this.lockedState = local;
        this.state = 'locked';
        this.options.log('the swarm is locked: run "docker swarm unlock" with the unlock key');
        return;
      }
      this.state = 'error';
      this.error = (error as Error).message;
      this.options.log(`cannot rejoin the swarm: ${(error as Error).stack}`);
    }
  }

  /** `docker swarm init`. Resolves with the new node's id. */
  init(request: SwarmInitRequest): Promise<string> {
    return this.lifecycle.run(async () => {
      this.assertInactive();
      const clusterAddr = clusterAddress(this.options.addr, this.options.clusterPort, request.AdvertiseAddr);
      const spec = normalizeSwarmSpec(request.Spec, defaultSwarmSpec());
      if (request.AutoLockManagers) spec.EncryptionConfig = { AutoLockManagers: true };
      const nodeId = newObjectId();
      const clusterId = newObjectId();
      const rootCA = await createRootCA();
      const { keyPem, csrPem } = await createNodeKeyAndCsr();
      const certPem = await signNodeCertificate({
        rootCA,
        csrPem,
        nodeId,
        role: 'manager',
        clusterId,
        expiryMs: Math.round((spec.CAConfig?.NodeCertExpiry ?? 0) / 1e6),
      });
      const local: LocalSwarmState = {
        format: 1,
        nodeId,
        clusterId,
        role: 'manager',
        managers: [{ nodeId, addr: clusterAddr }],
      };
      const dataKey = createDataKey();
      await this.saveCredentials(() => ({
        credentials: { certPem, keyPem, rootCertPem: rootCA.certPem },
        dataKey,
      }));
      this.dirs.write(local);
      const active = await this.activate(
        local,
        { certPem, keyPem, rootCertPem: rootCA.certPem },
        { dataKey, raft: 'bootstrap' },
      );
      const manager = active.manager!;
      await manager.waitForLeadership(10_000);
      const unlockKey = spec.EncryptionConfig?.AutoLockManagers ? createUnlockKey().unlockKey : undefined;
      await manager.store.update((tx) => {
        tx.create('clusters', {
          ID: clusterId,
          Spec: spec,
          TLSInfo: tlsInfo(rootCA.certPem),
          RootRotationInProgress: false,
          DefaultAddrPool: ['10.0.0.0/8'],
          SubnetSize: 24,
          DataPathPort: 4789,
          JoinTokens: { Worker: createJoinToken(rootCA.certPem), Manager: createJoinToken(rootCA.certPem) },
          _rootCA: rootCA,
          _dataKey: createDataKey().toString('base64'),
          ...(unlockKey ? { _unlockKey: unlockKey } : {}),
        });
        tx.create('nodes', {
          ID: nodeId,
          Spec: {
            Role: 'manager',
            Availability:
              request.Availability === 'drain' || request.Availability === 'pause'
                ? request.Availability
                : 'active',
            Labels: {},
          },
          Status: { State: 'unknown', Addr: this.options.addr },
          Description: { ...this.description(), TLSInfo: tlsInfo(rootCA.certPem) },
          _clusterAddr: clusterAddr,
        });
      });
      await this.options.initialObjects?.(manager.store);
      this.runAgent(active);
      await this.waitConnected();
      return nodeId;
    });
  }

  /** `docker swarm join`: pins the CA from the token, gets a certificate, and joins (Raft too for managers). */
  join(request: SwarmJoinRequest): Promise<void> {
    return this.lifecycle.run(async () => {
      this.assertInactive();
      const clusterAddr = clusterAddress(this.options.addr, this.options.clusterPort, request.AdvertiseAddr);
      let digest: string;
      try {
        digest = parseJoinToken(request.JoinToken).digest;
      } catch (error) {
        if (error instanceof InvalidJoinTokenError) throw badRequest('invalid join token');
        throw error;
      }
      const remotes = request.RemoteAddrs.map((r) => (r.includes(':') ? r : `${r}:2377`));
      const [host, port] = remotes[0].split(':');
      let rootCertPem: string;
      try {
        rootCertPem = await fetchPinnedRootCA(host, Number(port), digest, 10_000);
      } catch (error) {
        if (error instanceof CAPinningError)
          throw badRequest(`error while validating Root CA Certificate: ${error.message}`);
        throw unavailable(
          `could not reach the manager at ${remotes[0]}: ${(error as Error).message}. Check the address and that the node there is a swarm manager`,
        );
      }
      const { keyPem, csrPem } = await createNodeKeyAndCsr();
      const joining = new ChannelClient({ rootCertPem });
      let answer: JoinAnswer;
      try {
        ({ answer } = await callLeader<JoinAnswer>(joining, remotes, 'POST', '/join', {
          token: request.JoinToken,
          csrPem,
          addr: this.options.addr,
          clusterAddr,
          hostname: this.options.name,
          availability: request.Availability,
          description: this.description(),
        }));
      } catch (error) {
        const status = (error as { status?: number }).status;
        throw new ApiError(status && status < 500 ? 400 : 503, (error as Error).message);
      } finally {
        joining.close();
      }
      const local: LocalSwarmState = {
        format: 1,
        nodeId: answer.nodeId,
        clusterId: answer.clusterId,
        role: answer.role,
        managers: answer.managers,
      };
      const credentials = { certPem: answer.certPem, keyPem, rootCertPem };
      const dataKey = answer.role === 'manager' ? createDataKey() : undefined;
      await this.saveCredentials(() => ({ credentials, dataKey }));
      this.dirs.write(local);
      const active = await this.activate(local, credentials, { dataKey, raft: 'join' });
      this.runAgent(active);
      await active.manager?.waitForVoter(joinTimeoutMs);
      await this.waitConnected();
    });
  }

  /** `docker swarm leave [--force]`, with Docker's refusals for managers. */
  leave(force: boolean): Promise<void> {
    return this.lifecycle.run(async () => {
      if (this.state === 'inactive') throw swarmErrors.notInSwarm();
      if (this.state === 'locked' && !force) {
        throw unavailable(
          'Swarm is encrypted and locked. Please unlock it first or use `--force` to ignore this message.',
        );
      }
      const manager = this.active?.manager;
      if (manager && !force) throw unavailable(this.managerLeaveRefusal(manager));
      if (manager) {
        try {
          if (manager.isLeader() && manager.members().length > 1) await manager.transferLeadership();
          if (manager.members().length > 1 && this.active) {
            await callLeader(
              this.active.client,
              this.managerAddrs(),
              'POST',
              '/raft/leave',
              {},
              { timeoutMs: 5_000 },
            );
          }
        } catch (error) {
          this.options.log(`leaving the managers' Raft group failed: ${(error as Error).message}`);
        }
      }
      await this.forgetSwarm();
    });
  }

  /** `docker swarm unlock`: the unlock key opens this manager's key, then the node rejoins. */
  unlock(unlockKey: string): Promise<void> {
    return this.lifecycle.run(async () => {
      if (this.state !== 'locked' || !this.lockedState) {
        if (this.state === 'inactive') throw swarmErrors.notInSwarm();
        throw new ApiError(409, 'swarm is not locked');
      }
      let kek: Buffer;
      try {
        kek = parseUnlockKey(unlockKey);
      } catch (error) {
        if (error instanceof UnlockKeyFormatError) throw badRequest('invalid key string');
        throw error;
      }
      let stored: Awaited<ReturnType<KeyStore['loadNodeCredentials']>>;
      try {
        stored = await this.keys.loadNodeCredentials(kek);
      } catch (error) {
        if (error instanceof InvalidUnlockKeyError) throw new ApiError(401, INVALID_UNLOCK_KEY_MESSAGE);
        throw error;
      }
      if (!stored) throw badRequest('this node has no key to unlock; leave the swarm and join again');
      const rootCertPem = (await this.keys.loadRootCA()) ?? '';
      const local = this.lockedState;
      const active = await this.activate(
        local,
        { certPem: stored.certPem, keyPem: stored.keyPem, rootCertPem },
        {
          dataKey: stored.extras[raftKeyExtra]
            ? Buffer.from(stored.extras[raftKeyExtra], 'base64')
            : undefined,
          raft: 'restart',
          kek,
        },
      );
      this.runAgent(active);
      this.lockedState = undefined;
      // Return only once the node is back: its session is up and, on a manager, it knows the leader.
      await this.waitConnected('unlocked, but the node could not open a session with the leader in time');
      await active.manager?.waitForLeader(joinTimeoutMs);
    });
  }

  /** Stops everything this node runs in the swarm (swarmd stops), keeping its state for a restart. */
  async stop(): Promise<void> {
    await this.deactivate(false);
  }

  /** The `Swarm` section of `/info`. */
  info(): SwarmInfo {
    const active = this.active;
    if (!active) {
      return {
        NodeID: this.lockedState?.nodeId ?? '',
        NodeAddr: this.lockedState ? this.options.addr : '',
        LocalNodeState: this.state,
        ControlAvailable: false,
        Error: this.error,
        RemoteManagers: null,
      };
    }
    const manager = active.manager;
    const info: SwarmInfo = {
      NodeID: active.local.nodeId,
      NodeAddr: this.options.addr,
      LocalNodeState: 'active',
      ControlAvailable: manager !== undefined,
      Error: this.error,
      RemoteManagers: (manager
        ? manager.members().map((m) => ({ nodeId: m.nodeId, addr: m.addr }))
        : active.local.managers
      ).map((m) => ({ NodeID: m.nodeId, Addr: m.addr })),
    };
    if (manager) {
      const { nodes, cluster } = manager.store.view((tx) => ({
        nodes: tx.list('nodes'),
        cluster: tx.list('clusters')[0],
      }));
      const members = new Set(manager.members().map((m) => m.nodeId));
      info.Nodes = nodes.length;
      // As Docker: the managers are the nodes in the Raft group (those `docker node ls` gives a MANAGER STATUS).
      info.Managers = nodes.filter((n) => members.has(n.ID)).length;
      if (cluster) {
        const { JoinTokens: _tokens, ...clusterInfo } = cluster;
        info.Cluster = clusterInfo;
      }
    }
    return info;
  }

  /** The `Swarm` header of `/_ping`. */
  pingHeader(): string {
    if (this.state === 'active') return `active/${this.active?.manager ? 'manager' : 'worker'}`;
    return this.state;
  }

  /** Reads a container's log lines from the node that runs it (the leader's service and task logs). */
  async *readNodeLogs(
    nodeId: string,
    containerId: string,
    query: LogQuery,
    signal: AbortSignal,
  ): AsyncIterable<LogLine> {
    const active = this.active;
    const addr = active?.manager?.store.view((tx) => tx.get('nodes', nodeId)?._clusterAddr);
    if (!active || !addr) return;
    const params = new URLSearchParams({
      container: containerId,
      stdout: String(query.stdout),
      stderr: String(query.stderr),
    });
    if (query.tail !== undefined) params.set('tail', String(query.tail));
    if (query.since) params.set('since', String(query.since.getTime() / 1000));
    if (query.until) params.set('until', String(query.until.getTime() / 1000));
    if (query.follow) params.set('follow', 'true');
    const res = await active.client.open(addr, 'GET', `/agent/logs?${params}`, undefined, {
      signal,
      timeoutMs: 10_000,
    });
    let buffered = '';
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let end = buffered.indexOf('\n');
      while (end >= 0) {
        const entry = JSON.parse(buffered.slice(0, end)) as { s: 'stdout' | 'stderr'; t: string; d: string };
        buffered = buffered.slice(end + 1);
        yield { stream: entry.s, time: new Date(entry.t), data: Buffer.from(entry.d, 'base64') };
        end = buffered.indexOf('\n');
      }
    }
  }

  /** Addresses of the managers this node knows, leader first when known. */
  managerAddrs(): string[] {
    const manager = this.active?.manager;
    const leader = manager?.leaderAddr();
    const known = [
      ...(leader ? [leader] : []),
      ...(manager?.members().map((m) => m.addr) ?? []),
      ...(this.active?.agent?.knownManagers.map((m) => m.addr) ?? []),
      ...(this.active?.local.managers.map((m) => m.addr) ?? []),
    ];
    return [...new Set(known)];
  }

  private description(): NodeDescription {
    return {
      Hostname: this.options.name,
      Platform: { Architecture: process.arch === 'x64' ? 'x86_64' : process.arch, OS: 'linux' },
      Resources: { NanoCPUs: cpus().length * 1e9, MemoryBytes: totalmem() },
      Engine: {
        EngineVersion: engineVersion,
        Plugins: [
          { Type: 'Log', Name: 'json-file' },
          { Type: 'Network', Name: 'overlay' },
          { Type: 'Volume', Name: 'local' },
        ],
      },
    };
  }

  private assertInactive(): void {
    if (this.state === 'locked') throw swarmErrors.locked();
    if (this.state !== 'inactive') throw swarmErrors.alreadyInSwarm();
  }

  private managerLeaveRefusal(manager: Manager): string {
    const members = manager.members();
    const reachable = members.filter((m) => m.reachable).length;
    let message = 'You are attempting to leave the swarm on a node that is participating as a manager. ';
    if (members.length <= 1) {
      return `${message}Removing the last manager erases all current state of the swarm. Use \`--force\` to ignore this message.`;
    }
    message += `Removing this node leaves ${reachable - 1} managers out of ${members.length}. `;
    if (reachable - 1 < Math.floor(members.length / 2) + 1) {
      message += 'Without a Raft quorum your swarm will be inaccessible. ';
    }
    return `${message}The only way to restore a swarm that has lost consensus is to reinitialize it with \`--force-new-cluster\`. Use \`--force\` to suppress this message.`;
  }

  /**
   * Saves the certificate and key (encrypted with the key-encryption key when autolocked), read when the write's
   * turn in the key queue comes, so it uses the key-encryption key of the re-encryptions queued before it.
   */
  private saveCredentials(
    read: () => { credentials: NodeTlsCredentials; dataKey?: Buffer; kek?: Buffer },
  ): Promise<void> {
    return this.keyWrites.run(async () => {
      const { credentials, dataKey, kek } = read();
      await this.keys.saveRootCA(credentials.rootCertPem);
      await this.keys.saveNodeCredentials(
        { certPem: credentials.certPem, keyPem: credentials.keyPem },
        { kek, extras: dataKey ? { [raftKeyExtra]: dataKey.toString('base64') } : {} },
      );
    });
  }

  /** Starts the channel, the manager (if any) and the agent for a node that is in a swarm. */
  private async activate(
    local: LocalSwarmState,
    credentials: NodeTlsCredentials,
    how: { dataKey?: Buffer; raft: 'bootstrap' | 'restart' | 'join'; kek?: Buffer },
  ): Promise<Active> {
    const partial: Partial<Active> = { local, credentials, dataKey: how.dataKey, kek: how.kek };
    const client = new ChannelClient(credentials, {
      onRemoved: (message) => void this.onRemoved(partial, message),
    });
    partial.client = client;
    const isRemoved = (nodeId: string) =>
      partial.manager?.store.view((tx) => tx.list('clusters')[0]?._removedNodes?.includes(nodeId)) ?? false;
    const channel = new ChannelServer({
      host: this.options.addr,
      port: this.options.clusterPort,
      credentials,
      handle: channelHandler({
        manager: () => partial.manager,
        runtime: this.options.runtime,
        engine: (req, res, up) => this.engine(req, res, up),
        isRemoved,
        log: this.options.log,
      }),
      onRaftSocket: (socket) => {
        if (partial.manager) partial.manager.acceptRaftSocket(socket);
        else socket.destroy();
      },
      isRemoved,
      log: this.options.log,
    });
    await channel.start();
    partial.channel = channel;
    try {
      if (local.role === 'manager') {
        partial.manager = await this.startManager(local, credentials, how.dataKey, how.raft, partial);
      }
    } catch (error) {
      partial.closed = true;
      await channel.close();
      client.close();
      throw error;
    }
    const mesh = new Mesh({ nodeAddr: this.options.addr, nodeId: local.nodeId, log: this.options.log });
    try {
      await mesh.start();
    } catch (error) {
      partial.closed = true;
      await partial.manager?.stop();
      await channel.close();
      client.close();
      throw error;
    }
    const agentAbort = new AbortController();
    const agent = new Agent({
      nodeId: local.nodeId,
      addr: this.options.addr,
      description: () => this.description(),
      runtime: this.options.runtime,
      client: channelDispatcherClient(() => client),
      managers: local.managers,
      environment: {
        apiSocketPath: this.options.apiSocketPath,
        dns: mesh.dnsAddr,
        gateway: mesh.gatewayAddr,
      },
      onMesh: (table) => mesh.update(table),
      onNode: (node) => this.followRole(node),
      onRemoved: () => void this.onRemoved(partial, 'the dispatcher closed its session: it was removed'),
      onConnected: () => {
        if (this.active) this.active.connected = true;
        for (const waiter of this.connectedWaiters.splice(0)) waiter();
      },
      log: this.options.log,
    });
    const renewer = new CertificateRenewer({
      validity: () => {
        const cert = readNodeCertificate(this.active?.credentials.certPem ?? credentials.certPem);
        return { notBefore: cert.notBefore, notAfter: cert.notAfter };
      },
      renew: async () => {
        await this.renewCertificate();
      },
      onError: (error) => this.options.log(`certificate renewal failed: ${(error as Error).message}`),
    });
    const active = Object.assign(partial, { agent, mesh, agentAbort, renewer, connected: false }) as Active;
    this.active = active;
    this.state = 'active';
    this.error = '';
    renewer.start();
    return active;
  }

  /** Starts the agent's session loop (init does it once the swarm's first objects exist). */
  private runAgent(active: Active): void {
    active.agentDone = active.agent.run(active.agentAbort.signal);
  }

  private async startManager(
    local: LocalSwarmState,
    credentials: NodeTlsCredentials,
    dataKey: Buffer | undefined,
    raft: 'bootstrap' | 'restart' | 'join',
    partial: Partial<Active>,
  ): Promise<Manager> {
    if (!dataKey) throw new Error('this manager has no Raft data key; leave the swarm and join again');
    const clusterAddr = `${this.options.addr}:${this.options.clusterPort}`;
    const manager = new Manager({
      nodeId: local.nodeId,
      clusterAddr,
      raftDir: this.dirs.raft,
      store: new Store(),
      dataKey,
      profile: this.options.profile,
      credentials: () => partial.credentials ?? credentials,
      heartbeatPeriodMs: this.options.profile === 'lab' ? 1_000 : undefined,
      leaderLoops: this.options.leaderLoops,
      log: this.options.log,
    });
    partial.manager = manager;
    try {
      await manager.start(raft === 'bootstrap');
    } catch (error) {
      partial.manager = undefined;
      throw error;
    }
    if (raft === 'join') this.startRaftJoin(partial, manager);
    partial.unsubscribe = manager.store.subscribe((change) => {
      if (change.reset || change.events.some((e) => e.table === 'clusters'))
        void this.followUnlockKey(partial);
      for (const event of change.events) {
        const message = swarmEvent(event);
        if (message) this.options.events?.publish(message);
      }
    });
    return manager;
  }

  /** Starts asking the leader to add this manager to the Raft group, unless a request already runs. */
  private startRaftJoin(active: Partial<Active>, manager: Manager): void {
    if (active.joining) return;
    const joining = this.joinRaft(active, manager).finally(() => {
      if (active.joining === joining) active.joining = undefined;
    });
    active.joining = joining;
  }

  /**
   * Asks the leader to add this manager to the Raft group, until it answers or this manager stops. The Raft
   * member runs meanwhile: once the leader adds it, it catches up whether or not this call's answer arrives.
   */
  private async joinRaft(active: Partial<Active>, manager: Manager): Promise<void> {
    const clusterAddr = `${this.options.addr}:${this.options.clusterPort}`;
    while (active.manager === manager && !active.closed && active.client) {
      try {
        const managers = [
          ...new Set([...this.managerAddrs(), ...(active.local?.managers ?? []).map((m) => m.addr)]),
        ];
        await callLeader(
          active.client,
          managers,
          'POST',
          '/raft/join',
          { addr: clusterAddr },
          { timeoutMs: 60_000 },
        );
        return;
      } catch (error) {
        if (active.manager !== manager || active.closed) return;
        this.options.log(`joining the managers' Raft group failed, retrying: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /**
   * Keeps this manager's key encrypted exactly when the swarm is autolocked, with the current unlock key. Runs in
   * the key queue and reads the wanted key there, so toggles and rotations in quick succession are applied one
   * after the other and the last one wins.
   */
  private followUnlockKey(active: Partial<Active>): Promise<void> {
    return this.keyWrites
      .run(async () => {
        const manager = active.manager;
        if (!manager || active.closed) return;
        const unlockKey = manager.store.view((tx) => tx.list('clusters')[0]?._unlockKey);
        const kek = unlockKey ? parseUnlockKey(unlockKey) : undefined;
        if ((kek && active.kek?.equals(kek)) || (!kek && !active.kek)) return;
        await this.keys.reencryptKey(active.kek, kek);
        active.kek = kek;
        this.options.log(
          kek
            ? "autolock: this manager's key is now encrypted"
            : "autolock off: this manager's key is in clear",
        );
      })
      .catch((error) =>
        this.options.log(`re-encrypting this manager's key failed: ${(error as Error).message}`),
      );
  }

  /**
   * A fresh key and certificate from the leader. The certificate's role is the one the swarm gives this node
   * now; resolves with it.
   */
  private renewCertificate(): Promise<NodeRole | undefined> {
    return this.renewals.run(async () => {
      const active = this.active;
      if (!active) return undefined;
      const { keyPem, csrPem } = await createNodeKeyAndCsr();
      const { answer } = await callLeader<{ certPem: string; role: NodeRole }>(
        active.client,
        this.managerAddrs(),
        'POST',
        '/renew',
        { csrPem },
      );
      if (this.active !== active) return undefined;
      active.credentials = { certPem: answer.certPem, keyPem, rootCertPem: active.credentials.rootCertPem };
      await this.saveCredentials(() => active);
      active.channel.setCredentials(active.credentials);
      active.client.setCredentials(active.credentials);
      return answer.role;
    });
  }

  /** Follows the node object the dispatcher sends: its role, and whether it is in the managers' Raft group. */
  private followRole(node: NodeObject): void {
    const active = this.active;
    if (!active || active.local.nodeId !== node.ID) return;
    active.desired = { role: node.Spec.Role, member: node.ManagerStatus !== undefined };
    this.reconcileRoleLater(active);
  }

  /** Runs the role reconciliation; if it fails (e.g. the leader moved), tries again until it holds. */
  private reconcileRoleLater(active: Active): void {
    this.reconcileRole().catch((error) => {
      this.options.log(`becoming a ${active.desired?.role} failed, retrying: ${(error as Error).message}`);
      if (active.roleRetry || active.closed) return;
      active.roleRetry = setTimeout(() => {
        active.roleRetry = undefined;
        if (this.active === active) this.reconcileRoleLater(active);
      }, 2_000);
      active.roleRetry.unref();
    });
  }

  /**
   * Brings this node's role (certificate, manager, Raft membership) to the latest role the swarm gives it.
   * A demoted manager keeps its Raft member until the leader has removed it (its vote may be needed to commit
   * the removal); a manager the Raft group lost (a demotion and a promotion in quick succession) asks to join
   * again.
   */
  private reconcileRole(): Promise<void> {
    return this.lifecycle.run(async () => {
      for (;;) {
        const current = this.active;
        const want = current?.desired;
        if (!current || !want || current.closed) return;
        if (want.role === current.local.role) {
          if (want.role === 'manager' && !want.member && current.manager && !current.joining) {
            this.options.log('role: this manager is not in the Raft group; asking the leader to add it');
            this.startRaftJoin(current, current.manager);
          }
          return;
        }
        if (want.role === 'worker' && want.member) {
          this.options.log(
            'role: demoted; waiting for the leader to remove this manager from the Raft group',
          );
          return;
        }
        this.options.log(`role: becoming a ${want.role}: renewing the certificate`);
        const granted = await this.renewCertificate();
        if (this.active !== current) return;
        if (granted !== want.role) {
          // The swarm changed its mind meanwhile; its next node message (or the latest one) says what to do.
          const latest = current.desired;
          if (latest && (latest.role !== want.role || latest.member !== want.member)) continue;
          return;
        }
        if (granted === 'manager') await this.becomeManager(current);
        else await this.becomeWorker(current);
      }
    });
  }

  private async becomeManager(current: Active): Promise<void> {
    current.dataKey ??= createDataKey();
    await this.saveCredentials(() => current);
    this.dirs.eraseRaft();
    const local: LocalSwarmState = { ...current.local, role: 'manager' };
    current.manager = await this.startManager(local, current.credentials, current.dataKey, 'join', current);
    current.local = local;
    this.dirs.write(local);
    this.options.log('promoted: this node is now a manager');
  }

  private async becomeWorker(current: Active): Promise<void> {
    current.unsubscribe?.();
    current.unsubscribe = undefined;
    const manager = current.manager;
    current.manager = undefined;
    this.options.log('role: stopping the manager');
    await manager?.stop();
    this.dirs.eraseRaft();
    current.local = { ...current.local, role: 'worker' };
    this.dirs.write(current.local);
    // A worker keeps no Raft key and is never locked (autolock protects managers' keys).
    current.dataKey = undefined;
    current.kek = undefined;
    await this.saveCredentials(() => current);
    this.options.log('demoted: this node is now a worker');
  }

  /** The swarm removed this node (its session was closed so, or a manager answered 403): it leaves, as Docker. */
  private async onRemoved(active: Partial<Active>, reason: string): Promise<void> {
    if (active.removed || active.closed) return;
    active.removed = true;
    this.options.log(`this node was removed from the swarm (${reason}); leaving it`);
    await this.lifecycle
      .run(async () => {
        if (this.active !== active) return;
        await this.forgetSwarm();
        this.options.log('left the swarm: this node is not part of a swarm any more');
      })
      .catch((error) => this.options.log(`leaving after removal failed: ${(error as Error).message}`));
  }

  /** Stops the node's swarm work and erases its swarm identity, keys and state: it is out of any swarm. */
  private async forgetSwarm(): Promise<void> {
    await this.deactivate(true);
    await this.keyWrites.run(() => this.keys.remove());
    this.dirs.erase();
    this.lockedState = undefined;
    this.state = 'inactive';
    this.error = '';
  }

  private async deactivate(removeContainers: boolean): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.closed = true;
    clearTimeout(active.roleRetry);
    active.agentAbort.abort();
    await active.renewer.stop();
    await active.agentDone?.catch(() => {});
    if (removeContainers) await active.agent.shutdown();
    await active.mesh.close();
    active.unsubscribe?.();
    await active.manager?.stop();
    await active.channel.close();
    active.client.close();
  }

  private waitConnected(
    timeoutMessage = 'joined, but the node could not open a session with the leader in time; check "docker node ls"',
  ): Promise<void> {
    if (this.active?.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(timeoutMessage)), joinTimeoutMs);
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
