// `docker network` (create, inspect, ls, rm, prune; connect and disconnect are listed, not implemented).
import { type CommandDef, exactArgs, minArgs, noArgs } from '../cobra/command.js';
import { boolFlag, filterFlag, listFlag, mapFlag, stringFlag, stringsFlag } from '../cobra/flags.js';
import { formatHelp, group, inspectFormatFlag, lazy, unsupported } from './common.js';
import { validateLabel } from './service-values.js';

const run = (pick: (m: typeof import('./network-run.js')) => NonNullable<CommandDef['run']>) =>
  lazy(() => import('./network-run.js'), pick);

/** `docker network`. */
export function networkCommand(): CommandDef {
  return group('network', 'Manage networks', [
    unsupported('connect [OPTIONS] NETWORK CONTAINER', 'Connect a container to a network'),
    {
      use: 'create [OPTIONS] NETWORK',
      short: 'Create a network',
      args: exactArgs(1),
      flags: [
        boolFlag('attachable', 'Enable manual container attachment'),
        mapFlag('aux-address', 'Auxiliary IPv4 or IPv6 addresses used by Network driver'),
        stringFlag('config-from', 'The network from which to copy the configuration'),
        boolFlag('config-only', 'Create a configuration only network'),
        stringFlag('driver', 'Driver to manage the Network', { short: 'd', initial: 'bridge' }),
        stringsFlag('gateway', 'IPv4 or IPv6 Gateway for the master subnet'),
        boolFlag('ingress', 'Create swarm routing-mesh network'),
        boolFlag('internal', 'Restrict external access to the network'),
        stringsFlag('ip-range', 'Allocate container ip from a sub-range'),
        stringFlag('ipam-driver', 'IP Address Management Driver', { initial: 'default' }),
        mapFlag('ipam-opt', 'Set IPAM driver specific options'),
        boolFlag('ipv4', 'Enable or disable IPv4 address assignment', { initial: true }),
        boolFlag('ipv6', 'Enable or disable IPv6 address assignment'),
        listFlag('label', 'Set metadata on a network', { validate: validateLabel }),
        mapFlag('opt', 'Set driver specific options', { short: 'o' }),
        stringFlag('scope', "Control the network's scope"),
        stringsFlag('subnet', 'Subnet in CIDR format that represents a network segment'),
      ],
      run: run((m) => m.runCreate),
    },
    unsupported('disconnect [OPTIONS] NETWORK CONTAINER', 'Disconnect a container from a network'),
    {
      use: 'inspect [OPTIONS] NETWORK [NETWORK...]',
      short: 'Display detailed information on one or more networks',
      args: minArgs(1),
      flags: [inspectFormatFlag(), boolFlag('verbose', 'Verbose output for diagnostics', { short: 'v' })],
      run: run((m) => m.runInspect),
    },
    {
      use: 'ls [OPTIONS]',
      aliases: ['list'],
      short: 'List networks',
      args: noArgs,
      flags: [
        filterFlag('filter', 'Provide filter values (e.g. "driver=bridge")', { short: 'f' }),
        stringFlag('format', formatHelp),
        boolFlag('no-trunc', 'Do not truncate the output'),
        boolFlag('quiet', 'Only display network IDs', { short: 'q' }),
      ],
      run: run((m) => m.runList),
    },
    {
      use: 'prune [OPTIONS]',
      short: 'Remove all unused networks',
      args: noArgs,
      flags: [
        filterFlag('filter', 'Provide filter values (e.g. "until=<timestamp>")'),
        boolFlag('force', 'Do not prompt for confirmation', { short: 'f' }),
      ],
      run: run((m) => m.runPrune),
    },
    {
      use: 'rm NETWORK [NETWORK...]',
      aliases: ['remove'],
      short: 'Remove one or more networks',
      args: minArgs(1),
      flags: [boolFlag('force', 'Do not error if the network does not exist', { short: 'f' })],
      run: run((m) => m.runRemove),
    },
  ]);
}
