// Values of the swarm flags: node addresses, external CAs, CIDR pools, and the swarm spec they build.
import { readFileSync } from 'node:fs';
import type { SwarmSpec } from '../../api/engine-types.js';
import type { FlagValues } from '../cobra/flags.js';
import { readCSVLine } from '../cobra/flags.js';

/** docker's NodeAddrOption: "<ip|interface>[:port]" completed from the default 0.0.0.0:2377. */
export function parseNodeAddr(text: string, defaultAddr = '0.0.0.0:2377'): string {
  const [defaultHost, defaultPort] = defaultAddr.split(':') as [string, string];
  let rest = text.startsWith('tcp://') ? text.slice(6) : text;
  if (rest.includes('://'))
    throw new Error(`invalid address (${text}): Invalid proto, expected tcp: ${text}`);
  rest = rest.replace(/\/.*$/, '');
  let host: string;
  let port: string;
  const bracket = /^\[([^\]]*)\](?::(\d*))?$/.exec(rest);
  if (bracket) {
    host = bracket[1]!;
    port = bracket[2] ?? '';
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    port = colon >= 0 ? rest.slice(colon + 1) : '';
  }
  if (port !== '' && !/^\d+$/.test(port)) {
    throw new Error(`parse "tcp://${text.replace(/^tcp:\/\//, '')}": invalid port ":${port}" after host`);
  }
  host ||= defaultHost;
  port ||= defaultPort;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An external CA ("protocol=cfssl,url=https://ca.example.com"). */
export interface ExternalCA {
  Protocol: string;
  URL: string;
  Options: Record<string, string>;
  CACert?: string;
}

/** docker's parseExternalCA. */
export function parseExternalCA(spec: string): ExternalCA {
  const ca: ExternalCA = { Protocol: '', URL: '', Options: {} };
  let hasProtocol = false;
  let hasURL = false;
  for (const field of readCSVLine(spec)) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (key === 'protocol') {
      hasProtocol = true;
      if (value.toLowerCase() !== 'cfssl') throw new Error(`unrecognized external CA protocol ${value}`);
      ca.Protocol = 'cfssl';
    } else if (key === 'url') {
      hasURL = true;
      ca.URL = value;
    } else if (key === 'cacert') {
      let contents: string;
      try {
        contents = readFileSync(value, 'utf8');
      } catch (err) {
        throw new Error(`unable to read CA cert for external CA: ${(err as Error).message}`);
      }
      if (!contents.includes('-----BEGIN')) throw new Error('CA cert for external CA must be in PEM format');
      ca.CACert = contents;
    } else {
      ca.Options[key] = value;
    }
  }
  if (!hasProtocol) throw new Error('the external-ca option needs a protocol= parameter');
  if (!hasURL) throw new Error('the external-ca option needs a url= parameter');
  return ca;
}

/** Go's net.ParseCIDR followed by IPNet.String() (the network address). */
export function parseIPNet(text: string): string {
  const value = text.trim();
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) {
    if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(value)) return value.toLowerCase();
    throw new Error(`invalid string being converted to CIDR: ${value}`);
  }
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32)
    throw new Error(`invalid string being converted to CIDR: ${value}`);
  const address = octets.reduce((acc, o) => (acc << 8) + o, 0) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (address & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.')}/${bits}`;
}

/** The spec changes the swarm flags ask for, merged into `spec` (docker's mergeSwarmSpec). */
export function mergeSwarmSpec(spec: SwarmSpec, flags: FlagValues, trustRoot = ''): SwarmSpec {
  const next: SwarmSpec = structuredClone(spec);
  if (flags.changed('task-history-limit')) {
    next.Orchestration = {
      ...(next.Orchestration ?? {}),
      TaskHistoryRetentionLimit: flags.get<number>('task-history-limit'),
    };
  }
  if (flags.changed('dispatcher-heartbeat')) {
    next.Dispatcher = {
      ...(next.Dispatcher ?? {}),
      HeartbeatPeriod: Number(flags.get<bigint>('dispatcher-heartbeat')),
    };
  }
  if (flags.changed('max-snapshots')) {
    next.Raft = { ...(next.Raft ?? {}), KeepOldSnapshots: flags.get<number>('max-snapshots') };
  }
  if (flags.changed('snapshot-interval')) {
    next.Raft = { ...(next.Raft ?? {}), SnapshotInterval: flags.get<number>('snapshot-interval') };
  }
  if (flags.changed('autolock')) {
    next.EncryptionConfig = {
      ...(next.EncryptionConfig ?? {}),
      AutoLockManagers: flags.get<boolean>('autolock'),
    };
  }
  if (flags.changed('cert-expiry')) {
    next.CAConfig = { ...(next.CAConfig ?? {}), NodeCertExpiry: Number(flags.get<bigint>('cert-expiry')) };
  }
  if (flags.changed('external-ca')) {
    next.CAConfig = {
      ...(next.CAConfig ?? {}),
      ExternalCAs: flags
        .get<ExternalCA[]>('external-ca')
        .map((ca) => ({ ...ca, CACert: trustRoot })) as never,
    };
  }
  return next;
}

/** The spec of `docker swarm init`, field for field as docker's Go client encodes an empty swarm.Spec. */
export function initSpec(flags: FlagValues): Record<string, unknown> {
  const merged = mergeSwarmSpec({}, flags);
  const orchestration: Record<string, unknown> = {};
  if (merged.Orchestration?.TaskHistoryRetentionLimit !== undefined) {
    orchestration.TaskHistoryRetentionLimit = merged.Orchestration.TaskHistoryRetentionLimit;
  }
  const raft: Record<string, unknown> = {};
  if (merged.Raft?.SnapshotInterval) raft.SnapshotInterval = merged.Raft.SnapshotInterval;
  if (merged.Raft?.KeepOldSnapshots !== undefined) raft.KeepOldSnapshots = merged.Raft.KeepOldSnapshots;
  raft.ElectionTick = 0;
  raft.HeartbeatTick = 0;
  const dispatcher: Record<string, unknown> = {};
  if (merged.Dispatcher?.HeartbeatPeriod) dispatcher.HeartbeatPeriod = merged.Dispatcher.HeartbeatPeriod;
  const ca: Record<string, unknown> = {};
  if (merged.CAConfig?.NodeCertExpiry) ca.NodeCertExpiry = merged.CAConfig.NodeCertExpiry;
  if (merged.CAConfig?.ExternalCAs?.length) ca.ExternalCAs = merged.CAConfig.ExternalCAs;
  return {
    Labels: null,
    Orchestration: orchestration,
    Raft: raft,
    Dispatcher: dispatcher,
    CAConfig: ca,
    TaskDefaults: {},
    EncryptionConfig: { AutoLockManagers: merged.EncryptionConfig?.AutoLockManagers ?? false },
  };
}
