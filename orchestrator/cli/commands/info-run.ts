// `docker info`: docker's pretty printout of GET /info, or a --format template over it.
import type { SystemInfo } from '../../api/engine-types.js';
import type { CliEnv } from '../cli-env.js';
import { ConnectionError } from '../client/engine-client.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import { basicFunctions, parseTemplate } from '../formatter/format-context.js';
import { GoTemplate, goEmbedded, goStructEntries, goTypeName, TemplateError } from '../text/go-template.js';
import { decodeGo, systemInfoType } from '../text/go-types.js';
import { bytesSize, humanDuration } from '../text/units.js';
import { ClientVersion } from './version-run.js';

/** The client part of `docker info` (Go's clientInfo: Debug, the client version fields, plugins). */
class ClientInfo {
  readonly [goTypeName] = 'system.clientInfo';
  readonly [goEmbedded]: ClientVersion;
  Plugins: unknown[] = [];
  Warnings: string[] | null = null;

  constructor(
    readonly Debug: boolean,
    version: ClientVersion,
  ) {
    this[goEmbedded] = version;
  }

  marshalJSON(): Record<string, unknown> {
    const version = this[goEmbedded].marshalJSON();
    // docker 28.2.2's info leaves the negotiated API version out of the client section.
    delete version.ApiVersion;
    return { Debug: this.Debug, ...version, Plugins: this.Plugins, Warnings: this.Warnings };
  }
}

/** What `docker info --format` templates see (Go's dockerInfo). */
class DockerInfo {
  readonly [goTypeName] = 'system.dockerInfo';
  readonly [goEmbedded]: SystemInfo;
  ServerErrors: string[] | null = null;
  ClientErrors: string[] | null = null;

  constructor(
    info: SystemInfo,
    readonly ClientInfo: ClientInfo,
  ) {
    this[goEmbedded] = info;
  }

  marshalJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.fromEntries(goStructEntries(this[goEmbedded]));
    if (this.ServerErrors?.length) out.ServerErrors = this.ServerErrors;
    out.ClientInfo = this.ClientInfo.marshalJSON();
    if (this.ClientErrors?.length) out.ClientErrors = this.ClientErrors;
    return out;
  }
}

/** A template that reads only client fields does not need the daemon (docker's needsServerInfo). */
function needsServerInfo(format: string, clientInfo: ClientInfo): boolean {
  if (format === '' || !/\.[a-zA-Z]/.test(format)) return true;
  let template: GoTemplate;
  try {
    template = GoTemplate.parse(format, { funcs: basicFunctions });
  } catch {
    return true;
  }
  class SparseInfo {
    readonly [goTypeName] = 'system.sparseInfo';
    ClientInfo = clientInfo;
    ClientErrors = null;
  }
  try {
    template.execute(new SparseInfo());
    return false;
  } catch {
    return true;
  }
}

function line(env: CliEnv, ...parts: unknown[]): void {
  env.out.write(`${parts.map((p) => String(p)).join(' ')}\n`);
}

function lineNonEmpty(env: CliEnv, label: string, value: string | undefined): void {
  if (value) line(env, label, value);
}

/** Runs `docker info`. */
export async function runInfo({ flags, env }: Invocation): Promise<void> {
  const format = flags.get<string>('format');
  const version = new ClientVersion();
  version.Context = env.contextName;
  const debug = env.debug;
  const clientInfo = new ClientInfo(debug, version);
  // When GET /info fails, templates see Go's zero system.Info.
  let info: SystemInfo | undefined = {};
  let failure: unknown;
  if (needsServerInfo(format, clientInfo)) {
    env.client();
    try {
      info = await env.client().get<SystemInfo>('/info');
    } catch (err) {
      failure = err;
      if (format === '') info = undefined;
    }
  }
  if (format !== '') {
    try {
      formatInfo(env, new DockerInfo(decodeGo(info ?? {}, systemInfoType) as SystemInfo, clientInfo), format);
    } catch (err) {
      // A template that does not parse is reported after the daemon's error.
      if (failure && err instanceof StatusError) env.err.write(`${(failure as Error).message}\n`);
      throw err;
    }
    if (failure) throw failure;
    return;
  }
  prettyPrintInfo(env, clientInfo, info, failure);
}

function formatInfo(env: CliEnv, data: DockerInfo, format: string): void {
  let template: GoTemplate;
  try {
    template = parseTemplate(format === 'json' ? '{{json .}}' : format);
  } catch (err) {
    throw new StatusError((err as Error).message, 64);
  }
  let text = '';
  let failure: Error | undefined;
  try {
    text = template.execute(data);
  } catch (err) {
    failure = err instanceof TemplateError ? err : (err as Error);
  }
  env.out.write(`${text}\n`);
  if (failure) throw failure;
}

