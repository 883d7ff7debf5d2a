// `docker service` (create, inspect, logs, ls, ps, rm, rollback, scale, update) and their flags.
import { type CommandDef, exactArgs, minArgs, noArgs, StatusError } from '../cobra/command.js';
import {
  boolFlag,
  customFlag,
  durationFlag,
  type FlagDef,
  filterFlag,
  intFlag,
  listFlag,
  parseGoFloat,
  parseGoUint,
  stringFlag,
} from '../cobra/flags.js';
import { parseGoDuration, ramInBytes } from '../text/units.js';
import { formatHelp, group, inspectFormatFlag, lazy, prettyFlag } from './common.js';
import {
  parseCredentialSpec,
  parseFileReference,
  parseMount,
  parseNanoCPUs,
  parseNetwork,
  parsePlacementPref,
  parsePort,
  parseUlimit,
  positive,
  shlexSplit,
  validateDNSSearch,
  validateEnv,
  validateExtraHost,
  validateIPAddress,
  validateLabel,
} from './service-values.js';

type Kind = 'create' | 'update';

const append =
  <T>(parse: (text: string) => T | T[]) =>
  (text: string, current: unknown) => {
    const parsed = parse(text);
    return [...((current as T[]) ?? []), ...(Array.isArray(parsed) ? parsed : [parsed])];
  };

/** A nullable duration (docker's DurationOpt): undefined until given. */
function optionalDuration(name: string, usage: string, options: { positiveOnly?: boolean } = {}): FlagDef {
  return customFlag(name, 'duration', usage, (t) => {
    const value = parseGoDuration(t);
    return options.positiveOnly ? positive(value) : value;
  });
}

/** A nullable uint64 (docker's Uint64Opt). */
function optionalUint(name: string, usage: string): FlagDef {
  return customFlag(name, 'uint', usage, (t) => parseGoUint(t));
}

function withDefault(kind: Kind, usage: string, createDefault: string): string {
  return kind === 'create' ? `${usage} (default ${createDefault})` : usage;
}

