// The Go types docker decodes API objects into (moby's api/types/swarm), so that what docker prints from its
// structs rather than from the daemon's bytes — `docker service inspect`, `docker node inspect` and their
// templates — is what Go would print: every field in struct order, zero values for missing ones, unknown
// fields dropped, `omitempty` applied when encoding, map keys sorted, nil pointers, maps and slices typed,
// times and durations printed through their String methods.
import {
  GoNil,
  type GoStringer,
  type GoZeroable,
  goJsonNames,
  goOmitEmpty,
  goTypeName,
} from './go-template.js';
import { formatGoDuration, goTimeString } from './units.js';

export type GoType =
  | { kind: 'string' | 'bool' | 'int' | 'float' | 'bytes' | 'any' | 'time' | 'duration' }
  | { kind: 'map'; elem: GoType }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'pointer'; elem: GoType }
  | { kind: 'struct'; name: string; fields: GoField[] };

export interface GoField {
  /** The Go field name (what templates use). */
  name: string;
  /** The JSON key, when its tag renames the field (`json:"Id"`). */
  json?: string;
  type: GoType;
  omitEmpty: boolean;
}

/** A time.Time: prints as Go's Time.String(), encodes as RFC 3339 with nanoseconds (trailing zeros cut). */
export class GoTimeValue implements GoStringer {
  constructor(readonly text: string) {}
  goString(): string {
    return goTimeString(this.text);
  }
  toJSON(): string {
    const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(this.text);
    if (!match) return this.text;
    const fraction = (match[2] ?? '').slice(0, 9).replace(/0+$/, '');
    const zone = match[3] === '+00:00' || match[3] === '-00:00' ? 'Z' : match[3];
    return `${match[1]}${fraction ? `.${fraction}` : ''}${zone}`;
  }
}

/** A time.Duration: prints as "1m30s", encodes as nanoseconds. */
export class GoDurationValue implements GoStringer, GoZeroable {
  constructor(readonly nanoseconds: number) {}
  goString(): string {
    return formatGoDuration(BigInt(Math.trunc(this.nanoseconds)));
  }
  toJSON(): number {
    return this.nanoseconds;
  }
  goIsZero(): boolean {
    return this.nanoseconds === 0;
  }
}

const zeroTime = '0001-01-01T00:00:00Z';

/** The Go type as written in error messages ("*swarm.UpdateStatus", "map[string]string"). */
export function goTypeString(type: GoType): string {
  switch (type.kind) {
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'bytes':
      return '[]uint8';
    case 'any':
      return 'interface {}';
    case 'time':
      return 'time.Time';
    case 'duration':
      return 'time.Duration';
    case 'map':
      return `map[string]${goTypeString(type.elem)}`;
    case 'slice':
      return `[]${goTypeString(type.elem)}`;
    case 'pointer':
      return `*${goTypeString(type.elem)}`;
    case 'struct':
      return type.name;
  }
}

function zeroValue(type: GoType): unknown {
  switch (type.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
    case 'float':
      return 0;
    case 'time':
      return new GoTimeValue(zeroTime);
    case 'duration':
      return new GoDurationValue(0);
    case 'struct':
      return decodeStruct({}, type);
    case 'any':
      return null;
    default:
      return new GoNil(goTypeString(type));
  }
}

function decodeStruct(
  source: Record<string, unknown>,
  type: Extract<GoType, { kind: 'struct' }>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  Object.defineProperty(out, goTypeName, { value: type.name });
  Object.defineProperty(out, goOmitEmpty, {
    value: new Map(type.fields.filter((f) => f.omitEmpty).map((f) => [f.name, f.type.kind === 'pointer'])),
  });
  const renamed = type.fields.filter((f) => f.json !== undefined);
  if (renamed.length) {
    Object.defineProperty(out, goJsonNames, { value: new Map(renamed.map((f) => [f.name, f.json!])) });
  }
  // Go's decoder matches keys exactly first, then case-insensitively; unknown keys are dropped.
  const lower = new Map(Object.keys(source).map((k) => [k.toLowerCase(), k]));
  for (const field of type.fields) {
    const jsonName = field.json ?? field.name;
    const key = Object.hasOwn(source, jsonName) ? jsonName : lower.get(jsonName.toLowerCase());
    out[field.name] = key === undefined ? zeroValue(field.type) : decodeGo(source[key], field.type);
  }
  return Object.setPrototypeOf(out, GoStructPrototype);
}

