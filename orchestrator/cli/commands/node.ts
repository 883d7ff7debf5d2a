// `docker node` (ls, inspect, ps, promote, demote, update, rm).
import { type CommandDef, exactArgs, minArgs, noArgs } from '../cobra/command.js';
import { boolFlag, filterFlag, listFlag, stringFlag } from '../cobra/flags.js';
import { formatHelp, group, inspectFormatFlag, lazy, prettyFlag } from './common.js';

const run = (pick: (m: typeof import('./node-run.js')) => CommandDef['run']) =>
  lazy(
    () => import('./node-run.js'),
    (m) => pick(m)!,
  );

/** Validates "key=value" (docker's ValidateLabel). */
export function validateLabel(value: string): string {
  const eq = value.indexOf('=');
  if (eq < 0 ? value.trim() === '' : value.slice(0, eq).trim() === '') {
    throw new Error(`invalid label '${value}': empty name`);
  }
  return value;
}

/** `docker node`. */
export function nodeCommand(): CommandDef {
  return group(
    'node',
    'Manage Swarm nodes',
    [
      {
        use: 'demote NODE [NODE...]',
        short: 'Demote one or more nodes from manager in the swarm',
        args: minArgs(1),
        run: run((m) => m.runDemote),
      },
      {
        use: 'inspect [OPTIONS] self|NODE [NODE...]',
        short: 'Display detailed information on one or more nodes',
        args: minArgs(1),
        flags: [inspectFormatFlag(), prettyFlag()],
        run: run((m) => m.runInspect),
      },
      {
        use: 'ls [OPTIONS]',
        aliases: ['list'],
        short: 'List nodes in the swarm',
        args: noArgs,
        flags: [
          boolFlag('quiet', 'Only display IDs', { short: 'q' }),
          stringFlag('format', formatHelp),
          filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
        ],
        run: run((m) => m.runList),
      },
      {
        use: 'promote NODE [NODE...]',
        short: 'Promote one or more nodes to manager in the swarm',
        args: minArgs(1),
        run: run((m) => m.runPromote),
      },
      {
        use: 'ps [OPTIONS] [NODE...]',
        short: 'List tasks running on one or more nodes, defaults to current node',
        args: minArgs(0),
        flags: [
          boolFlag('no-trunc', 'Do not truncate output'),
          boolFlag('no-resolve', 'Do not map IDs to Names'),
          filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
          stringFlag('format', 'Pretty-print tasks using a Go template'),
          boolFlag('quiet', 'Only display task IDs', { short: 'q' }),
        ],
        run: run((m) => m.runPs),
      },
      {
        use: 'rm [OPTIONS] NODE [NODE...]',
        aliases: ['remove'],
        short: 'Remove one or more nodes from the swarm',
        args: minArgs(1),
        flags: [boolFlag('force', 'Force remove a node from the swarm', { short: 'f' })],
        run: run((m) => m.runRemove),
      },
      {
        use: 'update [OPTIONS] NODE',
        short: 'Update a node',
        args: exactArgs(1),
        flags: [
          stringFlag('role', 'Role of the node ("worker", "manager")'),
          stringFlag('availability', 'Availability of the node ("active", "pause", "drain")'),
          listFlag('label-add', 'Add or update a node label ("key=value")', { validate: validateLabel }),
          listFlag('label-rm', 'Remove a node label if exists'),
        ],
        run: run((m) => m.runUpdate),
      },
    ],
    { swarm: 'manager' },
  );
}
