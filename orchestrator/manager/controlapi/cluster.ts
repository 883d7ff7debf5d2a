import type { Swarm, SwarmSpec } from '../../api/engine-types.js';
import { badRequest } from '../../api/errors.js';
import type { ClusterObject } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { invalidArgument } from './errors.js';

const second = 1_000_000_000;
const hour = 3600 * second;

/** Docker's minimum for `--cert-expiry` (SwarmKit's MinNodeCertExpiration). */
export const minNodeCertExpiryNs = hour;

/** SwarmKit's defaults for a new swarm (what `docker info` shows after `docker swarm init`). */
export function defaultSwarmSpec(): SwarmSpec & { Name: string } {
  return {
    Name: 'default',
    Labels: {},
    Orchestration: { TaskHistoryRetentionLimit: 5 },
    Raft: {
      SnapshotInterval: 10000,
      KeepOldSnapshots: 0,
      LogEntriesForSlowFollowers: 500,
      ElectionTick: 10,
      HeartbeatTick: 1,
    },
    Dispatcher: { HeartbeatPeriod: 5 * second },
    CAConfig: { NodeCertExpiry: 2160 * hour },
    TaskDefaults: {},
    EncryptionConfig: { AutoLockManagers: false },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonNegativeInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw badRequest(`invalid ${field}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Checks a SwarmSpec from `swarm init` or `swarm update` and fills zero values with the defaults, as the docker
 * CLI sends zeros for every option the user did not give.
 */
export function normalizeSwarmSpec(
  raw: unknown,
  base: SwarmSpec & { Name: string } = defaultSwarmSpec(),
): SwarmSpec & {
  Name: string;
} {
  if (raw === undefined || raw === null) return structuredClone(base);
  if (!isObject(raw)) throw badRequest('invalid swarm spec: expected a JSON object');
  const spec = raw as SwarmSpec;
  const labels = spec.Labels ?? base.Labels ?? {};
  if (!isObject(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
    throw badRequest('invalid swarm labels: expected an object of string values');
  }
  const history = nonNegativeInt(
    spec.Orchestration?.TaskHistoryRetentionLimit,
    'Orchestration.TaskHistoryRetentionLimit',
  );
  const certExpiry = nonNegativeInt(spec.CAConfig?.NodeCertExpiry, 'CAConfig.NodeCertExpiry');
  if (certExpiry !== undefined && certExpiry !== 0 && certExpiry < minNodeCertExpiryNs) {
    throw invalidArgument('minimum certificate expiry time is: 1h0m0s');
  }
  const ca = spec.CAConfig ?? {};
  if (
    (ca.ForceRotate ?? 0) !== 0 ||
    ca.SigningCACert ||
    ca.SigningCAKey ||
    (ca.ExternalCAs ?? []).length > 0
  ) {
    throw badRequest(
      "root CA rotation and external CAs are not supported by swarmlab's swarmd: the swarm keeps its root CA " +
        '("docker swarm ca" shows it). Node certificates still renew on their own; to change how long they ' +
        'last, use "docker swarm update --cert-expiry".',
    );
  }
  const heartbeat = nonNegativeInt(spec.Dispatcher?.HeartbeatPeriod, 'Dispatcher.HeartbeatPeriod');
  const electionTick = nonNegativeInt(spec.Raft?.ElectionTick, 'Raft.ElectionTick');
  const heartbeatTick = nonNegativeInt(spec.Raft?.HeartbeatTick, 'Raft.HeartbeatTick');
  const snapshotInterval = nonNegativeInt(spec.Raft?.SnapshotInterval, 'Raft.SnapshotInterval');
  const keepOld = nonNegativeInt(spec.Raft?.KeepOldSnapshots, 'Raft.KeepOldSnapshots');
  const slow = nonNegativeInt(spec.Raft?.LogEntriesForSlowFollowers, 'Raft.LogEntriesForSlowFollowers');
  const autolock = spec.EncryptionConfig?.AutoLockManagers;
  if (autolock !== undefined && typeof autolock !== 'boolean') {
    throw badRequest('invalid EncryptionConfig.AutoLockManagers: expected true or false');
  }
  const pick = (value: number | undefined, fallback: number | undefined) => (value ? value : fallback);
  return {
    Name: base.Name,
    Labels: { ...(labels as Record<string, string>) },
    Orchestration: {
      TaskHistoryRetentionLimit: history ?? base.Orchestration?.TaskHistoryRetentionLimit,
    },
    Raft: {
      SnapshotInterval: pick(snapshotInterval, base.Raft?.SnapshotInterval),
      KeepOldSnapshots: keepOld ?? base.Raft?.KeepOldSnapshots,
      LogEntriesForSlowFollowers: pick(slow, base.Raft?.LogEntriesForSlowFollowers),
      ElectionTick: pick(electionTick, base.Raft?.ElectionTick),
      HeartbeatTick: pick(heartbeatTick, base.Raft?.HeartbeatTick),
    },
    Dispatcher: { HeartbeatPeriod: pick(heartbeat, base.Dispatcher?.HeartbeatPeriod) },
    CAConfig: { NodeCertExpiry: pick(certExpiry, base.CAConfig?.NodeCertExpiry) },
    TaskDefaults: spec.TaskDefaults ?? base.TaskDefaults ?? {},
    EncryptionConfig: { AutoLockManagers: autolock ?? base.EncryptionConfig?.AutoLockManagers ?? false },
  };
}

/** `GET /swarm`: the cluster as Docker shows it, join tokens included. */
export function swarmView(cluster: ClusterObject): Swarm {
  const { JoinTokens, ...info } = cluster;
  return { ...info, JoinTokens: { ...JoinTokens } };
}

/** How new secrets are made; the daemon passes the CA's implementations. */
export interface ClusterKeys {
  newJoinToken(rootCertPem: string): string;
  newUnlockKey(): string;
}

export interface ClusterRotation {
  workerToken: boolean;
  managerToken: boolean;
  unlockKey: boolean;
}

/** `POST /swarm/update?version=N&rotate...`: a new spec and optionally new tokens or unlock key. */
export async function updateCluster(
  store: Store,
  version: number,
  rawSpec: unknown,
  rotate: ClusterRotation,
  keys: ClusterKeys,
): Promise<void> {
  await store.update((tx) => {
    const cluster = tx.list('clusters')[0];
    if (!cluster) throw badRequest('the swarm has no cluster object yet; try again');
    const Spec = normalizeSwarmSpec(rawSpec, cluster.Spec);
    const autolock = Spec.EncryptionConfig?.AutoLockManagers === true;
    let unlockKey = cluster._unlockKey;
    if (autolock && (!unlockKey || rotate.unlockKey)) unlockKey = keys.newUnlockKey();
    if (!autolock) unlockKey = undefined;
    tx.update('clusters', {
      ...cluster,
      Version: { Index: version },
      Spec,
      JoinTokens: {
        Worker: rotate.workerToken ? keys.newJoinToken(cluster._rootCA.certPem) : cluster.JoinTokens.Worker,
        Manager: rotate.managerToken
          ? keys.newJoinToken(cluster._rootCA.certPem)
          : cluster.JoinTokens.Manager,
      },
      _unlockKey: unlockKey,
    });
  });
}