/** The prototype of decoded structs (not Object.prototype, so templates treat them as structs, not maps). */
const GoStructPrototype = Object.create(Object.prototype) as object;

/** Decodes a JSON value into `type` as Go's encoding/json would. */
export function decodeGo(value: unknown, type: GoType): unknown {
  switch (type.kind) {
    case 'pointer':
      return value === null || value === undefined
        ? new GoNil(goTypeString(type))
        : decodeGo(value, type.elem);
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return new GoNil(goTypeString(type));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort()) {
        out[key] = decodeGo((value as Record<string, unknown>)[key], type.elem);
      }
      return out;
    }
    case 'slice':
      if (!Array.isArray(value)) return new GoNil(goTypeString(type));
      return value.map((item) => decodeGo(item, type.elem));
    case 'struct':
      return decodeStruct(
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : {},
        type,
      );
    case 'time':
      return typeof value === 'string' ? new GoTimeValue(value) : zeroValue(type);
    case 'duration':
      return new GoDurationValue(typeof value === 'number' ? value : 0);
    case 'bytes':
      return typeof value === 'string' ? value : new GoNil('[]uint8');
    case 'any':
      return value === undefined ? null : value;
    default:
      return value === null || value === undefined ? zeroValue(type) : value;
  }
}

// ---------------------------------------------------------------------------------------------------------
// moby api/types/swarm (and the mount, container and go-units types it uses), API v1.47 / docker 28.

const S: GoType = { kind: 'string' };
const B: GoType = { kind: 'bool' };
const I: GoType = { kind: 'int' };
const F: GoType = { kind: 'float' };
const Bytes: GoType = { kind: 'bytes' };
const Any: GoType = { kind: 'any' };
const Time: GoType = { kind: 'time' };
const Dur: GoType = { kind: 'duration' };
const StrMap: GoType = { kind: 'map', elem: S };
const Strs: GoType = { kind: 'slice', elem: S };
const ptr = (elem: GoType): GoType => ({ kind: 'pointer', elem });
const list = (elem: GoType): GoType => ({ kind: 'slice', elem });

/** Fields: "Name" (always encoded), "Name?" (omitempty), "Name=json" / "Name=json?" (renamed by its tag). */
function struct(name: string, fields: Array<[string, GoType]>): Extract<GoType, { kind: 'struct' }> {
  return {
    kind: 'struct',
    name,
    fields: fields.map(([key, type]) => {
      const [goName, json] = key.replace(/\?$/, '').split('=') as [string, string | undefined];
      return { name: goName, ...(json ? { json } : {}), type, omitEmpty: key.endsWith('?') };
    }),
  };
}