function prettyPrintInfo(
  env: CliEnv,
  client: ClientInfo,
  info: SystemInfo | undefined,
  failure: unknown,
): void {
  const version = client[goEmbedded];
  line(env, 'Client:');
  lineNonEmpty(env, ' Version:   ', version.Version);
  line(env, ' Context:   ', version.Context);
  line(env, ' Debug Mode:', client.Debug);
  line(env);
  line(env, 'Server:');
  if (failure instanceof ConnectionError) throw failure;
  const errors: string[] = [];
  if (failure) errors.push((failure as Error).message);
  if (info) errors.push(...prettyPrintServerInfo(env, info));
  for (const message of errors) env.err.write(`ERROR: ${message}\n`);
  if (errors.length > 0) throw new Error('errors pretty printing info');
}

/** docker's DecodeSecurityOptions: "name=seccomp,profile=builtin" -> seccomp with its options. */
function decodeSecurityOptions(options: string[]): Array<{ name: string; options: Array<[string, string]> }> {
  return options.map((option) => {
    if (!option.includes('=')) return { name: option, options: [] };
    let name = '';
    const kvs: Array<[string, string]> = [];
    for (const part of option.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) throw new Error(`invalid security option ${JSON.stringify(part)}`);
      const key = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (key === 'name') name = value;
      else kvs.push([key, value]);
    }
    return { name, options: kvs };
  });
}

