/**
 * The objects the managers replicate. They keep the Docker Engine API's shape (so the API layer mostly passes
 * them through), with the meta fields made required. Fields whose names start with `_` are internal: the API
 * layer never serializes them (see `orchestrator/api/json.ts`).
 *
 * Ownership (as SwarmKit's task model): the manager writes a task's `DesiredState`, `NodeID` and `Spec`; the
 * agent on the task's node reports `Status`.
 */
import type {
  EndpointPortConfig,
  EndpointSpec,
  Node,
  NodeSpec,
  NodeStatus,
  SecretSpec,
  Service,
  ServiceSpec,
  SwarmSpec,
  Task,
  TaskSpec,
  TaskState,
  TaskStatus,
  TLSInfo,
} from '../api/engine-types.js';

/** Meta fields every stored object has. `Version.Index` is the Raft index of the object's last write. */
export interface Meta {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
}

type WithMeta<T> = Omit<T, keyof Meta> & Meta;

export type NodeRole = 'worker' | 'manager';
export type NodeAvailability = 'active' | 'pause' | 'drain';

export interface NodeObject extends WithMeta<Node> {
  Spec: NodeSpec & { Role: NodeRole; Availability: NodeAvailability; Labels: Record<string, string> };
  Status: NodeStatus & { State: 'unknown' | 'down' | 'ready' | 'disconnected'; Addr: string };
  Description: NonNullable<Node['Description']>;
  /** The node's cluster address `host:port` (port 2377), where its manager or agent channel listens. */
  _clusterAddr: string;
}

export interface ServiceObject extends Omit<WithMeta<Service>, 'UpdateStatus'> {
  Spec: ServiceSpec & { Name: string; TaskTemplate: TaskSpec };
  PreviousSpec?: ServiceSpec;
  UpdateStatus?: {
    State:
      | 'updating'
      | 'paused'
      | 'completed'
      | 'rollback_started'
      | 'rollback_paused'
      | 'rollback_completed';
    StartedAt?: string;
    CompletedAt?: string;
    Message?: string;
  };
  /** Bumped whenever the task template changes, so tasks can tell whether they are up to date. */
  _specVersion?: number;
  /** `_specVersion` of `PreviousSpec`, swapped back in on rollback so tasks of that spec count as up to date. */
  _previousSpecVersion?: number;
}

/** Where a running task's container really listens: the node address and host port behind each target port. */
export interface TaskEndpoint {
  targetPort: number;
  protocol: 'tcp' | 'udp';
  hostAddr: string;
  hostPort: number;
}

export interface TaskObject extends WithMeta<Task> {
  ServiceID: string;
  Spec: TaskSpec;
  DesiredState: TaskState;
  Status: TaskStatus & { State: TaskState; Timestamp: string };
  /** The service's `_specVersion` this task was created from. */
  _specVersion?: number;
  /** Reported by the agent once the container listens. */
  _endpoints?: TaskEndpoint[];
  /** Health as the agent last reported it (Docker shows it in the container, Swarm acts on it). */
  _health?: 'starting' | 'healthy' | 'unhealthy';
  /** The service's endpoint as this task was made for (SwarmKit's `Task.Endpoint`): the spec, copied when the
   * task is created, and the published ports, copied when it is allocated. Host-mode ports matter to the
   * scheduler and the agent; a changed spec makes the task out of date. */
  _endpoint?: { Spec?: EndpointSpec; Ports?: EndpointPortConfig[] };
}

export interface NetworkObject extends Meta {
  Spec: {
    Name: string;
    Labels: Record<string, string>;
    Driver: string;
    Options: Record<string, string>;
    Attachable: boolean;
    Ingress: boolean;
    Internal: boolean;
    Scope: 'swarm' | 'local';
  };
  /** Allocated by the allocator: one subnet and gateway per network. */
  IPAM: { Driver: string; Config: { Subnet: string; Gateway: string }[] };
}

export interface SecretObject extends Meta {
  Spec: Omit<SecretSpec, 'Data'> & { Name: string; Labels: Record<string, string> };
  /** The secret's data, sealed with the cluster's data key (AES-256-GCM), base64. Never leaves the managers
   * except to a node that runs a task using the secret. */
  _sealedData: string;
}

export interface ClusterObject extends Meta {
  Spec: SwarmSpec & { Name: string };
  TLSInfo: TLSInfo;
  RootRotationInProgress: boolean;
  DefaultAddrPool: string[];
  SubnetSize: number;
  DataPathPort: number;
  JoinTokens: { Worker: string; Manager: string };
  /** The root CA's certificate and key (PEM); the key signs node certificates. */
  _rootCA: { certPem: string; keyPem: string };
  /** The key that seals secrets in the store (base64). */
  _dataKey: string;
  /** The current unlock key (`SWMKEY-1-...`) when autolock is on. */
  _unlockKey?: string;
  /** Nodes removed with `docker node rm`: their certificates are refused from then on. */
  _removedNodes?: string[];
}

/** Every table of the store and the type of its objects. */
export interface Tables {
  nodes: NodeObject;
  services: ServiceObject;
  tasks: TaskObject;
  networks: NetworkObject;
  secrets: SecretObject;
  clusters: ClusterObject;
}

export type TableName = keyof Tables;
export const tableNames: readonly TableName[] = [
  'clusters',
  'nodes',
  'networks',
  'secrets',
  'services',
  'tasks',
];

/** Tables whose objects have a unique `Spec.Name` (compared case-insensitively, as SwarmKit does). */
export const uniquelyNamedTables = ['services', 'networks', 'secrets'] as const;
export type NamedTableName = (typeof uniquelyNamedTables)[number];

/** An object as a writer hands it to the store: the store fills in Version and the timestamps. */
export type Draft<T extends Meta> = Omit<T, 'Version' | 'CreatedAt' | 'UpdatedAt'> & Partial<Meta>;