const version = struct('swarm.Version', [['Index?', I]]);
const meta: Array<[string, GoType]> = [
  ['Version?', version],
  ['CreatedAt?', Time],
  ['UpdatedAt?', Time],
];
const annotations: Array<[string, GoType]> = [
  ['Name?', S],
  ['Labels', StrMap],
];
const driver = struct('swarm.Driver', [
  ['Name?', S],
  ['Options?', StrMap],
]);
const platform = struct('swarm.Platform', [
  ['Architecture?', S],
  ['OS?', S],
]);
const genericResource = struct('swarm.GenericResource', [
  [
    'NamedResourceSpec?',
    ptr(
      struct('swarm.NamedGenericResource', [
        ['Kind?', S],
        ['Value?', S],
      ]),
    ),
  ],
  [
    'DiscreteResourceSpec?',
    ptr(
      struct('swarm.DiscreteGenericResource', [
        ['Kind?', S],
        ['Value?', I],
      ]),
    ),
  ],
]);
const resources = struct('swarm.Resources', [
  ['NanoCPUs?', I],
  ['MemoryBytes?', I],
  ['GenericResources?', list(genericResource)],
]);
const portConfig = struct('swarm.PortConfig', [
  ['Name?', S],
  ['Protocol?', S],
  ['TargetPort?', I],
  ['PublishedPort?', I],
  ['PublishMode?', S],
]);
const endpointSpec = struct('swarm.EndpointSpec', [
  ['Mode?', S],
  ['Ports?', list(portConfig)],
]);
const networkAttachmentConfig = struct('swarm.NetworkAttachmentConfig', [
  ['Target?', S],
  ['Aliases?', Strs],
  ['DriverOpts?', StrMap],
]);
const fileTarget = (name: string) =>
  struct(name, [
    ['Name', S],
    ['UID', S],
    ['GID', S],
    ['Mode', I],
  ]);