function prettyPrintServerInfo(env: CliEnv, info: SystemInfo): string[] {
  const errors: string[] = [];
  line(env, ' Containers:', info.Containers ?? 0);
  line(env, '  Running:', info.ContainersRunning ?? 0);
  line(env, '  Paused:', info.ContainersPaused ?? 0);
  line(env, '  Stopped:', info.ContainersStopped ?? 0);
  line(env, ' Images:', info.Images ?? 0);
  lineNonEmpty(env, ' Server Version:', info.ServerVersion);
  lineNonEmpty(env, ' Storage Driver:', info.Driver);
  for (const pair of info.DriverStatus ?? []) env.out.write(`  ${pair[0]}: ${pair[1]}\n`);
  for (const pair of (info as { SystemStatus?: string[][] }).SystemStatus ?? []) {
    env.out.write(` ${pair[0]}: ${pair[1]}\n`);
  }
  lineNonEmpty(env, ' Logging Driver:', info.LoggingDriver);
  lineNonEmpty(env, ' Cgroup Driver:', info.CgroupDriver);
  lineNonEmpty(env, ' Cgroup Version:', info.CgroupVersion);
  const plugins = info.Plugins ?? {};
  line(env, ' Plugins:');
  line(env, '  Volume:', (plugins.Volume ?? []).join(' '));
  line(env, '  Network:', (plugins.Network ?? []).join(' '));
  if ((plugins.Authorization ?? []).length)
    line(env, '  Authorization:', (plugins.Authorization ?? []).join(' '));
  line(env, '  Log:', (plugins.Log ?? []).join(' '));
  if ((info.CDISpecDirs ?? []).length) {
    line(env, ' CDI spec directories:');
    for (const dir of info.CDISpecDirs ?? []) env.out.write(`  ${dir}\n`);
  }
  line(env, ' Swarm:', info.Swarm?.LocalNodeState ?? '');
  printSwarmInfo(env, info);
  const runtimes = Object.keys(info.Runtimes ?? {});
  if (runtimes.length) {
    line(env, ' Runtimes:', runtimes.join(' '));
    line(env, ' Default Runtime:', info.DefaultRuntime ?? '');
  }
  if (info.OSType === 'linux') {
    line(env, ' Init Binary:', info.InitBinary ?? '');
    line(env, ' containerd version:', info.ContainerdCommit?.ID ?? '');
    line(env, ' runc version:', info.RuncCommit?.ID ?? '');
    line(env, ' init version:', info.InitCommit?.ID ?? '');
    if ((info.SecurityOptions ?? []).length) {
      try {
        const decoded = decodeSecurityOptions(info.SecurityOptions ?? []);
        line(env, ' Security Options:');
        for (const option of decoded) {
          line(env, `  ${option.name}`);
          for (const [key, value] of option.options) if (key === 'profile') line(env, '   Profile:', value);
        }
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }
  if (info.OSType === 'windows') line(env, ' Default Isolation:', info.Isolation ?? '');
  lineNonEmpty(env, ' Kernel Version:', info.KernelVersion);
  lineNonEmpty(env, ' Operating System:', info.OperatingSystem);
  lineNonEmpty(env, ' OSType:', info.OSType);
  lineNonEmpty(env, ' Architecture:', info.Architecture);
  line(env, ' CPUs:', info.NCPU ?? 0);
  line(env, ' Total Memory:', bytesSize(info.MemTotal ?? 0));
  lineNonEmpty(env, ' Name:', info.Name);
  lineNonEmpty(env, ' ID:', info.ID);
  line(env, ' Docker Root Dir:', info.DockerRootDir ?? '');
  line(env, ' Debug Mode:', info.Debug ?? false);
  if (info.Debug) {
    line(env, '  File Descriptors:', info.NFd ?? 0);
    line(env, '  Goroutines:', info.NGoroutines ?? 0);
    line(env, '  System Time:', info.SystemTime ?? '');
    line(env, '  EventsListeners:', info.NEventsListener ?? 0);
  }
  lineNonEmpty(env, ' HTTP Proxy:', info.HttpProxy);
  lineNonEmpty(env, ' HTTPS Proxy:', info.HttpsProxy);
  lineNonEmpty(env, ' No Proxy:', info.NoProxy);
  if ((info.Labels ?? []).length) {
    line(env, ' Labels:');
    for (const label of info.Labels ?? []) line(env, `  ${label}`);
  }
  line(env, ' Experimental:', info.ExperimentalBuild ?? false);
  const registry = info.RegistryConfig;
  const insecureCIDRs = (registry?.InsecureRegistryCIDRs ?? []) as string[];
  const indexConfigs = Object.values(registry?.IndexConfigs ?? {}) as Array<{
    Name?: string;
    Secure?: boolean;
  }>;
  if (registry && (insecureCIDRs.length > 0 || indexConfigs.length > 0)) {
    line(env, ' Insecure Registries:');
    for (const config of indexConfigs) if (!config.Secure) line(env, `  ${config.Name ?? ''}`);
    for (const cidr of insecureCIDRs) env.out.write(`  ${cidr}\n`);
  }
  if ((registry?.Mirrors ?? []).length) {
    line(env, ' Registry Mirrors:');
    for (const mirror of registry?.Mirrors ?? []) line(env, `  ${mirror}`);
  }
  line(env, ' Live Restore Enabled:', info.LiveRestoreEnabled ?? false);
  if (info.ProductLicense) line(env, ' Product License:', info.ProductLicense);
  if ((info.DefaultAddressPools ?? []).length) {
    line(env, ' Default Address Pools:');
    for (const pool of info.DefaultAddressPools ?? [])
      env.out.write(`   Base: ${pool.Base}, Size: ${pool.Size}\n`);
  }
  line(env);
  for (const warning of info.Warnings ?? []) env.err.write(`${warning}\n`);
  return errors;
}

function printSwarmInfo(env: CliEnv, info: SystemInfo): void {
  const swarm = info.Swarm ?? {};
  if (swarm.LocalNodeState === 'inactive' || swarm.LocalNodeState === 'locked') return;
  line(env, '  NodeID:', swarm.NodeID ?? '');
  if (swarm.Error) line(env, '  Error:', swarm.Error);
  line(env, '  Is Manager:', swarm.ControlAvailable ?? false);
  const cluster = swarm.Cluster;
  if (cluster && swarm.ControlAvailable && !swarm.Error && swarm.LocalNodeState !== 'error') {
    line(env, '  ClusterID:', cluster.ID ?? '');
    line(env, '  Managers:', swarm.Managers ?? 0);
    line(env, '  Nodes:', swarm.Nodes ?? 0);
    if (cluster.DefaultAddrPool) {
      line(env, '  Default Address Pool:', cluster.DefaultAddrPool.map((p) => `${p}  `).join(''));
      line(env, '  SubnetSize:', cluster.SubnetSize ?? 0);
    }
    if ((cluster.DataPathPort ?? 0) > 0) line(env, '  Data Path Port:', cluster.DataPathPort);
    const spec = cluster.Spec ?? {};
    line(env, '  Orchestration:');
    line(env, '   Task History Retention Limit:', spec.Orchestration?.TaskHistoryRetentionLimit ?? 0);
    line(env, '  Raft:');
    line(env, '   Snapshot Interval:', spec.Raft?.SnapshotInterval ?? 0);
    if (spec.Raft?.KeepOldSnapshots !== undefined) {
      env.out.write(`   Number of Old Snapshots to Retain: ${spec.Raft.KeepOldSnapshots}\n`);
    }
    line(env, '   Heartbeat Tick:', spec.Raft?.HeartbeatTick ?? 0);
    line(env, '   Election Tick:', spec.Raft?.ElectionTick ?? 0);
    line(env, '  Dispatcher:');
    line(env, '   Heartbeat Period:', humanDuration(spec.Dispatcher?.HeartbeatPeriod ?? 0));
    line(env, '  CA Configuration:');
    line(env, '   Expiry Duration:', humanDuration(spec.CAConfig?.NodeCertExpiry ?? 0));
    line(env, '   Force Rotate:', spec.CAConfig?.ForceRotate ?? 0);
    const signingCert = (spec.CAConfig?.SigningCACert ?? '').trim();
    if (signingCert) env.out.write(`   Signing CA Certificate: \n${signingCert}\n\n`);
    if ((spec.CAConfig?.ExternalCAs ?? []).length) {
      line(env, '   External CAs:');
      for (const ca of spec.CAConfig?.ExternalCAs ?? []) env.out.write(`     ${ca.Protocol}: ${ca.URL}\n`);
    }
    line(env, '  Autolock Managers:', spec.EncryptionConfig?.AutoLockManagers ?? false);
    line(env, '  Root Rotation In Progress:', cluster.RootRotationInProgress ?? false);
  }
  line(env, '  Node Address:', swarm.NodeAddr ?? '');
  const managers = (swarm.RemoteManagers ?? []).map((m) => m.Addr ?? '').sort();
  if (managers.length) {
    line(env, '  Manager Addresses:');
    for (const addr of managers) env.out.write(`   ${addr}\n`);
  }
}
