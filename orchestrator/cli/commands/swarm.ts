// `docker swarm` (init, join, join-token, leave, update, unlock, unlock-key; ca is listed, not implemented).
import { type CommandDef, exactArgs, noArgs } from '../cobra/command.js';
import { boolFlag, customFlag, durationFlag, type FlagDef, intFlag, stringFlag } from '../cobra/flags.js';
import { group, lazy, unsupported } from './common.js';
import { parseExternalCA, parseIPNet, parseNodeAddr } from './swarm-options.js';

const run = (pick: (m: typeof import('./swarm-run.js')) => CommandDef['run']) =>
  lazy(
    () => import('./swarm-run.js'),
    (m) => pick(m)!,
  );

const day = 24n * 3600n * 1000000000n;

function listenAddrFlag(): FlagDef {
  return customFlag(
    'listen-addr',
    'node-addr',
    'Listen address (format: "<ip|interface>[:port]")',
    (t) => parseNodeAddr(t),
    {
      initial: '0.0.0.0:2377',
      defaultText: '0.0.0.0:2377',
    },
  );
}

function advertiseAddrFlag(): FlagDef {
  return stringFlag('advertise-addr', 'Advertised address (format: "<ip|interface>[:port]")');
}

function dataPathAddrFlag(): FlagDef {
  return stringFlag(
    'data-path-addr',
    'Address or interface to use for data path traffic (format: "<ip|interface>")',
  );
}

function availabilityFlag(): FlagDef {
  return stringFlag('availability', 'Availability of the node ("active", "pause", "drain")', {
    initial: 'active',
  });
}

/** The flags swarm init and swarm update share (addSwarmFlags). */
function swarmSpecFlags(): FlagDef[] {
  return [
    intFlag('task-history-limit', 'Task history retention limit', { goType: 'int64', initial: 5 }),
    durationFlag('dispatcher-heartbeat', 'Dispatcher heartbeat period (ns|us|ms|s|m|h)', {
      initial: 5000000000n,
    }),
    intFlag('max-snapshots', 'Number of additional Raft snapshots to retain', { goType: 'uint64' }),
    intFlag('snapshot-interval', 'Number of log entries between Raft snapshots', {
      goType: 'uint64',
      initial: 10000,
    }),
    durationFlag('cert-expiry', 'Validity period for node certificates (ns|us|ms|s|m|h)', {
      initial: 90n * day,
    }),
    customFlag(
      'external-ca',
      'external-ca',
      'Specifications of one or more certificate signing endpoints',
      (t, current) => [...((current as unknown[]) ?? []), parseExternalCA(t)],
      { initial: [] },
    ),
  ];
}

/** `docker swarm`. */
export function swarmCommand(): CommandDef {
  return group(
    'swarm',
    'Manage Swarm',
    [
      {
        ...unsupported('ca [OPTIONS]', 'Display and rotate the root CA'),
        annotations: { swarm: 'manager' },
      },
      {
        use: 'init [OPTIONS]',
        short: 'Initialize a swarm',
        args: noArgs,
        annotations: { swarm: '' },
        flags: [
          listenAddrFlag(),
          advertiseAddrFlag(),
          dataPathAddrFlag(),
          intFlag(
            'data-path-port',
            'Port number to use for data path traffic (1024 - 49151). If no value is set or is set to 0, the default port (4789) is used.',
            { goType: 'uint32' },
          ),
          boolFlag('force-new-cluster', 'Force create a new cluster from current state'),
          boolFlag(
            'autolock',
            'Enable manager autolocking (requiring an unlock key to start a stopped manager)',
          ),
          availabilityFlag(),
          customFlag(
            'default-addr-pool',
            'ipNetSlice',
            'default address pool in CIDR format',
            (t, current, given) => [...(given ? (current as string[]) : []), ...t.split(',').map(parseIPNet)],
            { initial: [], defaultText: '[]' },
          ),
          intFlag('default-addr-pool-mask-length', 'default address pool subnet mask length', {
            goType: 'uint32',
            initial: 24,
          }),
          ...swarmSpecFlags(),
        ],
        run: run((m) => m.runInit),
      },
      {
        use: 'join [OPTIONS] HOST:PORT',
        short: 'Join a swarm as a node and/or manager',
        args: exactArgs(1),
        annotations: { swarm: '' },
        flags: [
          listenAddrFlag(),
          advertiseAddrFlag(),
          dataPathAddrFlag(),
          stringFlag('token', 'Token for entry into the swarm'),
          availabilityFlag(),
        ],
        run: run((m) => m.runJoin),
      },
      {
        use: 'join-token [OPTIONS] (worker|manager)',
        short: 'Manage join tokens',
        args: exactArgs(1),
        annotations: { swarm: 'manager' },
        flags: [
          boolFlag('rotate', 'Rotate join token'),
          boolFlag('quiet', 'Only display token', { short: 'q' }),
        ],
        run: run((m) => m.runJoinToken),
      },
      {
        use: 'leave [OPTIONS]',
        short: 'Leave the swarm',
        args: noArgs,
        annotations: { swarm: 'active' },
        flags: [boolFlag('force', 'Force this node to leave the swarm, ignoring warnings', { short: 'f' })],
        run: run((m) => m.runLeave),
      },
      {
        use: 'unlock',
        short: 'Unlock swarm',
        args: noArgs,
        annotations: { swarm: 'manager' },
        run: run((m) => m.runUnlock),
      },
      {
        use: 'unlock-key [OPTIONS]',
        short: 'Manage the unlock key',
        args: noArgs,
        annotations: { swarm: 'manager' },
        flags: [
          boolFlag('rotate', 'Rotate unlock key'),
          boolFlag('quiet', 'Only display token', { short: 'q' }),
        ],
        run: run((m) => m.runUnlockKey),
      },
      {
        use: 'update [OPTIONS]',
        short: 'Update the swarm',
        args: noArgs,
        annotations: { swarm: 'manager' },
        flags: [boolFlag('autolock', 'Change manager autolocking setting (true|false)'), ...swarmSpecFlags()],
        run: run((m) => m.runUpdate),
      },
    ],
    { swarm: '' },
  );
}