const mount = struct('mount.Mount', [
  ['Type?', S],
  ['Source?', S],
  ['Target?', S],
  ['ReadOnly?', B],
  ['Consistency?', S],
  [
    'BindOptions?',
    ptr(
      struct('mount.BindOptions', [
        ['Propagation?', S],
        ['NonRecursive?', B],
        ['CreateMountpoint?', B],
        ['ReadOnlyNonRecursive?', B],
        ['ReadOnlyForceRecursive?', B],
      ]),
    ),
  ],
  [
    'VolumeOptions?',
    ptr(
      struct('mount.VolumeOptions', [
        ['NoCopy?', B],
        ['Labels?', StrMap],
        ['Subpath?', S],
        [
          'DriverConfig?',
          ptr(
            struct('mount.Driver', [
              ['Name?', S],
              ['Options?', StrMap],
            ]),
          ),
        ],
      ]),
    ),
  ],
  ['ImageOptions?', ptr(struct('mount.ImageOptions', [['Subpath?', S]]))],
  [
    'TmpfsOptions?',
    ptr(
      struct('mount.TmpfsOptions', [
        ['SizeBytes?', I],
        ['Mode?', I],
        ['Options?', list(Strs)],
      ]),
    ),
  ],
  ['ClusterOptions?', Any],
]);
const containerSpec = struct('swarm.ContainerSpec', [
  ['Image?', S],
  ['Labels?', StrMap],
  ['Command?', Strs],
  ['Args?', Strs],
  ['Hostname?', S],
  ['Env?', Strs],
  ['Dir?', S],
  ['User?', S],
  ['Groups?', Strs],
  [
    'Privileges?',
    ptr(
      struct('swarm.Privileges', [
        [
          'CredentialSpec',
          ptr(
            struct('swarm.CredentialSpec', [
              ['Config', S],
              ['File', S],
              ['Registry', S],
            ]),
          ),
        ],
        [
          'SELinuxContext',
          ptr(
            struct('swarm.SELinuxContext', [
              ['Disable', B],
              ['User', S],
              ['Role', S],
              ['Type', S],
              ['Level', S],
            ]),
          ),
        ],
        [
          'Seccomp?',
          ptr(
            struct('swarm.SeccompOpts', [
              ['Mode?', S],
              ['Profile?', Bytes],
            ]),
          ),
        ],
        ['AppArmor?', ptr(struct('swarm.AppArmorOpts', [['Mode?', S]]))],
        ['NoNewPrivileges', B],
      ]),
    ),
  ],
  ['Init?', ptr(B)],
  ['StopSignal?', S],
  ['TTY?', B],
  ['OpenStdin?', B],
  ['ReadOnly?', B],
  ['Mounts?', list(mount)],
  ['StopGracePeriod?', ptr(Dur)],
  [
    'Healthcheck?',
    ptr(
      struct('container.HealthConfig', [
        ['Test?', Strs],
        ['Interval?', Dur],
        ['Timeout?', Dur],
        ['StartPeriod?', Dur],
        ['StartInterval?', Dur],
        ['Retries?', I],
      ]),
    ),
  ],
  ['Hosts?', Strs],
  [
    'DNSConfig?',
    ptr(
      struct('swarm.DNSConfig', [
        ['Nameservers?', Strs],
        ['Search?', Strs],
        ['Options?', Strs],
      ]),
    ),
  ],
  [
    'Secrets?',
    list(
      ptr(
        struct('swarm.SecretReference', [
          ['File', ptr(fileTarget('swarm.SecretReferenceFileTarget'))],
          ['SecretID', S],
          ['SecretName', S],
        ]),
      ),
    ),
  ],
  [
    'Configs?',
    list(
      ptr(
        struct('swarm.ConfigReference', [
          ['File?', ptr(fileTarget('swarm.ConfigReferenceFileTarget'))],
          ['Runtime?', ptr(struct('swarm.ConfigReferenceRuntimeTarget', []))],
          ['ConfigID', S],
          ['ConfigName', S],
        ]),
      ),
    ),
  ],
  ['Isolation?', S],
  ['Sysctls?', StrMap],
  ['CapabilityAdd?', Strs],
  ['CapabilityDrop?', Strs],
  [
    'Ulimits?',
    list(
      ptr(
        struct('container.Ulimit', [
          ['Name', S],
          ['Hard', I],
          ['Soft', I],
        ]),
      ),
    ),
  ],
  ['OomScoreAdj?', I],
]);
const taskSpec = struct('swarm.TaskSpec', [
  ['ContainerSpec?', ptr(containerSpec)],
  ['PluginSpec?', ptr(Any)],
  ['NetworkAttachmentSpec?', ptr(struct('swarm.NetworkAttachmentSpec', [['ContainerID', S]]))],
  [
    'Resources?',
    ptr(
      struct('swarm.ResourceRequirements', [
        [
          'Limits?',
          ptr(
            struct('swarm.Limit', [
              ['NanoCPUs?', I],
              ['MemoryBytes?', I],
              ['Pids?', I],
            ]),
          ),
        ],
        ['Reservations?', ptr(resources)],
      ]),
    ),
  ],
  [
    'RestartPolicy?',
    ptr(
      struct('swarm.RestartPolicy', [
        ['Condition?', S],
        ['Delay?', ptr(Dur)],
        ['MaxAttempts?', ptr(I)],
        ['Window?', ptr(Dur)],
      ]),
    ),
  ],
  [
    'Placement?',
    ptr(
      struct('swarm.Placement', [
        ['Constraints?', Strs],
        [
          'Preferences?',
          list(
            struct('swarm.PlacementPreference', [
              ['Spread', ptr(struct('swarm.SpreadOver', [['SpreadDescriptor', S]]))],
            ]),
          ),
        ],
        ['MaxReplicas?', I],
        ['Platforms?', list(platform)],
      ]),
    ),
  ],
  ['Networks?', list(networkAttachmentConfig)],
  ['LogDriver?', ptr(driver)],
  ['ForceUpdate', I],
  ['Runtime?', S],
]);
const updateConfig = struct('swarm.UpdateConfig', [
  ['Parallelism', I],
  ['Delay?', Dur],
  ['FailureAction?', S],
  ['Monitor?', Dur],
  ['MaxFailureRatio', F],
  ['Order', S],
]);
const serviceSpec = struct('swarm.ServiceSpec', [
  ...annotations,
  ['TaskTemplate?', taskSpec],
  [
    'Mode?',
    struct('swarm.ServiceMode', [
      ['Replicated?', ptr(struct('swarm.ReplicatedService', [['Replicas?', ptr(I)]]))],
      ['Global?', ptr(struct('swarm.GlobalService', []))],
      [
        'ReplicatedJob?',
        ptr(
          struct('swarm.ReplicatedJob', [
            ['MaxConcurrent?', ptr(I)],
            ['TotalCompletions?', ptr(I)],
          ]),
        ),
      ],
      ['GlobalJob?', ptr(struct('swarm.GlobalJob', []))],
    ]),
  ],
  ['UpdateConfig?', ptr(updateConfig)],
  ['RollbackConfig?', ptr(updateConfig)],
  ['Networks?', list(networkAttachmentConfig)],
  ['EndpointSpec?', ptr(endpointSpec)],
]);

