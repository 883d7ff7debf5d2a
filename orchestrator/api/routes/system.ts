import { arch, cpus, release, totalmem } from 'node:os';
import { apiVersion, engineVersion, minApiVersion, swarmlabVersion } from '../../common/version.js';
import type { SwarmInfo, SystemInfo, SystemVersion } from '../engine-types.js';
import { Reply, type Router } from '../router.js';

/** What the system endpoints report about this node; the daemon provides it. */
export interface SystemSources {
  name: string;
  /** A stable id of this engine (not the swarm node id). */
  engineId: string;
  dataDir: string;
  swarmInfo(): SwarmInfo;
  /** The `Swarm` header of `/_ping`: inactive, pending, error, locked, active/worker or active/manager. */
  swarmHeader(): string;
  containerCounts(): { total: number; running: number; paused: number; stopped: number };
  imageCount(): number;
  /** How containers run on this node (bubblewrap namespaces or plain processes) and why. */
  runtime(): { name: string; note?: string };
  labels(): string[];
  startedAt: Date;
}

const goArch = (): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm' })[arch()] ?? arch();

/** Docker's `Architecture` field uses the kernel's name (x86_64), `Arch` of /version Go's (amd64). */
const kernelArch = (): string => ({ x64: 'x86_64', arm64: 'aarch64' })[arch()] ?? arch();

export function versionInfo(): SystemVersion {
  return {
    Platform: { Name: 'swarmlab' },
    Components: [
      {
        Name: 'Engine',
        Version: engineVersion,
        Details: {
          ApiVersion: apiVersion,
          MinAPIVersion: minApiVersion,
          GitCommit: `swarmlab-${swarmlabVersion}`,
          GoVersion: `node${process.versions.node}`,
          Os: 'linux',
          Arch: goArch(),
          KernelVersion: release(),
          BuildTime: '',
        },
      },
    ],
    Version: engineVersion,
    ApiVersion: apiVersion,
    MinAPIVersion: minApiVersion,
    GitCommit: `swarmlab-${swarmlabVersion}`,
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    Experimental: false,
    BuildTime: '',
  };
}

export function systemInfo(sources: SystemSources): SystemInfo {
  const counts = sources.containerCounts();
  const runtime = sources.runtime();
  return {
    ID: sources.engineId,
    Containers: counts.total,
    ContainersRunning: counts.running,
    ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped,
    Images: sources.imageCount(),
    Driver: 'swarmlab',
    DriverStatus: [
      ['Containers', runtime.name === 'bubblewrap' ? 'bubblewrap namespaces' : 'plain processes'],
    ],
    DockerRootDir: sources.dataDir,
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'overlay'],
      Authorization: [],
      Log: ['json-file'],
    },
    MemoryLimit: false,
    SwapLimit: false,
    CpuCfsPeriod: false,
    CpuCfsQuota: false,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'none',
    CgroupVersion: '2',
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: 'swarmlab',
    OSVersion: swarmlabVersion,
    OSType: 'linux',
    Architecture: kernelArch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    Name: sources.name,
    Labels: sources.labels(),
    ExperimentalBuild: false,
    ServerVersion: engineVersion,
    Runtimes: { [runtime.name]: { path: runtime.name === 'bubblewrap' ? 'bwrap' : 'node' } },
    DefaultRuntime: runtime.name,
    Swarm: sources.swarmInfo(),
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: runtime.name === 'bubblewrap' ? ['name=bubblewrap'] : [],
    Warnings: runtime.note ? [`WARNING: ${runtime.note}`] : [],
  };
}

/** `/_ping`, `/version`, `/info`. */
export function registerSystemRoutes(router: Router, sources: SystemSources): void {
  const ping = () =>
    new Reply(200, 'OK', {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      Swarm: sources.swarmHeader(),
    });
  router.get('/_ping', ping);
  router.on('HEAD', '/_ping', ping);
  router.get('/version', () => versionInfo());
  router.get('/info', () => systemInfo(sources));
}