/** The flags create and update share (docker's addServiceFlags), worded for `kind`. */
function sharedFlags(kind: Kind): FlagDef[] {
  const env = process.env;
  return [
    listFlag('cap-add', 'Add Linux capabilities'),
    listFlag('cap-drop', 'Drop Linux capabilities'),
    customFlag(
      'credential-spec',
      'credential-spec',
      'Credential spec for managed service account (Windows only)',
      (t) => parseCredentialSpec(t),
    ),
    boolFlag('detach', 'Exit immediately instead of waiting for the service to converge', { short: 'd' }),
    stringFlag('endpoint-mode', 'Endpoint mode (vip or dnsrr)', { initial: kind === 'create' ? 'vip' : '' }),
    customFlag('entrypoint', 'command', 'Overwrite the default ENTRYPOINT of the image', (t) =>
      shlexSplit(t),
    ),
    stringFlag('health-cmd', 'Command to run to check health'),
    optionalDuration('health-interval', 'Time between running the check (ms|s|m|h)', { positiveOnly: true }),
    intFlag('health-retries', 'Consecutive failures needed to report unhealthy'),
    optionalDuration(
      'health-start-interval',
      'Time between running the check during the start period (ms|s|m|h)',
      {
        positiveOnly: true,
      },
    ),
    optionalDuration(
      'health-start-period',
      'Start period for the container to initialize before counting retries towards unstable (ms|s|m|h)',
      { positiveOnly: true },
    ),
    optionalDuration('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h)', {
      positiveOnly: true,
    }),
    stringFlag('hostname', 'Container hostname'),
    boolFlag('init', 'Use an init inside each service container to forward signals and reap processes'),
    stringFlag('isolation', 'Service container isolation mode'),
    customFlag('limit-cpu', 'decimal', 'Limit CPUs', (t) => parseNanoCPUs(t), { initial: 0 }),
    customFlag('limit-memory', 'bytes', 'Limit Memory', (t) => ramInBytes(t), { initial: 0 }),
    intFlag('limit-pids', 'Limit maximum number of processes (default 0 = unlimited)', { goType: 'int64' }),
    stringFlag('log-driver', 'Logging driver for service'),
    listFlag('log-opt', 'Logging driver options', { validate: (v) => validateEnv(v, env) }),
    optionalUint('max-concurrent', 'Number of job tasks to run concurrently (default equal to --replicas)'),
    boolFlag('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
    boolFlag('no-resolve-image', 'Do not query the registry to resolve image digest and supported platforms'),
    intFlag('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000) ", { goType: 'int64' }),
    boolFlag('quiet', 'Suppress progress output', { short: 'q' }),
    boolFlag('read-only', "Mount the container's root filesystem as read only"),
    optionalUint('replicas', 'Number of tasks'),
    intFlag('replicas-max-per-node', 'Maximum number of tasks per node (default 0 = unlimited)', {
      goType: 'uint64',
    }),
    customFlag('reserve-cpu', 'decimal', 'Reserve CPUs', (t) => parseNanoCPUs(t), { initial: 0 }),
    customFlag('reserve-memory', 'bytes', 'Reserve Memory', (t) => ramInBytes(t), { initial: 0 }),
    stringFlag(
      'restart-condition',
      withDefault(kind, 'Restart when condition is met ("none", "on-failure", "any")', '"any"'),
    ),
    optionalDuration(
      'restart-delay',
      withDefault(kind, 'Delay between restart attempts (ns|us|ms|s|m|h)', '5s'),
    ),
    optionalUint('restart-max-attempts', 'Maximum number of restarts before giving up'),
    optionalDuration('restart-window', 'Window used to evaluate the restart policy (ns|us|ms|s|m|h)'),
    durationFlag('rollback-delay', withDefault(kind, 'Delay between task rollbacks (ns|us|ms|s|m|h)', '0s')),
    stringFlag(
      'rollback-failure-action',
      withDefault(kind, 'Action on rollback failure ("pause", "continue")', '"pause"'),
    ),
    customFlag(
      'rollback-max-failure-ratio',
      'float',
      withDefault(kind, 'Failure rate to tolerate during a rollback', '0'),
      (t) => Math.fround(parseGoFloat(t)),
      { initial: 0 },
    ),
    durationFlag(
      'rollback-monitor',
      withDefault(kind, 'Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h)', '5s'),
    ),
    stringFlag(
      'rollback-order',
      withDefault(kind, 'Rollback order ("start-first", "stop-first")', '"stop-first"'),
    ),
    intFlag(
      'rollback-parallelism',
      withDefault(
        kind,
        'Maximum number of tasks rolled back simultaneously (0 to roll back all at once)',
        '1',
      ),
      { goType: 'uint64' },
    ),
    optionalDuration(
      'stop-grace-period',
      withDefault(kind, 'Time to wait before force killing a container (ns|us|ms|s|m|h)', '10s'),
    ),
    stringFlag('stop-signal', 'Signal to stop the container'),
    boolFlag('tty', 'Allocate a pseudo-TTY', { short: 't' }),
    durationFlag('update-delay', withDefault(kind, 'Delay between updates (ns|us|ms|s|m|h)', '0s')),
    stringFlag(
      'update-failure-action',
      withDefault(kind, 'Action on update failure ("pause", "continue", "rollback")', '"pause"'),
    ),
    customFlag(
      'update-max-failure-ratio',
      'float',
      withDefault(kind, 'Failure rate to tolerate during an update', '0'),
      (t) => Math.fround(parseGoFloat(t)),
      { initial: 0 },
    ),
    durationFlag(
      'update-monitor',
      withDefault(kind, 'Duration after each task update to monitor for failure (ns|us|ms|s|m|h)', '5s'),
    ),
    stringFlag(
      'update-order',
      withDefault(kind, 'Update order ("start-first", "stop-first")', '"stop-first"'),
    ),
    intFlag(
      'update-parallelism',
      withDefault(kind, 'Maximum number of tasks updated simultaneously (0 to update all at once)', '1'),
      { goType: 'uint64' },
    ),
    stringFlag('user', 'Username or UID (format: <name|uid>[:<group|gid>])', { short: 'u' }),
    boolFlag('with-registry-auth', 'Send registry authentication details to swarm agents'),
    stringFlag('workdir', 'Working directory inside the container', { short: 'w' }),
  ];
}

function createFlags(): FlagDef[] {
  const env = process.env;
  return [
    ...sharedFlags('create'),
    stringFlag('mode', 'Service mode ("replicated", "global", "replicated-job", "global-job")', {
      initial: 'replicated',
    }),
    stringFlag('name', 'Service name'),
    listFlag('label', 'Service labels', { short: 'l', validate: validateLabel }),
    listFlag('container-label', 'Container labels', { validate: (v) => validateEnv(v, env) }),
    listFlag('env', 'Set environment variables', { short: 'e', validate: (v) => validateEnv(v, env) }),
    listFlag('env-file', 'Read in a file of environment variables'),
    customFlag('mount', 'mount', 'Attach a filesystem mount to the service', append(parseMount), {
      initial: [],
    }),
    listFlag('constraint', 'Placement constraints'),
    customFlag('placement-pref', 'pref', 'Add a placement preference', append(parsePlacementPref), {
      initial: [],
    }),
    customFlag('network', 'network', 'Network attachments', append(parseNetwork), { initial: [] }),
    customFlag(
      'secret',
      'secret',
      'Specify secrets to expose to the service',
      append((t) => parseFileReference(t, 'secret')),
      {
        initial: [],
      },
    ),
    customFlag(
      'config',
      'config',
      'Specify configurations to expose to the service',
      append((t) => parseFileReference(t, 'config')),
      { initial: [] },
    ),
    customFlag('publish', 'port', 'Publish a port as a node port', append(parsePort), {
      short: 'p',
      initial: [],
    }),
    listFlag('group', 'Set one or more supplementary user groups for the container'),
    listFlag('dns', 'Set custom DNS servers', { validate: validateIPAddress }),
    listFlag('dns-option', 'Set DNS options'),
    listFlag('dns-search', 'Set custom DNS search domains', { validate: validateDNSSearch }),
    listFlag('host', 'Set one or more custom host-to-IP mappings (host:ip)', { validate: validateExtraHost }),
    listFlag('sysctl', 'Sysctl options'),
    customFlag('ulimit', 'ulimit', 'Ulimit options', append(parseUlimit), { initial: [], defaultText: '[]' }),
    listFlag('generic-resource', 'User defined resources'),
  ];
}

function updateFlags(): FlagDef[] {
  const env = process.env;
  return [
    ...sharedFlags('update'),
    stringFlag('image', 'Service image tag'),
    customFlag('args', 'command', 'Service command args', (t) => shlexSplit(t)),
    boolFlag('rollback', 'Rollback to previous specification'),
    boolFlag('force', 'Force update even if no changes require it'),
    listFlag('env-rm', 'Remove an environment variable'),
    listFlag('group-rm', 'Remove a previously added supplementary user group from the container'),
    listFlag('label-rm', 'Remove a label by its key'),
    listFlag('container-label-rm', 'Remove a container label by its key'),
    listFlag('mount-rm', 'Remove a mount by its target path'),
    customFlag('publish-rm', 'port', 'Remove a published port by its target port', append(parsePort), {
      initial: [],
    }),
    listFlag('constraint-rm', 'Remove a constraint'),
    listFlag('dns-rm', 'Remove a custom DNS server'),
    listFlag('dns-option-rm', 'Remove a DNS option'),
    listFlag('dns-search-rm', 'Remove a DNS search domain'),
    listFlag('host-rm', 'Remove a custom host-to-IP mapping ("host:ip")'),
    listFlag('label-add', 'Add or update a service label', { validate: validateLabel }),
    listFlag('container-label-add', 'Add or update a container label', {
      validate: (v) => validateEnv(v, env),
    }),
    listFlag('env-add', 'Add or update an environment variable', { validate: (v) => validateEnv(v, env) }),
    listFlag('secret-rm', 'Remove a secret'),
    customFlag(
      'secret-add',
      'secret',
      'Add or update a secret on a service',
      append((t) => parseFileReference(t, 'secret')),
      {
        initial: [],
      },
    ),
    listFlag('config-rm', 'Remove a configuration file'),
    customFlag(
      'config-add',
      'config',
      'Add or update a config file on a service',
      append((t) => parseFileReference(t, 'config')),
      { initial: [] },
    ),
    customFlag('mount-add', 'mount', 'Add or update a mount on a service', append(parseMount), {
      initial: [],
    }),
    listFlag('constraint-add', 'Add or update a placement constraint'),
    customFlag('placement-pref-add', 'pref', 'Add a placement preference', append(parsePlacementPref), {
      initial: [],
    }),
    customFlag('placement-pref-rm', 'pref', 'Remove a placement preference', append(parsePlacementPref), {
      initial: [],
    }),
    customFlag('network-add', 'network', 'Add a network', append(parseNetwork), { initial: [] }),
    listFlag('network-rm', 'Remove a network'),
    customFlag('publish-add', 'port', 'Add or update a published port', append(parsePort), { initial: [] }),
    listFlag('group-add', 'Add an additional supplementary user group to the container'),
    listFlag('dns-add', 'Add or update a custom DNS server', { validate: validateIPAddress }),
    listFlag('dns-option-add', 'Add or update a DNS option'),
    listFlag('dns-search-add', 'Add or update a custom DNS search domain', { validate: validateDNSSearch }),
    listFlag('host-add', 'Add a custom host-to-IP mapping ("host:ip")', { validate: validateExtraHost }),
    listFlag('sysctl-add', 'Add or update a Sysctl option'),
    listFlag('sysctl-rm', 'Remove a Sysctl option'),
    customFlag('ulimit-add', 'ulimit', 'Add or update a ulimit option', append(parseUlimit), {
      initial: [],
      defaultText: '[]',
    }),
    listFlag('ulimit-rm', 'Remove a ulimit option'),
    listFlag('generic-resource-add', 'Add a Generic resource'),
    listFlag('generic-resource-rm', 'Remove a Generic resource'),
  ];
}

/** `docker service scale` argument check: every argument is SERVICE=REPLICAS. */
function scaleArgs(...[command, args]: Parameters<NonNullable<CommandDef['args']>>): string | undefined {
  const min = minArgs(1)(command, args);
  if (min) return min;
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) {
      throw new StatusError(
        `invalid scale specifier '${arg}'.\nSee '${command.path} --help'.\n\nUsage:  ${command.useLine}\n\n${command.def.short}`,
        1,
      );
    }
  }
  return undefined;
}