/** swarm.Service. */
export const serviceType = struct('swarm.Service', [
  ['ID', S],
  ...meta,
  ['Spec?', serviceSpec],
  ['PreviousSpec?', ptr(serviceSpec)],
  [
    'Endpoint?',
    struct('swarm.Endpoint', [
      ['Spec?', endpointSpec],
      ['Ports?', list(portConfig)],
      [
        'VirtualIPs?',
        list(
          struct('swarm.EndpointVirtualIP', [
            ['NetworkID?', S],
            ['Addr?', S],
          ]),
        ),
      ],
    ]),
  ],
  [
    'UpdateStatus?',
    ptr(
      struct('swarm.UpdateStatus', [
        ['State?', S],
        ['StartedAt?', ptr(Time)],
        ['CompletedAt?', ptr(Time)],
        ['Message?', S],
      ]),
    ),
  ],
  [
    'ServiceStatus?',
    ptr(
      struct('swarm.ServiceStatus', [
        ['RunningTasks', I],
        ['DesiredTasks', I],
        ['CompletedTasks', I],
      ]),
    ),
  ],
  [
    'JobStatus?',
    ptr(
      struct('swarm.JobStatus', [
        ['JobIteration', version],
        ['LastExecution?', Time],
      ]),
    ),
  ],
]);

/** swarm.Node. */
export const nodeType = struct('swarm.Node', [
  ['ID', S],
  ...meta,
  ['Spec?', struct('swarm.NodeSpec', [...annotations, ['Role?', S], ['Availability?', S]])],
  [
    'Description?',
    struct('swarm.NodeDescription', [
      ['Hostname?', S],
      ['Platform?', platform],
      ['Resources?', resources],
      [
        'Engine?',
        struct('swarm.EngineDescription', [
          ['EngineVersion?', S],
          ['Labels?', StrMap],
          [
            'Plugins?',
            list(
              struct('swarm.PluginDescription', [
                ['Type?', S],
                ['Name?', S],
              ]),
            ),
          ],
        ]),
      ],
      [
        'TLSInfo?',
        struct('swarm.TLSInfo', [
          ['TrustRoot?', S],
          ['CertIssuerSubject?', Bytes],
          ['CertIssuerPublicKey?', Bytes],
        ]),
      ],
      ['CSIInfo?', list(Any)],
    ]),
  ],
  [
    'Status?',
    struct('swarm.NodeStatus', [
      ['State?', S],
      ['Message?', S],
      ['Addr?', S],
    ]),
  ],
  [
    'ManagerStatus?',
    ptr(
      struct('swarm.ManagerStatus', [
        ['Leader?', B],
        ['Reachability?', S],
        ['Addr?', S],
      ]),
    ),
  ],
]);

const swarmSpec = struct('swarm.Spec', [
  ...annotations,
  ['Orchestration?', struct('swarm.OrchestrationConfig', [['TaskHistoryRetentionLimit?', ptr(I)]])],
  [
    'Raft?',
    struct('swarm.RaftConfig', [
      ['SnapshotInterval?', I],
      ['KeepOldSnapshots?', ptr(I)],
      ['LogEntriesForSlowFollowers?', I],
      ['ElectionTick', I],
      ['HeartbeatTick', I],
    ]),
  ],
  ['Dispatcher?', struct('swarm.DispatcherConfig', [['HeartbeatPeriod?', Dur]])],
  [
    'CAConfig?',
    struct('swarm.CAConfig', [
      ['NodeCertExpiry?', Dur],
      [
        'ExternalCAs?',
        list(
          ptr(
            struct('swarm.ExternalCA', [
              ['Protocol', S],
              ['URL', S],
              ['Options?', StrMap],
              ['CACert', S],
            ]),
          ),
        ),
      ],
      ['SigningCACert?', S],
      ['SigningCAKey?', S],
      ['ForceRotate?', I],
    ]),
  ],
  ['TaskDefaults?', struct('swarm.TaskDefaults', [['LogDriver?', ptr(driver)]])],
  ['EncryptionConfig?', struct('swarm.EncryptionConfig', [['AutoLockManagers', B]])],
]);

const swarmInfo = struct('swarm.Info', [
  ['NodeID', S],
  ['NodeAddr', S],
  ['LocalNodeState', S],
  ['ControlAvailable', B],
  ['Error', S],
  [
    'RemoteManagers',
    list(
      struct('swarm.Peer', [
        ['NodeID', S],
        ['Addr', S],
      ]),
    ),
  ],
  ['Nodes?', I],
  ['Managers?', I],
  [
    'Cluster?',
    ptr(
      struct('swarm.ClusterInfo', [
        ['ID', S],
        ...meta,
        ['Spec', swarmSpec],
        [
          'TLSInfo',
          struct('swarm.TLSInfo', [
            ['TrustRoot?', S],
            ['CertIssuerSubject?', Bytes],
            ['CertIssuerPublicKey?', Bytes],
          ]),
        ],
        ['RootRotationInProgress', B],
        ['DefaultAddrPool', Strs],
        ['SubnetSize', I],
        ['DataPathPort', I],
      ]),
    ),
  ],
  ['Warnings?', Strs],
]);

const commit = struct('system.Commit', [
  ['ID', S],
  ['Expected?', S],
]);

/** system.Info (GET /info), as the docker 28.2.2 client decodes it. */
export const systemInfoType = struct('system.Info', [
  ['ID', S],
  ['Containers', I],
  ['ContainersRunning', I],
  ['ContainersPaused', I],
  ['ContainersStopped', I],
  ['Images', I],
  ['Driver', S],
  ['DriverStatus', list(Strs)],
  ['SystemStatus?', list(Strs)],
  [
    'Plugins',
    struct('system.PluginsInfo', [
      ['Volume', Strs],
      ['Network', Strs],
      ['Authorization', Strs],
      ['Log', Strs],
    ]),
  ],
  ['MemoryLimit', B],
  ['SwapLimit', B],
  ['KernelMemory?', B],
  ['KernelMemoryTCP?', B],
  ['CpuCfsPeriod', B],
  ['CpuCfsQuota', B],
  ['CPUShares', B],
  ['CPUSet', B],
  ['PidsLimit', B],
  ['IPv4Forwarding', B],
  ['Debug', B],
  ['NFd', I],
  ['OomKillDisable', B],
  ['NGoroutines', I],
  ['SystemTime', S],
  ['LoggingDriver', S],
  ['CgroupDriver', S],
  ['CgroupVersion?', S],
  ['NEventsListener', I],
  ['KernelVersion', S],
  ['OperatingSystem', S],
  ['OSVersion', S],
  ['OSType', S],
  ['Architecture', S],
  ['IndexServerAddress', S],
  [
    'RegistryConfig',
    ptr(
      struct('registry.ServiceConfig', [
        ['AllowNondistributableArtifactsCIDRs?', Strs],
        ['AllowNondistributableArtifactsHostnames?', Strs],
        ['InsecureRegistryCIDRs', Strs],
        [
          'IndexConfigs',
          {
            kind: 'map',
            elem: ptr(
              struct('registry.IndexInfo', [
                ['Name', S],
                ['Mirrors', Strs],
                ['Secure', B],
                ['Official', B],
              ]),
            ),
          },
        ],
        ['Mirrors', Strs],
      ]),
    ),
  ],
  ['NCPU', I],
  ['MemTotal', I],
  ['GenericResources', list(genericResource)],
  ['DockerRootDir', S],
  ['HttpProxy', S],
  ['HttpsProxy', S],
  ['NoProxy', S],
  ['Name', S],
  ['Labels', Strs],
  ['ExperimentalBuild', B],
  ['ServerVersion', S],
  ['Runtimes', { kind: 'map', elem: Any }],
  ['DefaultRuntime', S],
  ['Swarm', swarmInfo],
  ['LiveRestoreEnabled', B],
  ['Isolation', S],
  ['InitBinary', S],
  ['ContainerdCommit', commit],
  ['RuncCommit', commit],
  ['InitCommit', commit],
  ['SecurityOptions', Strs],
  ['ProductLicense?', S],
  [
    'DefaultAddressPools?',
    list(
      struct('system.NetworkAddressPool', [
        ['Base', S],
        ['Size', I],
      ]),
    ),
  ],
  [
    'FirewallBackend?',
    ptr(
      struct('system.FirewallInfo', [
        ['Driver', S],
        ['Info?', list(Strs)],
      ]),
    ),
  ],
  ['CDISpecDirs', Strs],
  [
    'Containerd?',
    ptr(
      struct('system.ContainerdInfo', [
        ['Address?', S],
        [
          'Namespaces',
          struct('system.ContainerdNamespaces', [
            ['Containers', S],
            ['Plugins', S],
          ]),
        ],
      ]),
    ),
  ],
  ['Warnings', Strs],
]);