const runs = () => import('./service-run.js');
const run = (pick: (m: Awaited<ReturnType<typeof runs>>) => NonNullable<CommandDef['run']>) =>
  lazy(runs, (m) => pick(m));

/** `docker service`. */
export function serviceCommand(): CommandDef {
  return group(
    'service',
    'Manage Swarm services',
    [
      {
        use: 'create [OPTIONS] IMAGE [COMMAND] [ARG...]',
        short: 'Create a new service',
        args: minArgs(1),
        interspersed: false,
        flags: createFlags(),
        run: run((m) => m.runCreate),
      },
      {
        use: 'inspect [OPTIONS] SERVICE [SERVICE...]',
        short: 'Display detailed information on one or more services',
        args: minArgs(1),
        flags: [inspectFormatFlag(), prettyFlag()],
        run: run((m) => m.runInspect),
      },
      {
        use: 'logs [OPTIONS] SERVICE|TASK',
        short: 'Fetch the logs of a service or task',
        args: exactArgs(1),
        flags: [
          boolFlag('details', 'Show extra details provided to logs'),
          boolFlag('follow', 'Follow log output', { short: 'f' }),
          boolFlag('no-resolve', 'Do not map IDs to Names in output'),
          boolFlag('no-task-ids', 'Do not include task IDs in output'),
          boolFlag('no-trunc', 'Do not truncate output'),
          boolFlag('raw', 'Do not neatly format logs'),
          stringFlag(
            'since',
            'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
          ),
          stringFlag('tail', 'Number of lines to show from the end of the logs', {
            short: 'n',
            initial: 'all',
          }),
          boolFlag('timestamps', 'Show timestamps', { short: 't' }),
        ],
        run: run((m) => m.runLogs),
      },
      {
        use: 'ls [OPTIONS]',
        aliases: ['list'],
        short: 'List services',
        args: noArgs,
        flags: [
          filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
          stringFlag('format', formatHelp),
          boolFlag('quiet', 'Only display IDs', { short: 'q' }),
        ],
        run: run((m) => m.runList),
      },
      {
        use: 'ps [OPTIONS] SERVICE [SERVICE...]',
        short: 'List the tasks of one or more services',
        args: minArgs(1),
        flags: [
          filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
          stringFlag('format', 'Pretty-print tasks using a Go template'),
          boolFlag('no-resolve', 'Do not map IDs to Names'),
          boolFlag('no-trunc', 'Do not truncate output'),
          boolFlag('quiet', 'Only display task IDs', { short: 'q' }),
        ],
        run: run((m) => m.runPs),
      },
      {
        use: 'rm SERVICE [SERVICE...]',
        aliases: ['remove'],
        short: 'Remove one or more services',
        args: minArgs(1),
        run: run((m) => m.runRemove),
      },
      {
        use: 'rollback [OPTIONS] SERVICE',
        short: "Revert changes to a service's configuration",
        args: exactArgs(1),
        flags: [
          boolFlag('detach', 'Exit immediately instead of waiting for the service to converge', {
            short: 'd',
          }),
          boolFlag('quiet', 'Suppress progress output', { short: 'q' }),
        ],
        run: run((m) => m.runRollback),
      },
      {
        use: 'scale SERVICE=REPLICAS [SERVICE=REPLICAS...]',
        short: 'Scale one or multiple replicated services',
        args: scaleArgs,
        flags: [
          boolFlag('detach', 'Exit immediately instead of waiting for the service to converge', {
            short: 'd',
          }),
        ],
        run: run((m) => m.runScale),
      },
      {
        use: 'update [OPTIONS] SERVICE',
        short: 'Update a service',
        args: exactArgs(1),
        flags: updateFlags(),
        run: run((m) => m.runUpdate),
      },
    ],
    { swarm: 'manager' },
  );
}