const healthConfig = struct('v1.HealthcheckConfig', [
  ['Test?', Strs],
  ['Interval?', Dur],
  ['Timeout?', Dur],
  ['StartPeriod?', Dur],
  ['StartInterval?', Dur],
  ['Retries?', I],
]);
const emptyStruct = struct('struct {}', []);

/** image.InspectResponse (GET /images/{name}/json), as the docker 28.2.2 client decodes it. */
export const imageInspectType = struct('image.InspectResponse', [
  ['ID=Id', S],
  ['RepoTags', Strs],
  ['RepoDigests', Strs],
  ['Parent', S],
  ['Comment', S],
  ['Created?', S],
  ['Container?', S],
  ['ContainerConfig?', ptr(Any)],
  ['DockerVersion', S],
  ['Author', S],
  [
    'Config',
    ptr(
      struct('v1.DockerOCIImageConfig', [
        ['User?', S],
        ['ExposedPorts?', { kind: 'map', elem: emptyStruct }],
        ['Env?', Strs],
        ['Entrypoint?', Strs],
        ['Cmd?', Strs],
        ['Volumes?', { kind: 'map', elem: emptyStruct }],
        ['WorkingDir?', S],
        ['Labels?', StrMap],
        ['StopSignal?', S],
        ['ArgsEscaped?', B],
        ['Healthcheck?', ptr(healthConfig)],
        ['OnBuild?', Strs],
        ['Shell?', Strs],
      ]),
    ),
  ],
  ['Architecture', S],
  ['Variant?', S],
  ['Os', S],
  ['OsVersion?', S],
  ['Size', I],
  ['VirtualSize?', I],
  [
    'GraphDriver',
    struct('storage.DriverData', [
      ['Data', StrMap],
      ['Name', S],
    ]),
  ],
  [
    'RootFS',
    struct('image.RootFS', [
      ['Type', S],
      ['Layers?', Strs],
    ]),
  ],
  ['Metadata', struct('image.Metadata', [['LastTagTime?', Time]])],
  ['Descriptor?', ptr(Any)],
  ['Manifests?', list(Any)],
]);

const eventFields: Array<[string, GoType]> = [
  ['Status=status?', S],
  ['ID=id?', S],
  ['From=from?', S],
  ['Type', S],
  ['Action', S],
  [
    'Actor',
    struct('events.Actor', [
      ['ID', S],
      ['Attributes', StrMap],
    ]),
  ],
  ['Scope=scope', S],
  ['Time=time', I],
  ['TimeNano=timeNano', I],
];

/** events.Message (GET /events), as docker decodes each event. */
export const eventMessageType = struct('events.Message', eventFields);
/** The same, as seen through a pointer (docker validates --format on &events.Message{}). */
export const eventMessagePointerType = struct('*events.Message', eventFields);
